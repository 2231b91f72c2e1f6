/* outcome.c - a case's result and diagnosis, one reason at a time. */
#include "runner/cases/outcome.h"

#include "core/errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void add(struct kx_outcome *o, const char *result, const char *fmt, va_list args)
{
	char text[2048];
	vsnprintf(text, sizeof text, fmt, args);
	kx_appendf(o->diagnosis, sizeof o->diagnosis, "%s%s", o->diagnosis[0] ? "; " : "", text);
	if (o->result == NULL || strcmp(o->result, KX_RESULT_ERROR) != 0)
		o->result = result;
}

void kx_outcome_add(struct kx_outcome *o, const char *result, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	add(o, result, fmt, args);
	va_end(args);
}

void kx_outcome_fail(struct kx_outcome *o, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	add(o, KX_RESULT_FAIL, fmt, args);
	va_end(args);
}
