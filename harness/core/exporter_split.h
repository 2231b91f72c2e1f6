/* exporter_split.h - TS-0003 10.3.1: the 48 exported bytes split into a
 * 16-byte identifier (most significant = first bytes) and a 32-byte key. */
#ifndef KX_EXPORTER_SPLIT_H
#define KX_EXPORTER_SPLIT_H

#include <stdint.h>

#define KX_EXPORT_LEN 48
#define KX_KEY_ID_LEN 16
#define KX_KEY_LEN 32

/* Reference split: id = out[0..15], key = out[16..47] (spec point 4, TR-0038 A.4). */
void kx_split_exporter(const uint8_t out[KX_EXPORT_LEN], uint8_t id[KX_KEY_ID_LEN], uint8_t key[KX_KEY_LEN]);

/* The recognised mistake `split-swapped`: id = out[32..47], key = out[0..31]. */
void kx_split_exporter_swapped(const uint8_t out[KX_EXPORT_LEN], uint8_t id[KX_KEY_ID_LEN],
                               uint8_t key[KX_KEY_LEN]);

#endif
