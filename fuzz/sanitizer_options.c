/* sanitizer_options.c - default sanitizer options of the libFuzzer targets
 * (cmake -DKX_FUZZ=ON), linked into each of them.
 *
 * The undefined-behaviour checks are compiled recoverable so that a known
 * open finding can be suppressed by file (fuzz/known-open.supp: exploring goes
 * on past it, as fuzz.h's step-arounds do for the others). Every other report
 * must still end the run at once, as -fno-sanitize-recover would, hence
 * halt_on_error here, where no one running a target by hand can forget it.
 * UBSAN_OPTIONS from the environment adds to these. */
const char *__ubsan_default_options(void);

const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}
