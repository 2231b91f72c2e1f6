/* text_buffer.h - a growable byte buffer, what the JSON writer and the
 * protocol lines are built in. */
#ifndef KX_TEXT_BUFFER_H
#define KX_TEXT_BUFFER_H

#include <stddef.h>

/* A growable byte buffer; {NULL, 0, 0} is an empty one. The owner frees data. */
struct kx_text {
	char *data;
	size_t len, cap;
};

/* Makes room for `more` bytes after len; 0, or -1 when out of memory. */
int kx_text_reserve(struct kx_text *text, size_t more);

/* Appends len bytes; 0 or -1. */
int kx_text_put(struct kx_text *text, const char *bytes, size_t len);

/* Appends a string literal (its length counted by the compiler); 0 or -1. */
#define kx_text_put_literal(text, literal) kx_text_put((text), "" literal, sizeof(literal) - 1)

#endif
