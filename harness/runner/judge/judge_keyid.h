/* judge_keyid.h - the key identifier family of docs/mistakes.md. */
#ifndef KX_JUDGE_KEYID_H
#define KX_JUDGE_KEYID_H

#include <stdint.h>

#include "core/exporter_split.h"
#include "core/keyid.h"
#include "runner/judge/naming.h"

/* Names an FQDN that is not the key identifier's (fqdn-case, fqdn-trailing-dot, wrong-fqdn); nothing
 * when got is want exactly. */
void kx_name_fqdn(const char *got, const char *want, struct kx_naming *naming);

/* Classifies a key identifier against the identifier id and the FQDN and names what is not the
 * reference: the reading of spec point 1, the FQDN, a malformed form. Returns the classification
 * (KX_KEYID_WRONG_IDENTIFIER: parsed holds the reading and the bytes it decodes to). */
enum kx_keyid_error kx_name_keyid(const char *text, const uint8_t id[KX_KEY_ID_LEN], const char *fqdn,
                                  struct kx_keyid *parsed, struct kx_naming *naming);

#endif
