/* standalone.c - runs a fuzz target without libFuzzer, for the normal gcc
 * build and `make test` (fuzz/README.md, "Smoke run").
 *
 *   fuzz_NAME [-n MUTATIONS] [-s SEED] [-r REGRESSIONS_DIR]... [PATH]...
 *
 * 1. Every reproducer in each -r directory is replayed in a child process, so
 *    a crash is counted rather than ending the run. A reproducer listed in the
 *    directory's OPEN file (a bug reported but not fixed yet) is reported and
 *    tolerated; any other one that fails fails the run.
 * 2. Every corpus file (PATH: files, or directories read one level deep) is
 *    fed to the target as it is.
 * 3. MUTATIONS deterministic variations of the corpus (bit flips, truncations,
 *    insertions, deletions, duplicated ranges, tokens, 16-bit length values,
 *    splices), from a fixed seed, so a failure is the same on every machine.
 *
 * libFuzzer explores far better (coverage guided); this runner exists so that
 * every `make test` replays the corpus and the regressions on gcc, where
 * clang may be missing. An input that crashes or breaks an invariant is saved
 * to fuzz-NAME-failure.bin in the current directory and the exit status is 1. */
/* sigaltstack and SA_ONSTACK are XSI, beyond the build's _POSIX_C_SOURCE. */
#define _XOPEN_SOURCE 700

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/growable.h"

/* Declared here rather than from fuzz.h: weak, so that a target without an
 * initializer still links, as libFuzzer allows. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
/* Present only in sanitizer builds (KX_SANITIZE=ON): lets the failing input
 * be saved when a sanitizer, not a signal, ends the process. */
void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

#define MAX_INPUT (1024 * 1024)

struct input {
	char *name;
	uint8_t *data;
	size_t len;
};

struct inputs {
	struct input *items;
	size_t n, cap;
};

/* ---- what is running, for the crash report ------------------------------ */

static const char *program = "fuzz";
static char failure_file[256];
static char current[512];           /* description of the input being run */
static const uint8_t *current_data; /* and its bytes */
static size_t current_len;

static void write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w <= 0)
			return;
		p += w;
		len -= (size_t)w;
	}
}

/* Async-signal-safe: open, write and strlen only. */
static void save_current(void)
{
	static const char msg1[] = ": failed on ";
	static const char msg2[] = "; input saved to ";
	int fd = open(failure_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd >= 0) {
		write_all(fd, current_data, current_len);
		close(fd);
	}
	write_all(STDERR_FILENO, program, strlen(program));
	write_all(STDERR_FILENO, msg1, sizeof msg1 - 1);
	write_all(STDERR_FILENO, current, strlen(current));
	write_all(STDERR_FILENO, msg2, sizeof msg2 - 1);
	write_all(STDERR_FILENO, failure_file, strlen(failure_file));
	write_all(STDERR_FILENO, "\n", 1);
}

static void on_fatal_signal(int sig)
{
	save_current();
	/* SA_RESETHAND restored the default action: this ends the process with sig. */
	raise(sig);
}

static void install_handlers(void)
{
	static uint8_t alt_stack[64 * 1024];
	stack_t ss = {.ss_sp = alt_stack, .ss_size = sizeof alt_stack, .ss_flags = 0};
	struct sigaction sa;
	int sanitized = __sanitizer_set_death_callback != NULL;
	const int fatal[] = {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL};

	/* A stack overflow must still be reported: the handler runs on its own stack. */
	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_fatal_signal;
	sa.sa_flags = SA_RESETHAND | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
		/* Under a sanitizer its own report of a bad access is worth more
		 * than ours; it calls the death callback when it is done. */
		if (sanitized && fatal[i] != SIGABRT)
			continue;
		sigaction(fatal[i], &sa, NULL);
	}
	if (sanitized)
		__sanitizer_set_death_callback(save_current);
}

/* Runs one input from an exactly sized copy, so that a read past its end is
 * a read past an allocation (which a sanitizer build reports). */
