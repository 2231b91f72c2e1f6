/* json_write.h - writes jansson values as compact JSON text, byte for byte
 * what json_dumps writes, into a growable buffer (faster than jansson's
 * callback per fragment: bench/RESULTS.md, "Vector checking"). */
#ifndef KX_JSON_WRITE_H
#define KX_JSON_WRITE_H

#include <stddef.h>

#include <jansson.h>

#include "text_buffer.h"

/* Appends value as compact JSON (the bytes of json_dumps with JSON_COMPACT |
 * JSON_ENCODE_ANY: members in insertion order, no line break, non-ASCII as UTF-8);
 * 0, or -1 (nothing appended) for a string that is not UTF-8 or out of memory. */
int kx_json_write(struct kx_text *out, json_t *value);

/* Appends the len bytes at s as a JSON string, escaped as kx_json_write escapes;
 * 0, or -1 (nothing appended) when they are not UTF-8 or out of memory. */
int kx_json_write_string(struct kx_text *out, const char *s, size_t len);

#endif
