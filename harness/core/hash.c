/* hash.c - names and sizes of the hash functions the derivations use. */
#include "hash.h"

#include <string.h>

static const struct {
	enum kx_hash hash;
	const char *name;
	size_t len;
} hashes[] = {
	{KX_SHA256, "SHA-256", 32},
	{KX_SHA384, "SHA-384", 48},
	{KX_SHA512, "SHA-512", 64},
};

size_t kx_hash_len(enum kx_hash hash)
{
	for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++)
		if (hashes[i].hash == hash)
			return hashes[i].len;
	return 0;
}

const char *kx_hash_name(enum kx_hash hash)
{
	for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++)
		if (hashes[i].hash == hash)
			return hashes[i].name;
	return "unknown";
}

int kx_hash_from_name(const char *name, enum kx_hash *hash)
{
	for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++)
		if (strcmp(hashes[i].name, name) == 0) {
			*hash = hashes[i].hash;
			return 0;
		}
	return -1;
}