static void run_one(const uint8_t *data, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	if (copy == NULL) {
		fprintf(stderr, "%s: out of memory\n", program);
		exit(2);
	}
	if (len > 0)
		memcpy(copy, data, len);
	current_data = copy;
	current_len = len;
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
}

/* ---- reading inputs ------------------------------------------------------ */

static int add_input(struct inputs *in, const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = malloc(MAX_INPUT);
	size_t len = 0;

	if (f == NULL || data == NULL) {
		fprintf(stderr, "%s: cannot read %s: %s\n", program, path, strerror(errno));
		if (f != NULL)
			fclose(f);
		free(data);
		return -1;
	}
	len = fread(data, 1, MAX_INPUT, f);
	fclose(f);
	if (KX_GROW(in->items, in->cap, in->n + 1) != 0) {
		free(data);
		return -1;
	}
	in->items[in->n].name = strdup(path);
	in->items[in->n].data = data;
	in->items[in->n].len = len;
	in->n++;
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory's files in name order (the order decides the mutations, so it
 * must not depend on the file system), without README, OPEN and dot files. */
static int add_path(struct inputs *in, const char *path)
{
	struct stat st;
	DIR *dir;
	struct dirent *entry;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "%s: %s: %s\n", program, path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return add_input(in, path);
	dir = opendir(path);
	while (dir != NULL && (entry = readdir(dir)) != NULL) {
		if (entry->d_name[0] == '.' || strncmp(entry->d_name, "README", 6) == 0 ||
		    strcmp(entry->d_name, "OPEN") == 0)
			continue;
		if (KX_GROW(names, cap, n + 1) != 0)
			break;
		names[n++] = strdup(entry->d_name);
	}
	if (dir != NULL)
		closedir(dir);
	qsort(names, n, sizeof *names, compare_names);
	for (size_t i = 0; i < n; i++) {
		char full[4096];

		snprintf(full, sizeof full, "%s/%s", path, names[i]);
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && add_input(in, full) != 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

static void free_inputs(struct inputs *in)
{
	for (size_t i = 0; i < in->n; i++) {
		free(in->items[i].name);
		free(in->items[i].data);
	}
	free(in->items);
	memset(in, 0, sizeof *in);
}

/* ---- regressions --------------------------------------------------------- */

/* Whether name is listed in dir/OPEN (one file name a line, '#' starts a comment). */
static int listed_open(const char *dir, const char *name)
{
	char path[4096], line[512];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/OPEN", dir);
	f = fopen(path, "r");
	while (f != NULL && !found && fgets(line, sizeof line, f) != NULL) {
		char *end = line + strcspn(line, "# \t\r\n");

		*end = '\0';
		found = line[0] != '\0' && strcmp(line, name) == 0;
	}
	if (f != NULL)
		fclose(f);
	return found;
}

/* Replays each reproducer in a child; returns how many failed that are not open. */
static int replay_regressions(const char *dir, size_t *replayed, size_t *open_bugs)
{
	struct inputs in = {0};
	int failures = 0;

	if (add_path(&in, dir) != 0) {
		free_inputs(&in);
		return 1;
	}
	for (size_t i = 0; i < in.n; i++) {
		const char *base =
		    strrchr(in.items[i].name, '/') ? strrchr(in.items[i].name, '/') + 1 : in.items[i].name;
		int open_bug = listed_open(dir, base), status = 0;
		pid_t pid;

		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			/* Reproducers run strictly: no known bug is stepped around (fuzz.h). */
			setenv("KX_FUZZ_STRICT", "1", 1);
			snprintf(current, sizeof current, "regression %s", in.items[i].name);
			run_one(in.items[i].data, in.items[i].len);
			_exit(0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid) {
			fprintf(stderr, "%s: cannot replay %s\n", program, in.items[i].name);
			failures++;
			continue;
		}
		(*replayed)++;
		int failed = !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		if (open_bug) {
			(*open_bugs)++;
			printf("%s: KNOWN OPEN %s: %s\n", program, in.items[i].name,
			       failed ? "still fails (reported, not fixed yet; see fuzz/README.md)"
			              : "did not fail in this build: fixed, or it needs a sanitizer build "
			                "(make fuzz); if fixed, remove it from OPEN");
		} else if (failed) {
			printf("%s: REGRESSION %s fails again\n", program, in.items[i].name);
			failures++;
		}
	}
	free_inputs(&in);
	return failures;
}

/* ---- mutations ----------------------------------------------------------- */

static uint64_t rng;

/* xorshift64*: small, fast and the same everywhere. */
static uint64_t next_random(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static size_t below(size_t n)
{
	return n == 0 ? 0 : (size_t)(next_random() % n);
}

/* Tokens that mean something to the parsers under test: JSON syntax and
 * extremes, the protocol's words, key identifier and FQDN separators,
 * non-ASCII UTF-8, and TLS/DTLS record and alert headers. */
static const char *const tokens[] = {
    "\"",
    "null",
    "true",
    "false",
    "0",
    "-1",
    "65536",
    "65537",
    "4294967296",
    "1e999",
    "\\u0000",
    "\\ud800",
    "[]",
    "{}",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    "\"op\"",
    "\"step\"",
    "\"open\"",
    "\"relay\"",
    "\"flight\"",
    "\"id\"",
    "\"session\"",
    "==",
    "@",
    "..",
    "\xc3\xa9",
    "\xef\xbc\xa0",
    "\xed\xa0\x80",
    "\x16\x03\x03",
    "\xfe\xfd",
    "\x14\x03\x03\x00\x01\x01",
    "\x15\x03\x03\x00\x02\x02\x28",
};

static size_t insert_bytes(uint8_t *buf, size_t len, size_t cap, size_t at, const uint8_t *bytes, size_t n)
{
	if (len + n > cap)
		n = cap - len;
	memmove(buf + at + n, buf + at, len - at);
	memcpy(buf + at, bytes, n);
	return len + n;
}

/* Applies one random change to buf (len bytes, capacity cap); returns the new length. */
static size_t mutate_once(uint8_t *buf, size_t len, size_t cap, const struct inputs *corpus)
{
	static const uint8_t interesting[] = {0x00, 0x01, 0x7f, 0x80, 0xff, '"', '\\', '0', '9', '\n',
	                                      '@',  '.',  '=',  '-',  '_',  '+', '/',  '{', '['};
	static const uint16_t lengths[] = {0,     1,      2,      0x7f,   0x80,   0xff,
	                                   0x100, 0x3fff, 0x4000, 0x4800, 0x4801, 0xffff};
	size_t at = below(len + 1), n;
	uint8_t bytes[8];

	switch (below(10)) {
	case 0: /* flip one bit */
		if (len > 0)
			buf[below(len)] ^= (uint8_t)(1u << below(8));
		break;
	case 1: /* a random byte */
		if (len > 0)
			buf[below(len)] = (uint8_t)next_random();
		break;
	case 2: /* an interesting byte */
		if (len > 0)
			buf[below(len)] = interesting[below(sizeof interesting)];
		break;
	case 3: /* truncate */
		len = below(len + 1);
		break;
	case 4: /* delete a range */
		if (at < len) {
			n = 1 + below(len - at < 16 ? len - at : 16);
			memmove(buf + at, buf + at + n, len - at - n);
			len -= n;
		}
		break;
	case 5: /* insert random bytes */
		n = 1 + below(sizeof bytes);
		for (size_t i = 0; i < n; i++)
			bytes[i] = (uint8_t)next_random();
		len = insert_bytes(buf, len, cap, at, bytes, n);
		break;
	case 6: /* duplicate a range elsewhere */
		if (len > 0) {
			size_t from = below(len);
			uint8_t copy[64];

			n = 1 + below(len - from < sizeof copy ? len - from : sizeof copy);
			memcpy(copy, buf + from, n);
			len = insert_bytes(buf, len, cap, below(len + 1), copy, n);
		}
		break;
	case 7: /* insert or overwrite with a token */
	{
		const char *t = tokens[below(sizeof tokens / sizeof tokens[0])];

		n = strlen(t);
		if (next_random() & 1 || at + n > len)
			len = insert_bytes(buf, len, cap, at, (const uint8_t *)t, n);
		else
			memcpy(buf + at, t, n);
		break;
	}
	case 8: /* a 16-bit big-endian length value */
		if (len >= 2) {
			uint16_t v = lengths[below(sizeof lengths / sizeof lengths[0])];

			at = below(len - 1);
			buf[at] = (uint8_t)(v >> 8);
			buf[at + 1] = (uint8_t)v;
		}
		break;
	default: /* splice: this input's head, another's tail */
		if (corpus->n > 0) {
			const struct input *other = &corpus->items[below(corpus->n)];
			size_t from = below(other->len + 1);

			n = other->len - from;
			if (at + n > cap)
				n = cap - at;
			memcpy(buf + at, other->data + from, n);
			len = at + n;
		}
		break;
	}
	return len;
}

/* ---- main ---------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
	        "usage: %s [-n MUTATIONS] [-s SEED] [-r REGRESSIONS_DIR]... [PATH]...\n"
	        "Replays the regressions and the corpus (files or directories), then MUTATIONS\n"
	        "(default 2000) deterministic mutations of the corpus. See fuzz/README.md.\n",
	        program);
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
	struct inputs corpus = {0};
	const char *regressions[16];
	size_t n_regressions = 0, replayed = 0, open_bugs = 0, mutations = 2000, max_len = 4096;
	uint64_t seed = 1;
	int failures = 0;
	struct timespec start;
	uint8_t *buf;

	program = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	snprintf(failure_file, sizeof failure_file, "%s-failure.bin", program);
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "-n") == 0 && value != NULL) {
			mutations = strtoul(value, NULL, 10);
			i++;
		} else if (strcmp(argv[i], "-s") == 0 && value != NULL) {
			seed = strtoull(value, NULL, 10);
			i++;
		} else if (strcmp(argv[i], "-r") == 0 && value != NULL && n_regressions < 16) {
			regressions[n_regressions++] = value;
			i++;
		} else if (argv[i][0] == '-') {
			usage();
			return 2;
		} else if (add_path(&corpus, argv[i]) != 0) {
			return 2;
		}
	}
	rng = seed * 0x9E3779B97F4A7C15ULL + 1;

	/* Regressions first, each in a child, before any handler is installed here. */
	for (size_t i = 0; i < n_regressions; i++) {
		struct stat st;

		if (stat(regressions[i], &st) == 0)
			failures += replay_regressions(regressions[i], &replayed, &open_bugs);
	}
	install_handlers();

	snprintf(current, sizeof current, "the empty input");
	run_one(NULL, 0);
	for (size_t i = 0; i < corpus.n; i++) {
		snprintf(current, sizeof current, "corpus file %s", corpus.items[i].name);
		run_one(corpus.items[i].data, corpus.items[i].len);
		if (corpus.items[i].len * 2 > max_len)
			max_len = corpus.items[i].len * 2;
	}
	if (max_len > MAX_INPUT)
		max_len = MAX_INPUT;

	buf = malloc(max_len);
	for (size_t m = 0; buf != NULL && m < mutations; m++) {
		const struct input *base = corpus.n > 0 ? &corpus.items[below(corpus.n)] : NULL;
		size_t len = base != NULL ? (base->len < max_len ? base->len : max_len) : 0;
		size_t rounds = 1 + below(4);

		if (len > 0)
			memcpy(buf, base->data, len);
		for (size_t r = 0; r < rounds; r++)
			len = mutate_once(buf, len, max_len, &corpus);
		snprintf(current, sizeof current, "mutation %zu (seed %llu) of %s", m + 1,
		         (unsigned long long)seed, base != NULL ? base->name : "the empty input");
		run_one(buf, len);
	}
	free(buf);

	printf("%s: %zu corpus files, %zu mutations, %zu regressions (%zu known open): %s in %.2f s\n",
	       program, corpus.n, mutations, replayed, open_bugs, failures ? "FAILED" : "ok",
	       seconds_since(&start));
	free_inputs(&corpus);
	return failures ? 1 : 0;
}
