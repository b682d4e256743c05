// Argus — C shim for the system libsqlite3.
// SPDX-License-Identifier: Apache-2.0
#ifndef ARGUS_CSQLITE3_SHIM_H
#define ARGUS_CSQLITE3_SHIM_H
#include <sqlite3.h>
#endif
