/* file_read.c - kx_read_file: fread into a buffer that doubles, up to the
 * caller's bound, so that a file's size need not be known (a pipe works). */
#include "core/file_read.h"

#include "core/errors.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first buffer; it doubles from here. */
#define FIRST_CAP (64u * 1024u)

int kx_read_file(const char *path, size_t max, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t used = 0, cap = 0;
	int ret = 0;

	*buf = NULL;
	*len = 0;
	if (f == NULL)
		return kx_errorf(err, errlen, "%s: %s", path, strerror(errno));
	for (;;) {
		if (used == cap) {
			if (cap >= max) {
				kx_errorf(err, errlen, "%s: larger than %zu MiB", path,
				          max / (1024u * 1024u));
				ret = -2;
				break;
			}
			size_t grown = cap ? cap * 2 : FIRST_CAP;
			if (grown > max)
				grown = max;
			uint8_t *more = realloc(data, grown);
			if (more == NULL) {
				ret = kx_errorf(err, errlen, "%s: out of memory", path);
				break;
			}
			data = more;
			cap = grown;
		}
		size_t got = fread(data + used, 1, cap - used, f);
		used += got;
		if (got == 0) {
			if (ferror(f))
				ret = kx_errorf(err, errlen, "%s: read error", path);
			break;
		}
	}
	fclose(f);
	if (ret != 0) {
		free(data);
		return ret;
	}
	*buf = data;
	*len = used;
	return 0;
}
