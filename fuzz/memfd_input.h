/* memfd_input.h - the input as a file, for the targets whose code under test
 * reads a path (a vector file) or a descriptor (a driver's answers): one
 * anonymous in-memory file (memfd_create, Linux), rewritten for each input and
 * opened through /proc/self/fd, so that nothing touches a disk or is left
 * behind when a run is killed. Include after defining _GNU_SOURCE. */
#ifndef KX_FUZZ_MEMFD_INPUT_H
#define KX_FUZZ_MEMFD_INPUT_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct fuzz_input_file {
	const char *target; /* names the file, and the target in an error */
	int created, fd;
	char path[64]; /* "/proc/self/fd/N": each open of it starts at the beginning */
};

/* Makes the file hold exactly the input, creating it on first use (a target that cannot have one
 * exits with status 2); 0, or -1. */
static inline int fuzz_input_file_set(struct fuzz_input_file *f, const uint8_t *data, size_t size)
{
	if (!f->created) {
		f->fd = memfd_create(f->target, 0);
		if (f->fd < 0) {
			fprintf(stderr, "%s: memfd_create: %s\n", f->target, strerror(errno));
			exit(2);
		}
		snprintf(f->path, sizeof f->path, "/proc/self/fd/%d", f->fd);
		f->created = 1;
	}
	return ftruncate(f->fd, 0) == 0 && pwrite(f->fd, data, size, 0) == (ssize_t)size ? 0 : -1;
}

#endif
