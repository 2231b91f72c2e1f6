/* unit.h - what every C unit test includes: cmocka with the headers it needs
 * before it, the main that runs a file's tests, and a byte builder for the
 * tests that assemble wire formats (TLS records, captures) by hand. */
#ifndef KX_UNIT_H
#define KX_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The file's main: runs the tests given (cmocka_unit_test(name), ...) as one group named name. */
#define KX_UNIT_MAIN_NAMED(name, ...)                                                              \
	int main(void)                                                                             \
	{                                                                                          \
		const struct CMUnitTest tests[] = {__VA_ARGS__};                                   \
		return cmocka_run_group_tests_name((name), tests, NULL, NULL);                     \
	}

/* The file's main, its group named "tests" as cmocka_run_group_tests names it. */
#define KX_UNIT_MAIN(...) KX_UNIT_MAIN_NAMED("tests", __VA_ARGS__)

/* Bytes assembled by a test; a test that writes past the end fails. */
struct kx_bytes {
	uint8_t b[16384];
	size_t n;
};

/* Appends n bytes. */
static inline void kx_put(struct kx_bytes *x, const void *p, size_t n)
{
	assert_true(x->n + n <= sizeof x->b);
	if (n > 0)
		memcpy(x->b + x->n, p, n);
	x->n += n;
}

/* Appends one byte. */
static inline void kx_put8(struct kx_bytes *x, unsigned v)
{
	uint8_t b = (uint8_t)v;
	kx_put(x, &b, 1);
}

/* Appends 16, 24 or 32 bits in network byte order, as TLS and IP write them. */
static inline void kx_put16(struct kx_bytes *x, unsigned v)
{
	kx_put8(x, v >> 8);
	kx_put8(x, v);
}

static inline void kx_put24(struct kx_bytes *x, unsigned v)
{
	kx_put8(x, v >> 16);
	kx_put16(x, v & 0xFFFF);
}

static inline void kx_put32(struct kx_bytes *x, uint32_t v)
{
	kx_put16(x, v >> 16);
	kx_put16(x, v & 0xFFFF);
}

#endif
