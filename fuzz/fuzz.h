/* fuzz.h - what every fuzz target shares (fuzz/README.md).
 *
 * A target is one function, LLVMFuzzerTestOneInput, fed arbitrary bytes.
 * The same source links either with clang's libFuzzer (cmake -DKX_FUZZ=ON,
 * `make fuzz`) or with fuzz/standalone.c (the normal gcc build, whose ctest
 * `fuzz_smoke_<name>` replays the corpus and a bounded number of mutations).
 *
 * A target checks invariants (round trips, a classification agreeing with a
 * rebuild), not only that nothing crashes. FUZZ_CHECK reports a broken one
 * and aborts: both libFuzzer and the standalone runner treat the abort as a
 * finding and save the input that caused it. */
#ifndef KX_FUZZ_H
#define KX_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The libFuzzer interface. LLVMFuzzerInitialize is optional: a target that
 * needs one-time set-up defines it, and both runners call it first. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static inline void kx_fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
    __attribute__((format(printf, 4, 5), noreturn));

static inline void kx_fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list args;

	fprintf(stderr, "%s:%d: invariant broken: %s: ", file, line, cond);
	va_start(args, fmt);
	vfprintf(stderr, fmt, args);
	va_end(args);
	fputc('\n', stderr);
	fflush(stderr);
	abort();
}

/* Whether to step around a known open bug (fuzz/README.md, "Findings"), named
 * by its finding id, so that fuzzing goes on past it instead of finding it again
 * and again. Replaying reproducers sets KX_FUZZ_STRICT=1 (both runners do), and
 * then nothing is stepped around: a reproducer fails until its bug is fixed.
 * Once a fix is in, the step-around is deleted with the finding's OPEN line. */
static inline int kx_fuzz_step_around(const char *finding)
{
	static int strict = -1;

	(void)finding;
	if (strict < 0) {
		const char *value = getenv("KX_FUZZ_STRICT");

		strict = value != NULL && value[0] != '\0' && value[0] != '0';
	}
	return !strict;
}

/* Aborts with the failed condition and a printf-style explanation. */
#define FUZZ_CHECK(cond, ...)                                                                                \
	do {                                                                                                 \
		if (!(cond))                                                                                 \
			kx_fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                                \
	} while (0)

#endif
