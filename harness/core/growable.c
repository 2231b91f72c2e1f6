/* growable.c - kx_grow_array: realloc to a doubled capacity. */
#include "core/growable.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int kx_grow_array(void *items_ptr, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap > 0 ? *cap : KX_GROW_FIRST;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return -1;
		n *= 2;
	}
	if (size == 0 || n > SIZE_MAX / size)
		return -1;
	/* The caller's pointer is read and written through memcpy, as bytes: KX_GROW takes the
	 * address of a pointer of any object type, which the harness's platforms all represent as
	 * they do a void pointer. */
	void *items;
	memcpy(&items, items_ptr, sizeof items);
	void *grown = realloc(items, n * size);
	if (grown == NULL)
		return -1;
	memcpy(items_ptr, &grown, sizeof grown);
	*cap = n;
	return 0;
}
