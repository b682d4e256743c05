/*
 * The floor for any libxml2 SAX2 reader of nmap XML: libxml2's push parser fed from a file in
 * 256 KiB chunks, with element callbacks that only count. Built and run by parse-benchmark.py.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <libxml/parser.h>
#include <stdio.h>
#include <string.h>

static long elements;

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                     int namespaces, const xmlChar **namespace_list, int attributes, int defaulted,
                     const xmlChar **attribute_list) {
    elements++;
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri) {}

int main(int argc, char **argv) {
    static char buffer[262144];
    xmlSAXHandler handler;
    memset(&handler, 0, sizeof handler);
    handler.initialized = XML_SAX2_MAGIC;
    handler.startElementNs = on_start;
    handler.endElementNs = on_end;
    if (argc != 2) return 2;
    FILE *file = fopen(argv[1], "rb");
    if (!file) return 1;
    xmlParserCtxtPtr context = xmlCreatePushParserCtxt(&handler, NULL, NULL, 0, NULL);
    xmlCtxtUseOptions(context, XML_PARSE_NONET);
    size_t count;
    while ((count = fread(buffer, 1, sizeof buffer, file)) > 0) xmlParseChunk(context, buffer, (int)count, 0);
    xmlParseChunk(context, NULL, 0, 1);
    printf("%ld elements\n", elements);
    xmlFreeParserCtxt(context);
    fclose(file);
    return 0;
}
