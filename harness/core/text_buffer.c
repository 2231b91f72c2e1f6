/* text_buffer.c - the growable byte buffer: doubling, so appending n bytes
 * one piece at a time costs O(n). */
#include <stdlib.h>
#include <string.h>

#include "text_buffer.h"

int kx_text_reserve(struct kx_text *text, size_t more)
{
	if (text->cap - text->len >= more)
		return 0;
	size_t cap = text->cap ? text->cap : 256;
	while (cap - text->len < more) {
		if (cap > ((size_t)-1) / 2)
			return -1;
		cap *= 2;
	}
	char *bigger = realloc(text->data, cap);
	if (bigger == NULL)
		return -1;
	text->data = bigger;
	text->cap = cap;
	return 0;
}

int kx_text_put(struct kx_text *text, const char *bytes, size_t len)
{
	if (len == 0)
		return 0; /* data may still be NULL */
	if (kx_text_reserve(text, len) != 0)
		return -1;
	memcpy(text->data + text->len, bytes, len);
	text->len += len;
	return 0;
}
