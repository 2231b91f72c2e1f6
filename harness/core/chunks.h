/* chunks.h - an ordered list of byte strings: the records or datagrams of one
 * flight as a TLS library wrote them. For DTLS each chunk is one datagram;
 * for TLS the chunk boundaries carry no meaning and the bytes are a stream. */
#ifndef KX_CHUNKS_H
#define KX_CHUNKS_H

#include <stddef.h>
#include <stdint.h>

struct kx_chunk {
	uint8_t *data;
	size_t len;
};

struct kx_chunks {
	struct kx_chunk *items;
	size_t n, cap;
};

/* Appends a copy of len bytes as a new chunk; returns 0, or -1 when memory runs out. */
int kx_chunks_append(struct kx_chunks *chunks, const uint8_t *data, size_t len);

/* Appends the bytes to the last chunk (a new one if there is none); returns 0 or -1. */
int kx_chunks_extend_last(struct kx_chunks *chunks, const uint8_t *data, size_t len);

/* Appends copies of every chunk of from (which may be chunks itself); 0, or -1 when memory ran out. */
int kx_chunks_append_all(struct kx_chunks *chunks, const struct kx_chunks *from);

/* Total number of bytes in all chunks. */
size_t kx_chunks_total(const struct kx_chunks *chunks);

/* The chunks concatenated into one malloc'd buffer (a TLS stream, an ESCertKE message), its
 * length in *len; NULL when memory runs out. */
uint8_t *kx_chunks_flatten(const struct kx_chunks *chunks, size_t *len);

/* Frees every chunk and leaves an empty list. */
void kx_chunks_clear(struct kx_chunks *chunks);

#endif
