/* json_parse.h - reads JSON text into jansson values, accepting exactly what
 * json_loadb accepts, several times faster (json_parse.c says why). */
#ifndef KX_JSON_PARSE_H
#define KX_JSON_PARSE_H

#include <stddef.h>

#include <jansson.h>

/* Parses len bytes of JSON text into a new jansson value, accepting exactly what
 * json_loadb(text, len, flags, error) accepts for flags 0, JSON_REJECT_DUPLICATES
 * and JSON_DECODE_ANY: RFC 8259, an object or array at the top unless
 * JSON_DECODE_ANY, strings of well-formed UTF-8 without \u0000, integers that fit
 * json_int_t, nesting up to JSON_PARSER_MAX_DEPTH, nothing but white space after
 * the value. Returns NULL on error, with text, line, column and byte position in
 * *error (may be NULL). Several times faster than json_loadb (json_parse.c says why). */
json_t *kx_json_parse(const char *text, size_t len, int flags, json_error_t *error);

#endif
