/* keylog.c - reads NSS key log text line by line. Fields are separated by
 * spaces or tabs; a trailing '\r' is dropped so that files written on Windows
 * read too. The RSA label (keyed by the first bytes of an encrypted
 * pre-master secret, not by a client random) is accepted and skipped: no
 * oneM2M suite uses RSA key transport. */
#include "core/keylog.h"

#include "core/errors.h"
#include "core/file_read.h"
#include "core/growable.h"
#include "core/hex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Far above any real key log; stops a wrong path (a disk image) from being read whole. */
#define KEYLOG_FILE_MAX (64u * 1024u * 1024u)

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Splits [s, end) into at most max fields at runs of blanks; returns how many there are (may exceed max). */
static size_t split_fields(const char *s, const char *end, const char **starts, size_t *lens, size_t max)
{
	size_t n = 0;
	while (s < end) {
		while (s < end && blank(*s))
			s++;
		if (s == end)
			break;
		const char *field = s;
		while (s < end && !blank(*s))
			s++;
		if (n < max) {
			starts[n] = field;
			lens[n] = (size_t)(s - field);
		}
		n++;
	}
	return n;
}

static int label_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static int add_entry(struct kx_keylog *log, struct kx_keylog_entry *entry)
{
	if (KX_GROW(log->entries, log->cap, log->n + 1) != 0)
		return -1;
	log->entries[log->n++] = *entry;
	return 0;
}

/* One line without its terminator; 0, or -1 with err. */
static int parse_line(struct kx_keylog *log, const char *s, const char *end, size_t line, char *err,
                      size_t errlen)
{
	if (end > s && end[-1] == '\r')
		end--;
	const char *first = s;
	while (first < end && blank(*first))
		first++;
	if (first == end || *first == '#')
		return 0;
	const char *starts[3];
	size_t lens[3];
	size_t n = split_fields(first, end, starts, lens, 3);
	if (n != 3)
		return kx_errorf(
		    err, errlen,
		    "line %zu: %zu field%s, a key log line has three (LABEL <client random> <secret>); "
		    "is the file cut short?",
		    line, n, n == 1 ? "" : "s");
	struct kx_keylog_entry entry;
	memset(&entry, 0, sizeof entry);
	entry.line = line;
	if (lens[0] >= sizeof entry.label)
		return kx_errorf(err, errlen, "line %zu: label longer than %zu characters", line,
		                 sizeof entry.label - 1);
	for (size_t i = 0; i < lens[0]; i++)
		if (!label_char(starts[0][i]))
			return kx_errorf(err, errlen,
			                 "line %zu: label \"%.*s\" is not upper-case letters, digits and '_'",
			                 line, (int)lens[0], starts[0]);
	memcpy(entry.label, starts[0], lens[0]);

	size_t got = 0;
	if (strcmp(entry.label, "RSA") == 0) {
		uint8_t prefix[8];
		if (kx_hex_decode(starts[1], lens[1], prefix, sizeof prefix, &got) != 0 ||
		    got != sizeof prefix)
			return kx_errorf(err, errlen,
			                 "line %zu: RSA needs 16 hex digits of encrypted pre-master secret",
			                 line);
		return 0; /* accepted, not stored: see the top of this file */
	}
	if (lens[1] != 2 * KX_KEYLOG_RANDOM_LEN ||
	    kx_hex_decode(starts[1], lens[1], entry.client_random, sizeof entry.client_random, &got) != 0)
		return kx_errorf(
		    err, errlen,
		    "line %zu: the client random must be 64 hex digits, found \"%.*s\" (%zu characters)",
		    line, lens[1] > 80 ? 80 : (int)lens[1], starts[1], lens[1]);
	if (kx_hex_decode(starts[2], lens[2], entry.secret, sizeof entry.secret, &entry.secret_len) != 0 ||
	    entry.secret_len == 0)
		return kx_errorf(err, errlen,
		                 "line %zu: the secret must be 2 to %d hex digits, found %zu characters%s",
		                 line, 2 * KX_KEYLOG_SECRET_MAX, lens[2],
		                 kx_is_hex(starts[2], lens[2]) ? "" : " that are not all hex");
	if (strcmp(entry.label, "CLIENT_RANDOM") == 0 && entry.secret_len != KX_KEYLOG_MASTER_SECRET_LEN)
		return kx_errorf(
		    err, errlen,
		    "line %zu: CLIENT_RANDOM needs a 48-byte master secret (96 hex digits), found "
		    "%zu digits%s",
		    line, lens[2], lens[2] < 96 ? "; is the file cut short?" : "");
	if (add_entry(log, &entry) != 0)
		return kx_errorf(err, errlen, "line %zu: out of memory", line);
	return 0;
}

int kx_keylog_parse(struct kx_keylog *log, const char *text, size_t len, char *err, size_t errlen)
{
	const char *s = text, *end = text + len;
	size_t line = 1;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *stop = nl != NULL ? nl : end;
		if (memchr(s, '\0', (size_t)(stop - s)) != NULL)
			return kx_errorf(err, errlen,
			                 "line %zu: a NUL byte; this is not a key log (text) file", line);
		if (parse_line(log, s, stop, line, err, errlen) != 0) {
			/* A last line without its newline is what a file cut short looks like. */
			if (nl == NULL && strstr(err, "cut short") == NULL)
				kx_appendf(err, errlen,
				           " (the last line has no newline: is the file cut short?)");
			return -1;
		}
		s = nl != NULL ? nl + 1 : end;
		line++;
	}
	return 0;
}

int kx_keylog_load(struct kx_keylog *log, const char *path, char *err, size_t errlen)
{
	uint8_t *buf;
	size_t len;
	int ret = kx_read_file(path, KEYLOG_FILE_MAX, &buf, &len, err, errlen);
	if (ret == -2 && err != NULL && errlen > 0)
		kx_appendf(err, errlen, "; not a key log");
	if (ret != 0)
		return -1;
	char why[400];
	if (kx_keylog_parse(log, buf != NULL ? (const char *)buf : "", len, why, sizeof why) != 0)
		ret = kx_errorf(err, errlen, "%s: %s", path, why);
	free(buf);
	return ret;
}

const struct kx_keylog_entry *kx_keylog_find(const struct kx_keylog *log, const char *label,
                                             const uint8_t client_random[KX_KEYLOG_RANDOM_LEN])
{
	for (size_t i = 0; i < log->n; i++)
		if ((label == NULL || strcmp(log->entries[i].label, label) == 0) &&
		    memcmp(log->entries[i].client_random, client_random, KX_KEYLOG_RANDOM_LEN) == 0)
			return &log->entries[i];
	return NULL;
}

void kx_keylog_free(struct kx_keylog *log)
{
	free(log->entries);
	memset(log, 0, sizeof *log);
}
