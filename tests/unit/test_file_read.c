/* test_file_read.c - unit tests of harness/core/file_read.c: a file read
 * whole, an empty one, the size bound (a file of max bytes or more is
 * refused with -2 and "larger than N MiB", one byte less is read), and a
 * path that cannot be opened named in the error. */
#include "unit.h"
#include <unistd.h>

#include "core/file_read.h"

#define MIB (1024u * 1024u)

static char err[512];
static char path[] = "/tmp/kx-test-file-read-XXXXXX";

/* Writes len bytes of a repeating pattern to a new temporary file at path. */
static void write_file(size_t len)
{
	memcpy(path + strlen(path) - 6, "XXXXXX", 6);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	uint8_t block[4096];
	for (size_t i = 0; i < sizeof block; i++)
		block[i] = (uint8_t)i;
	for (size_t done = 0; done < len;) {
		size_t n = len - done < sizeof block ? len - done : sizeof block;
		assert_int_equal(write(fd, block, n), (ssize_t)n);
		done += n;
	}
	close(fd);
}

static void test_reads_whole_file(void **state)
{
	(void)state;
	uint8_t *buf;
	size_t len;
	write_file(70000); /* more than the first buffer */
	assert_int_equal(kx_read_file(path, MIB, &buf, &len, err, sizeof err), 0);
	assert_int_equal(len, 70000);
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[69999], (uint8_t)(69999 % 4096));
	free(buf);
	unlink(path);
	write_file(0);
	assert_int_equal(kx_read_file(path, MIB, &buf, &len, err, sizeof err), 0);
	assert_int_equal(len, 0);
	free(buf);
	unlink(path);
}

static void test_size_bound(void **state)
{
	(void)state;
	uint8_t *buf;
	size_t len;
	write_file(MIB - 1);
	assert_int_equal(kx_read_file(path, MIB, &buf, &len, err, sizeof err), 0);
	assert_int_equal(len, MIB - 1);
	free(buf);
	unlink(path);
	write_file(MIB);
	assert_int_equal(kx_read_file(path, MIB, &buf, &len, err, sizeof err), -2);
	assert_null(buf);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, ": larger than 1 MiB"));
	unlink(path);
}

static void test_open_error_names_the_path(void **state)
{
	(void)state;
	uint8_t *buf;
	size_t len;
	assert_int_equal(kx_read_file("/nonexistent/kx.file", MIB, &buf, &len, err, sizeof err), -1);
	assert_null(buf);
	assert_string_equal(err, "/nonexistent/kx.file: No such file or directory");
}

KX_UNIT_MAIN(
	cmocka_unit_test(test_reads_whole_file),
	cmocka_unit_test(test_size_bound),
	cmocka_unit_test(test_open_error_names_the_path))
