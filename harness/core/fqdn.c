/* fqdn.c - the domain-name check applied after '@' in a key identifier.
 *
 * The rules are those of docs/vectors.md (LDH labels in the sense of RFC 1123
 * and RFC 3696 section 2), not a DNS lookup: a vector's verdict must not depend
 * on the network. Working on (pointer, length) lets an embedded NUL be seen and
 * rejected instead of silently ending the name. */
#include "fqdn.h"

#define KX_LABEL_MAX 63

static int is_ldh(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

/* One label: 1..63 LDH characters, no '-' at either end. */
static int label_valid(const char *s, size_t len)
{
	if (len == 0 || len > KX_LABEL_MAX)
		return 0;
	if (s[0] == '-' || s[len - 1] == '-')
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!is_ldh(s[i]))
			return 0;
	return 1;
}

static int all_digits(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int kx_fqdn_valid(const char *s, size_t len)
{
	size_t labels = 0;
	size_t start = 0;

	if (len == 0 || len > KX_FQDN_MAX)
		return 0;
	/* A trailing dot (the absolute form) ends in an empty label and fails
	 * below, as the rules require. */
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (!label_valid(s + start, i - start))
			return 0;
		labels++;
		if (i == len && all_digits(s + start, i - start))
			return 0; /* would be read as part of an IPv4 address */
		start = i + 1;
	}
	return labels >= 2;
}
