/* errors.c - kx_errorf and kx_appendf: vsnprintf into a caller's buffer. */
#include "core/errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int kx_errorf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list args;

	if (err == NULL || errlen == 0)
		return -1;
	va_start(args, fmt);
	vsnprintf(err, errlen, fmt, args);
	va_end(args);
	return -1;
}

void kx_appendf(char *buf, size_t cap, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list args;

	if (used + 1 >= cap)
		return;
	va_start(args, fmt);
	vsnprintf(buf + used, cap - used, fmt, args);
	va_end(args);
}
