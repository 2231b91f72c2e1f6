/* report_spool.c - the run's spool of case results (report_spool.h). The lines
 * are written and read with the core's JSON writer and reader, which make and
 * take exactly jansson's text several times faster: a full run writes and
 * reads back some 60 MB of it. */
#include "runner/reports/report_spool.h"

#include "core/errors.h"
#include "core/json_parse.h"
#include "core/json_write.h"
#include "core/text_buffer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct kx_spool {
	int fd;
	pthread_mutex_t lock;
	uint64_t size; /* bytes written so far: the next line's offset */
	char path[4300];
	int linked; /* the file is still in the directory (unlink failed) */
};

struct kx_spool *kx_spool_open(const char *dir, char *err, size_t errlen)
{
	char reports[4200];
	snprintf(reports, sizeof reports, "%.4000s/reports", dir);
	if ((mkdir(dir, 0777) != 0 && errno != EEXIST) || (mkdir(reports, 0777) != 0 && errno != EEXIST)) {
		kx_errorf(err, errlen, "cannot create %s: %s", reports, strerror(errno));
		return NULL;
	}
	struct kx_spool *spool = calloc(1, sizeof *spool);
	if (spool == NULL) {
		kx_errorf(err, errlen, "cannot open the spool of the cases: out of memory");
		return NULL;
	}
	snprintf(spool->path, sizeof spool->path, "%s/%s", reports, KX_REPORT_SPOOL);
	/* Close-on-exec: drivers and tshark have no business with it. */
	spool->fd = open(spool->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (spool->fd < 0) {
		kx_errorf(err, errlen, "cannot create %s: %s", spool->path, strerror(errno));
		free(spool);
		return NULL;
	}
	spool->linked = unlink(spool->path) != 0;
	pthread_mutex_init(&spool->lock, NULL);
	return spool;
}

/* Writes len bytes at the end of the spool (lock held); 0, or -1 with errno. */
static int write_all(struct kx_spool *spool, const char *data, size_t len)
{
	uint64_t at = spool->size;
	while (len > 0) {
		ssize_t n = pwrite(spool->fd, data, len, (off_t)at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			errno = n == 0 ? EIO : errno;
			return -1;
		}
		data += n;
		len -= (size_t)n;
		at += (uint64_t)n;
	}
	return 0;
}

int kx_spool_put(struct kx_spool *spool, json_t *value, struct kx_spool_place *at, char *err, size_t errlen)
{
	struct kx_text line = {0};
	memset(at, 0, sizeof *at);
	int ok = kx_json_write(&line, value) == 0;
	if (!ok) {
		/* Not UTF-8 (jansson's own strings always are) or out of memory: jansson says which. */
		char *text = json_dumps(value, JSON_COMPACT);
		line.len = 0;
		ok = text != NULL && kx_text_put(&line, text, strlen(text)) == 0;
		free(text);
	}
	if (!ok || kx_text_put_literal(&line, "\n") != 0) {
		free(line.data);
		return kx_errorf(err, errlen, "cannot write %s: out of memory", spool->path);
	}
	pthread_mutex_lock(&spool->lock);
	int failed = write_all(spool, line.data, line.len);
	int saved = errno;
	if (!failed) {
		at->offset = spool->size;
		at->len = line.len - 1;
		spool->size += line.len;
	}
	pthread_mutex_unlock(&spool->lock);
	free(line.data);
	if (failed)
		return kx_errorf(err, errlen, "cannot write %s: %s", spool->path, strerror(saved));
	return 0;
}

json_t *kx_spool_get(struct kx_spool *spool, const struct kx_spool_place *at, char *err, size_t errlen)
{
	if (at->len == 0) {
		kx_errorf(err, errlen, "%s: the case was not written to the spool", spool->path);
		return NULL;
	}
	char *text = malloc(at->len);
	if (text == NULL) {
		kx_errorf(err, errlen, "cannot read %s: out of memory", spool->path);
		return NULL;
	}
	size_t got = 0;
	while (got < at->len) {
		ssize_t n = pread(spool->fd, text + got, at->len - got, (off_t)(at->offset + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			kx_errorf(err, errlen, "cannot read %s: %s", spool->path, n == 0 ? "it is shorter than written" : strerror(errno));
			free(text);
			return NULL;
		}
		got += (size_t)n;
	}
	json_error_t error;
	json_t *value = kx_json_parse(text, at->len, 0, &error);
	/* The fast reader refuses "\u0000", which a driver's standard error may hold. */
	if (value == NULL)
		value = json_loadb(text, at->len, JSON_ALLOW_NUL, &error);
	free(text);
	if (value == NULL)
		kx_errorf(err, errlen, "cannot read %s at byte %llu: %s", spool->path, (unsigned long long)at->offset,
		          error.text);
	return value;
}

void kx_spool_close(struct kx_spool *spool)
{
	if (spool == NULL)
		return;
	close(spool->fd);
	if (spool->linked)
		unlink(spool->path);
	pthread_mutex_destroy(&spool->lock);
	free(spool);
}
