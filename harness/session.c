/* session.c - what both backends do alike with a session's configuration,
 * kept here so that the two library files hold only what differs: the PSK
 * lookup of their callbacks. */
#include "session.h"

#include <string.h>

unsigned int kx_psk_client_credential(const struct kx_endpoint_config *c, char *identity,
				      unsigned int max_identity, uint8_t *psk, unsigned int max_psk)
{
	size_t id_len = strlen(c->psk_identity);
	if (id_len + 1 > max_identity || c->psk_len > max_psk)
		return 0;
	memcpy(identity, c->psk_identity, id_len + 1);
	memcpy(psk, c->psk, c->psk_len);
	return (unsigned int)c->psk_len;
}

unsigned int kx_psk_server_key(const struct kx_endpoint_config *c, const char *identity, uint8_t *psk,
			       unsigned int max_psk)
{
	for (size_t i = 0; identity != NULL && i < c->n_psk_table; i++) {
		const struct kx_psk_entry *entry = &c->psk_table[i];
		if (strcmp(entry->identity, identity) == 0 && entry->key_len <= max_psk) {
			memcpy(psk, entry->key, entry->key_len);
			return (unsigned int)entry->key_len;
		}
	}
	return 0;
}
