/* chunks_json.h - flights in the driver protocol: a JSON array of standard
 * padded base64 strings, one per chunk (datagram or record run). */
#ifndef KX_CHUNKS_JSON_H
#define KX_CHUNKS_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "chunks.h"

/* A new JSON array with one base64 string per chunk, or NULL when memory runs out. */
json_t *kx_chunks_to_json(const struct kx_chunks *chunks);

/* Appends the chunks of a JSON array of base64 strings (NULL: none); 0, or -1
 * with err naming the bad element. */
int kx_chunks_from_json(json_t *array, struct kx_chunks *chunks, char *err, size_t errlen);

#endif
