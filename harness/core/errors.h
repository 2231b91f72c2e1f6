/* errors.h - the one way the harness writes an error text into a caller's
 * buffer: a printf-style format, cut to the buffer's capacity, and -1 for
 * the caller to return. Functions that report failure as "0, or -1 with
 * err" end with `return kx_errorf(err, errlen, ...)`. Diagnoses that collect
 * several reasons grow with kx_appendf. */
#ifndef KX_ERRORS_H
#define KX_ERRORS_H

#include <stddef.h>

/* Formats into err (capacity errlen; nothing when err is NULL or errlen 0); returns -1. */
int kx_errorf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Appends formatted text to the NUL-terminated text in buf (capacity cap), cut to fit; nothing
 * when buf is already full. */
void kx_appendf(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
