/* exporter_split.c - the split of the 48 exported bytes (TS-0003 10.3.1).
 *
 * "Most significant" is read as the first bytes of the exporter output
 * (spec point 4; TR-0038 A.4 shows the identifier as the upper 16 bytes).
 * The swapped split exists only so the harness can name that mistake when a
 * vendor's identifier or key matches it. */
#include <string.h>

#include "exporter_split.h"

void kx_split_exporter(const uint8_t out[KX_EXPORT_LEN], uint8_t id[KX_KEY_ID_LEN], uint8_t key[KX_KEY_LEN])
{
	memcpy(id, out, KX_KEY_ID_LEN);
	memcpy(key, out + KX_KEY_ID_LEN, KX_KEY_LEN);
}

void kx_split_exporter_swapped(const uint8_t out[KX_EXPORT_LEN], uint8_t id[KX_KEY_ID_LEN],
                               uint8_t key[KX_KEY_LEN])
{
	memcpy(key, out, KX_KEY_LEN);
	memcpy(id, out + KX_KEY_LEN, KX_KEY_ID_LEN);
}
