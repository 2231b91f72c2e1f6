/* keyid.h - key identifiers RelativeKeyID@FQDN (TS-0003 10.3.5, TR-0038 A.4):
 * built in each reading of spec point 1, parsed, and classified. */
#ifndef KX_KEYID_H
#define KX_KEYID_H

#include <stddef.h>
#include <stdint.h>

#include "exporter_split.h"
#include "fqdn.h"

enum kx_keyid_reading {
	KX_READING_REFERENCE,      /* base64 standard padded of the 16 bytes */
	KX_READING_TR0038_EXAMPLE, /* base64 standard padded of the 32-char hex string */
	KX_READING_HEXBINARY,      /* the 32-char hex string */
	KX_READING_BASE64URL,      /* URL-safe alphabet, padded or not */
	KX_READING_UNPADDED,       /* standard alphabet without padding */
	KX_READING_COUNT
};

enum kx_keyid_error {
	KX_KEYID_OK,
	KX_KEYID_MISSING_AT,
	KX_KEYID_AT_IN_RELATIVE,
	KX_KEYID_EMPTY_RELATIVE,
	KX_KEYID_BAD_FQDN,
	KX_KEYID_BAD_ENCODING,
	KX_KEYID_WRONG_IDENTIFIER,
	KX_KEYID_ERROR_COUNT
};

/* Longest key identifier any reading builds: 44 + 1 + 253 chars and a NUL. */
#define KX_KEYID_MAX 299

struct kx_keyid {
	enum kx_keyid_reading reading;
	uint8_t id[KX_KEY_ID_LEN];    /* the identifier bytes the relative part decodes to */
	char fqdn[KX_FQDN_MAX + 1];   /* NUL-terminated */
};

/* Returns the docs/vectors.md name of a reading ("reference", "tr0038-example", ...). */
const char *kx_keyid_reading_name(enum kx_keyid_reading reading);

/* Looks a reading up by name; returns 0 and sets *reading, or -1 if unknown. */
int kx_keyid_reading_from_name(const char *name, enum kx_keyid_reading *reading);

/* Returns the docs/vectors.md name of an error ("ok", "missing-at", "bad-fqdn", ...). */
const char *kx_keyid_error_name(enum kx_keyid_error error);

/* Writes id@fqdn in the given reading (hex readings upper case) into out (capacity cap,
 * at least KX_KEYID_MAX is always enough); returns the length, or -1 if fqdn is invalid or out too small. */
int kx_keyid_build(const uint8_t id[KX_KEY_ID_LEN], const char *fqdn, enum kx_keyid_reading reading,
                   char *out, size_t cap);

/* Parses and classifies the len bytes at s by the precedence of docs/vectors.md.
 * If expected_id is not NULL, a relative part decoding to other bytes gives
 * KX_KEYID_WRONG_IDENTIFIER. Fills *out when the result is KX_KEYID_OK. */
enum kx_keyid_error kx_keyid_classify(const char *s, size_t len, const uint8_t *expected_id,
                                      struct kx_keyid *out);

#endif
