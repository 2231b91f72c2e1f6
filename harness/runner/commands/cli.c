/* cli.c - the option-reading and set-up pieces the subcommands share. */
#include "runner/commands/cli.h"

#include "runner/commands/commands.h"
#include "runner/drivers/self_dir.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int kx_cli_help(const char *arg, kx_cli_usage_fn *usage)
{
	if (strcmp(arg, "--help") != 0 && strcmp(arg, "-h") != 0)
		return 0;
	usage(stdout);
	return 1;
}

int kx_cli_string_option(const struct kx_cli_string *options, size_t n, const char *arg, const char *value)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(options[i].name, arg) == 0) {
			*options[i].value = value;
			return 1;
		}
	return 0;
}

int kx_cli_list_option(const char *arg, const char *name, const char *value, const char **list, size_t *n,
                       size_t max)
{
	if (strcmp(arg, name) != 0 || *n >= max)
		return 0;
	list[(*n)++] = value;
	return 1;
}

int kx_cli_int(const char *value, int min, int max, int *out)
{
	/* Whole text or nothing: "5s" or "1e3" must not quietly read as 5 or 1. */
	char *end;
	errno = 0;
	long n = strtol(value, &end, 10);
	if (end == value || *end != '\0' || errno == ERANGE || n < min || n > max)
		return 0;
	*out = (int)n;
	return 1;
}

int kx_cli_error(const char *command, const char *fmt, ...)
{
	va_list args;
	fprintf(stderr, "kxconform %s: ", command);
	va_start(args, fmt);
	vfprintf(stderr, fmt, args);
	va_end(args);
	fprintf(stderr, "\n(`kxconform %s --help` lists the options)\n", command);
	return -1;
}

int kx_cli_unknown(const char *command, const char *arg)
{
	if (arg[0] == '-')
		return kx_cli_error(command, "unknown option %s", arg);
	return kx_cli_error(command, "unexpected argument \"%s\": this command takes options only", arg);
}

static int listed(const char *const *names, const char *arg)
{
	for (size_t k = 0; names != NULL && names[k] != NULL; k++)
		if (strcmp(names[k], arg) == 0)
			return 1;
	return 0;
}

int kx_cli_next(const char *command, int argc, char **argv, int *i, const char *const *flags,
                const char *const *valued, const char **value)
{
	const char *arg = argv[*i];
	*value = NULL;
	if (listed(flags, arg))
		return 1;
	if (!listed(valued, arg))
		return kx_cli_unknown(command, arg);
	/* "--claim --timeout 5" is a forgotten value, not a claim named "--timeout". */
	if (*i + 1 >= argc || (argv[*i + 1][0] == '-' && argv[*i + 1][1] == '-' &&
	                       (listed(flags, argv[*i + 1]) || listed(valued, argv[*i + 1]))))
		return kx_cli_error(command, "%s needs a value", arg);
	*value = argv[++*i];
	return 1;
}

int kx_cli_int_option(const char *command, const char *arg, const char *value, const char *what, int min, int max,
                      int *out)
{
	if (kx_cli_int(value, min, max, out))
		return 1;
	kx_cli_error(command, "%s takes %s, a whole number from %d to %d, not \"%s\"", arg, what, min, max, value);
	return 0;
}

int kx_cli_list_add(const char *command, const char *arg, const char *value, const char **list, size_t *n,
                    size_t max)
{
	if (kx_cli_list_option(arg, arg, value, list, n, max))
		return 1;
	kx_cli_error(command, "at most %zu %s options", max, arg);
	return 0;
}

void kx_cli_pki_dir(const char *given, char *pki, size_t len)
{
	if (given != NULL) {
		snprintf(pki, len, "%s", given);
		return;
	}
	char self[4000] = ".";
	kx_self_dir(self, sizeof self);
	snprintf(pki, len, "%s/pki", self);
}

json_t *kx_cli_report_header(const struct kx_driver_pool *pool, const char *suite, time_t started, int jobs)
{
	char when[32], host[256] = "";
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&started));
	gethostname(host, sizeof host - 1);
	json_t *drivers = json_array();
	for (size_t i = 0; i < pool->n; i++) {
		json_t *driver = json_pack("{s:s, s:s, s:s}", "name", pool->names[i], "path", pool->paths[i],
		                           "implementation", kx_driver_implementation(&pool->procs[i]));
		if (pool->procs[i].module != NULL)
			json_object_set_new(driver, "in_process", json_true());
		json_array_append_new(drivers, driver);
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:i, s:o}", "harness", "kxconform " KX_VERSION, "suite", suite,
	                 "started", when, "host", host, "jobs", jobs, "drivers", drivers);
}
