/* judge_keyid.c - what is wrong with a key identifier RelativeKeyID@FQDN
 * (TS-0003 10.3.5, spec points 1 and 11): the reading of its relative part,
 * its FQDN (letter case and a trailing dot are not forgiven: a PSK identity is
 * compared byte for byte), or its form. Pure: no driver is asked. */
#include "runner/judge/judge_keyid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *reading_explanation(enum kx_keyid_reading reading)
{
	switch (reading) {
	case KX_READING_TR0038_EXAMPLE:
		return "base64 of the 32-character hex string of the identifier, as the TR-0038 A.4 example "
		       "does, not "
		       "base64 of its 16 bytes (spec point 1)";
	case KX_READING_HEXBINARY:
		return "the hex string of the identifier (hexBinary, later TS-0003 releases), not base64 of "
		       "its 16 "
		       "bytes (spec point 1)";
	case KX_READING_BASE64URL:
		return "the URL-safe base64 alphabet (RFC 4648 section 5), not the standard one (spec point "
		       "1)";
	case KX_READING_UNPADDED:
		return "standard base64 without its '=' padding (spec point 1)";
	default:
		return "";
	}
}

static const char *keyid_error_explanation(enum kx_keyid_error error)
{
	switch (error) {
	case KX_KEYID_MISSING_AT:
		return "no '@' separates RelativeKeyID from the FQDN (TS-0003 10.3.5)";
	case KX_KEYID_AT_IN_RELATIVE:
		return "the relative part contains '@'";
	case KX_KEYID_EMPTY_RELATIVE:
		return "nothing before '@'";
	case KX_KEYID_BAD_FQDN:
		return "the part after '@' is not a valid domain name";
	case KX_KEYID_BAD_ENCODING:
		return "the relative part is in none of the readings of spec point 1 (characters, padding or "
		       "length)";
	default:
		return "";
	}
}

void kx_name_fqdn(const char *got, const char *want, struct kx_naming *n)
{
	char text[700];
	size_t want_len = strlen(want);
	if (strcmp(got, want) == 0)
		return;
	if (strcasecmp(got, want) == 0) {
		snprintf(
		    text, sizeof text,
		    "names the FQDN %.250s, which is %.250s in other letter case; a PSK identity is compared "
		    "byte for byte, so the case must be kept (spec point 11)",
		    got, want);
		kx_naming_join(n, "fqdn-case", text);
	} else if (strlen(got) == want_len + 1 && got[want_len] == '.' &&
	           strncasecmp(got, want, want_len) == 0) {
		snprintf(text, sizeof text,
		         "names the FQDN %.250s with a trailing dot, not %.250s (spec point 11)", got, want);
		kx_naming_join(n, "fqdn-trailing-dot", text);
	} else {
		snprintf(text, sizeof text, "names the FQDN %.250s, not %.250s", got, want);
		kx_naming_join(n, "wrong-fqdn", text);
	}
}

enum kx_keyid_error kx_name_keyid(const char *text, const uint8_t id[KX_KEY_ID_LEN], const char *fqdn,
                                  struct kx_keyid *parsed, struct kx_naming *naming)
{
	size_t len = strlen(text);
	char *copy = strdup(text);
	if (copy == NULL)
		return KX_KEYID_BAD_ENCODING;
	enum kx_keyid_error error = kx_keyid_classify(copy, len, id, parsed);
	int trailing_dot = 0;
	if (error == KX_KEYID_BAD_FQDN && len > 1 && copy[len - 1] == '.') {
		/* A trailing dot is a valid absolute name but not the identifier's FQDN: judge the rest. */
		copy[len - 1] = '\0';
		enum kx_keyid_error without = kx_keyid_classify(copy, len - 1, id, parsed);
		if (without != KX_KEYID_BAD_FQDN) {
			error = without;
			trailing_dot = 1;
		}
	}
	if (error == KX_KEYID_WRONG_IDENTIFIER) {
		kx_keyid_classify(copy, strlen(copy), NULL, parsed);
		if (parsed->reading != KX_READING_REFERENCE)
			kx_naming_join(naming, kx_keyid_reading_name(parsed->reading),
			               reading_explanation(parsed->reading));
	} else if (error != KX_KEYID_OK) {
		kx_naming_join(naming, kx_keyid_error_name(error), keyid_error_explanation(error));
		free(copy);
		return error;
	} else if (parsed->reading != KX_READING_REFERENCE) {
		kx_naming_join(naming, kx_keyid_reading_name(parsed->reading),
		               reading_explanation(parsed->reading));
	}
	char got[300];
	snprintf(got, sizeof got, "%s%s", parsed->fqdn, trailing_dot ? "." : "");
	kx_name_fqdn(got, fqdn, naming);
	free(copy);
	return error;
}
