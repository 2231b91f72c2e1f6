/* self_dir.c - where the running kxconform is installed: the reference
 * drivers are found beside it, and a reference driver is known by its path
 * (driver_pool.c), so this must not depend on the working directory. */
#include "runner/drivers/self_dir.h"

#include <string.h>
#include <unistd.h>

int kx_self_dir(char *dir, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", dir, len - 1);
	if (n <= 0)
		return -1;
	dir[n] = '\0';
	char *slash = strrchr(dir, '/');
	if (slash == NULL)
		return -1;
	*slash = '\0';
	return 0;
}
