/* json_io.h - the jansson helpers the driver and the runner share: hex
 * byte-string members and one-line serialisation. The fast reader and writer
 * of JSON text are json_parse.h, json_doc.h and json_write.h. */
#ifndef KX_JSON_IO_H
#define KX_JSON_IO_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Decodes the hex string member `key` of obj (either case) into a malloc'd buffer
 * (*out, caller frees, non-NULL even when empty) of *len bytes; returns 0, or -1 with
 * a message naming the key in err (capacity errlen) if missing, not a string or not hex. */
int kx_json_get_hex(json_t *obj, const char *key, uint8_t **out, size_t *len, char *err, size_t errlen);

/* Returns the string member `key` of obj, or NULL if it is missing or not a string. */
const char *kx_json_get_string(json_t *obj, const char *key);

/* 1 if array (any JSON value; not an array: none) holds the string value, else 0. */
int kx_json_array_has_string(json_t *array, const char *value);

/* The first object of array whose string member "name" is name (borrowed), or NULL (also when
 * name is NULL): a suite's scenarios and axes are found by name. */
json_t *kx_json_array_named(json_t *array, const char *name);

/* Sets member `key` of obj to the lower-case hex of len bytes; returns 0, or -1 on failure. */
int kx_json_set_hex(json_t *obj, const char *key, const uint8_t *buf, size_t len);

/* Returns obj (an object or an array) as compact one-line JSON (no newline) in a
 * malloc'd string (caller frees), the bytes json_dumps(obj, JSON_COMPACT) gives; or NULL. */
char *kx_json_line(json_t *obj);

#endif
