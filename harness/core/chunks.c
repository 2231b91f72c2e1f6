/* chunks.c - growable list of owned byte strings. */
#include "chunks.h"

#include "core/growable.h"

#include <stdlib.h>
#include <string.h>

int kx_chunks_append(struct kx_chunks *chunks, const uint8_t *data, size_t len)
{
	if (KX_GROW(chunks->items, chunks->cap, chunks->n + 1) != 0)
		return -1;
	uint8_t *copy = malloc(len ? len : 1);
	if (copy == NULL)
		return -1;
	if (len > 0)
		memcpy(copy, data, len);
	chunks->items[chunks->n].data = copy;
	chunks->items[chunks->n].len = len;
	chunks->n++;
	return 0;
}

int kx_chunks_extend_last(struct kx_chunks *chunks, const uint8_t *data, size_t len)
{
	if (chunks->n == 0)
		return kx_chunks_append(chunks, data, len);
	struct kx_chunk *last = &chunks->items[chunks->n - 1];
	uint8_t *grown = realloc(last->data, last->len + len + 1);
	if (grown == NULL)
		return -1;
	if (len > 0)
		memcpy(grown + last->len, data, len);
	last->data = grown;
	last->len += len;
	return 0;
}

int kx_chunks_append_all(struct kx_chunks *chunks, const struct kx_chunks *from)
{
	size_t n = from->n; /* from may be chunks, which grows */
	int ret = 0;
	for (size_t i = 0; i < n; i++)
		if (kx_chunks_append(chunks, from->items[i].data, from->items[i].len) != 0)
			ret = -1;
	return ret;
}

size_t kx_chunks_total(const struct kx_chunks *chunks)
{
	size_t total = 0;
	for (size_t i = 0; i < chunks->n; i++)
		total += chunks->items[i].len;
	return total;
}

uint8_t *kx_chunks_flatten(const struct kx_chunks *chunks, size_t *len)
{
	*len = kx_chunks_total(chunks);
	uint8_t *buf = malloc(*len ? *len : 1);
	size_t at = 0;
	for (size_t i = 0; buf != NULL && i < chunks->n; i++) {
		memcpy(buf + at, chunks->items[i].data, chunks->items[i].len);
		at += chunks->items[i].len;
	}
	return buf;
}

void kx_chunks_clear(struct kx_chunks *chunks)
{
	for (size_t i = 0; i < chunks->n; i++)
		free(chunks->items[i].data);
	free(chunks->items);
	memset(chunks, 0, sizeof *chunks);
}
