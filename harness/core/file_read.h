/* file_read.h - a whole file read into memory, with a bound on its size so
 * that a wrong path (a disk image, a device) is refused instead of read. */
#ifndef KX_FILE_READ_H
#define KX_FILE_READ_H

#include <stddef.h>
#include <stdint.h>

/* Reads the file at path into *buf (malloc'd, caller frees) and *len; a file of max bytes or
 * more is refused. 0, or -1 with err ("PATH: <why>"), or -2 with err "PATH: larger than N MiB"
 * (N = max / 1 MiB) when it reached max. *buf is NULL after an error. */
int kx_read_file(const char *path, size_t max, uint8_t **buf, size_t *len, char *err, size_t errlen);

#endif
