// Argus — C shim for the system libxml2.
// SPDX-License-Identifier: Apache-2.0
#ifndef ARGUS_CLIBXML2_SHIM_H
#define ARGUS_CLIBXML2_SHIM_H

/* Debian's libxml2 is built with ICU: libxml/encoding.h would then include the system
   <unicode/ucnv.h>, whose UErrorCode clashes with the ICU copy inside Foundation
   (_FoundationICU) in any Swift module that sees both — but only on a clean build.
   Only the layout of xmlCharEncodingHandler depends on this macro; Argus never touches
   that struct from Swift. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>

/* xmlFree is a global function-pointer variable, which Swift 6 rejects as shared
   mutable state. */
static inline void argus_xmlFree(void *ptr) { xmlFree(ptr); }

/* xmlParserVersion is a macro over a function call, which Swift does not import. */
static inline const char *argus_xmlParserVersion(void) { return xmlParserVersion; }

#endif
