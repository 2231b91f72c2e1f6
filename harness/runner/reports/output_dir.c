/* output_dir.c - locking and clearing the output directory (output_dir.h). */
#include "runner/reports/output_dir.h"

#include "core/errors.h"
#include "runner/reports/report.h"
#include "runner/reports/report_spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Creates dir and its missing parents (OUTPUT=out/kx with no out/ yet); 0, or -1 with errno set. */
static int make_dirs(const char *dir)
{
	char path[4096];
	if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0777) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(path, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

int kx_output_lock(const char *dir, const char *command, char *err, size_t errlen)
{
	char path[4200];
	if (make_dirs(dir) != 0)
		return kx_errorf(err, errlen, "cannot create %.4000s: %s", dir, strerror(errno));
	snprintf(path, sizeof path, "%s/%s", dir, KX_OUTPUT_LOCK);
	/* Close-on-exec: a driver or tshark inheriting the descriptor would hold the lock past us. */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		return kx_errorf(err, errlen, "cannot open %.4000s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int busy = errno == EWOULDBLOCK;
		char holder[128] = "";
		ssize_t n = busy ? pread(fd, holder, sizeof holder - 1, 0) : -1;
		holder[n > 0 ? n : 0] = '\0';
		holder[strcspn(holder, "\n")] = '\0';
		long pid = strtol(holder, NULL, 10);
		const char *what = strchr(holder, ' ');
		int saved = errno;
		close(fd);
		if (!busy)
			return kx_errorf(err, errlen, "cannot lock %.4000s: %s", path, strerror(saved));
		if (pid <= 0)
			return kx_errorf(err, errlen,
			                 "%.3000s is in use by another kxconform (it holds %s); wait for it to end or "
			                 "choose another --output",
			                 dir, path);
		return kx_errorf(err, errlen,
		                 "%.3000s is in use by another kxconform (pid %ld, `%s`, holding %s); wait for it to end "
		                 "or choose another --output",
		                 dir, pid, what != NULL ? what + 1 : "kxconform", path);
	}
	char me[128];
	int len = snprintf(me, sizeof me, "%ld kxconform %s\n", (long)getpid(), command);
	if (ftruncate(fd, 0) != 0 || pwrite(fd, me, (size_t)len, 0) != len) {
		int saved = errno;
		close(fd);
		return kx_errorf(err, errlen, "cannot write %.4000s: %s", path, strerror(saved));
	}
	return fd;
}

void kx_output_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* Removes path; a file that is not there (or a directory in the way that is not one) is fine. */
static int remove_file(const char *path, char *err, size_t errlen)
{
	if (unlink(path) != 0 && errno != ENOENT && errno != ENOTDIR)
		return kx_errorf(err, errlen, "cannot remove %s, which an earlier run left: %s", path, strerror(errno));
	return 0;
}

static int ends_with(const char *name, const char *suffix)
{
	size_t n = strlen(name), m = strlen(suffix);
	return n > m && strcmp(name + n - m, suffix) == 0;
}

int kx_output_clear_files(const char *dir, const char *const *names, size_t n, char *err, size_t errlen)
{
	char path[4600];
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%.4000s/reports/%s", dir, names[i]);
		if (remove_file(path, err, errlen) != 0)
			return -1;
		kx_report_temp_path(dir, names[i], path, sizeof path);
		if (remove_file(path, err, errlen) != 0)
			return -1;
	}
	return 0;
}

int kx_output_clear(const char *dir, int captures, char *err, size_t errlen)
{
	char path[4600];
	if (kx_output_clear_files(dir, kx_report_files, KX_REPORT_FILES, err, errlen) != 0)
		return -1;
	/* A run's spool is gone once it is open; one a file system kept must not outlive its run. */
	snprintf(path, sizeof path, "%.4000s/reports/%s", dir, KX_REPORT_SPOOL);
	if (remove_file(path, err, errlen) != 0)
		return -1;
	if (!captures)
		return 0;
	char folder[4200];
	snprintf(folder, sizeof folder, "%.4000s/captures", dir);
	DIR *d = opendir(folder);
	if (d == NULL)
		return errno == ENOENT || errno == ENOTDIR
		           ? 0
		           : kx_errorf(err, errlen, "cannot read %s: %s", folder, strerror(errno));
	int ret = 0;
	struct dirent *e;
	/* Only what a run writes: captures/README.md and anything else of the user's stays. */
	while (ret == 0 && (e = readdir(d)) != NULL)
		if (ends_with(e->d_name, ".pcapng") || ends_with(e->d_name, ".keylog")) {
			snprintf(path, sizeof path, "%s/%s", folder, e->d_name);
			ret = remove_file(path, err, errlen);
		}
	closedir(d);
	return ret;
}
