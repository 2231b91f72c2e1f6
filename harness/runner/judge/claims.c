/* claims.c - reading claims: from the command line, a claims file, or the
 * vendor program's output through patterns; their form. The judgement is
 * judge.c's.
 */
#include "runner/judge/claims.h"

#include "core/errors.h"
#include "core/exporter_split.h"
#include "core/hex.h"
#include "core/json_io.h"
#include "core/keyid.h"
#include "core/nfkc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A vendor program's line, a claims file value: far above any real claim. */
#define CLAIM_TEXT_MAX 2048

static const char *const claim_names[KX_CLAIM_COUNT] = {
    "export", "key_id", "key", "keyid", "t1", "t2", "t3", "t4", "ke2e_master", "kpsa"};

const char *kx_claim_name(enum kx_claim_id id)
{
	return id < KX_CLAIM_COUNT ? claim_names[id] : "unknown";
}

static int claim_from_name(const char *name, size_t len, enum kx_claim_id *id)
{
	for (int i = 0; i < KX_CLAIM_COUNT; i++)
		if (strlen(claim_names[i]) == len && strncmp(claim_names[i], name, len) == 0) {
			*id = (enum kx_claim_id)i;
			return 0;
		}
	return -1;
}

static int is_e2e(enum kx_claim_id id)
{
	return id >= KX_CLAIM_T1 && id <= KX_CLAIM_KPSA;
}

/* ---- reading claims ----------------------------------------------------------- */

int kx_claims_set(struct kx_claims *c, enum kx_claim_id id, const char *value, size_t len, const char *source,
                  char *err, size_t errlen)
{
	if (c->values[id] != NULL)
		return kx_errorf(err, errlen, "claim %s is given twice (%s and %s)", claim_names[id],
		                 c->sources[id], source);
	if (len > CLAIM_TEXT_MAX)
		return kx_errorf(err, errlen, "claim %s is %zu characters long; no claim is longer than %d",
		                 claim_names[id], len, CLAIM_TEXT_MAX);
	char *text = malloc(len + 1);
	if (text == NULL)
		return kx_errorf(err, errlen, "out of memory");
	size_t n = 0;
	if (id == KX_CLAIM_KEYID) {
		/* Text: only the blanks around it go (a line's end, an indentation). */
		while (len > 0 && strchr(" \t\r\n", value[0]) != NULL) {
			value++;
			len--;
		}
		while (len > 0 && strchr(" \t\r\n", value[len - 1]) != NULL)
			len--;
		memcpy(text, value, len);
		n = len;
	} else {
		/* Hex: programs print it in groups, over lines or with colons; keep the digits. */
		for (size_t i = 0; i < len; i++)
			if (strchr(" \t\r\n:", value[i]) == NULL)
				text[n++] = value[i];
	}
	text[n] = '\0';
	c->values[id] = text;
	snprintf(c->sources[id], sizeof c->sources[id], "%s", source);
	return 0;
}

int kx_claims_parse_arg(struct kx_claims *c, const char *arg, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');
	enum kx_claim_id id;
	if (eq == NULL || claim_from_name(arg, (size_t)(eq - arg), &id) != 0)
		return kx_errorf(
		    err, errlen,
		    "bad claim \"%.200s\": expected NAME=VALUE with NAME one of export, key_id, key, "
		    "keyid, t1, t2, "
		    "t3, t4, ke2e_master, kpsa",
		    arg);
	return kx_claims_set(c, id, eq + 1, strlen(eq + 1), "--claim", err, errlen);
}

int kx_claims_load_file(struct kx_claims *c, const char *path, char *err, size_t errlen)
{
	json_error_t error;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
	if (root == NULL)
		return kx_errorf(err, errlen, "%s: not readable as JSON: %s (line %d)", path, error.text,
		                 error.line);
	int ret = 0;
	if (!json_is_object(root))
		ret = kx_errorf(err, errlen, "%s: must be a JSON object {\"NAME\": \"VALUE\", ...}", path);
	const char *key;
	json_t *value;
	json_object_foreach(root, key, value)
	{
		enum kx_claim_id id;
		char why[300];
		if (ret != 0)
			break;
		if (claim_from_name(key, strlen(key), &id) != 0)
			ret = kx_errorf(
			    err, errlen,
			    "%s: \"%s\" is not a claim (export, key_id, key, keyid, t1, t2, t3, t4, "
			    "ke2e_master, kpsa)",
			    path, key);
		else if (!json_is_string(value))
			ret = kx_errorf(err, errlen, "%s: claim \"%s\" must be a string", path, key);
		else if (kx_claims_set(c, id, json_string_value(value), json_string_length(value),
		                       "claims file", why, sizeof why) != 0)
			ret = kx_errorf(err, errlen, "%s: %s", path, why);
	}
	json_decref(root);
	return ret;
}

int kx_claims_add_pattern(struct kx_claims *c, const char *arg, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');
	enum kx_claim_id id;
	if (eq == NULL || claim_from_name(arg, (size_t)(eq - arg), &id) != 0)
		return kx_errorf(err, errlen,
		                 "bad claim pattern \"%.200s\": expected NAME=REGEX with NAME one of export, "
		                 "key_id, key, keyid, "
		                 "t1, t2, t3, t4, ke2e_master, kpsa",
		                 arg);
	if (c->n_patterns == KX_MAX_CLAIM_PATTERNS)
		return kx_errorf(err, errlen, "at most %d claim patterns", KX_MAX_CLAIM_PATTERNS);
	for (size_t i = 0; i < c->n_patterns; i++)
		if (c->patterns[i].id == id)
			return kx_errorf(err, errlen, "claim %s has two patterns", claim_names[id]);
	struct kx_claim_pattern *p = &c->patterns[c->n_patterns];
	memset(p, 0, sizeof *p);
	/* REG_NEWLINE: a pattern reads lines, as a person reading the output would. */
	int rc = regcomp(&p->re, eq + 1, REG_EXTENDED | REG_NEWLINE);
	if (rc != 0) {
		char why[200];
		regerror(rc, &p->re, why, sizeof why);
		return kx_errorf(
		    err, errlen,
		    "claim pattern for %s: \"%.200s\" is not a POSIX extended regular expression: %s",
		    claim_names[id], eq + 1, why);
	}
	if (p->re.re_nsub < 1) {
		regfree(&p->re);
		return kx_errorf(err, errlen,
		                 "claim pattern for %s: \"%.200s\" has no group; put the value in ( ), e.g. "
		                 "'Keying material: "
		                 "([0-9A-Fa-f]+)'",
		                 claim_names[id], eq + 1);
	}
	p->id = id;
	snprintf(p->text, sizeof p->text, "%s", eq + 1);
	c->n_patterns++;
	return 0;
}

int kx_claims_from_options(struct kx_claims *c, const char *file, const char *const *args, size_t n_args,
                           const char *const *patterns, size_t n_patterns, char *err, size_t errlen)
{
	if (file != NULL && kx_claims_load_file(c, file, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < n_args; i++)
		if (kx_claims_parse_arg(c, args[i], err, errlen) != 0)
			return -1;
	for (size_t i = 0; i < n_patterns; i++)
		if (kx_claims_add_pattern(c, patterns[i], err, errlen) != 0)
			return -1;
	return 0;
}

size_t kx_claims_match(struct kx_claims *c, const char *text)
{
	size_t unmatched = 0;
	for (size_t i = 0; i < c->n_patterns; i++) {
		struct kx_claim_pattern *p = &c->patterns[i];
		regmatch_t m[2];
		char err[200];
		if (!p->matched && regexec(&p->re, text, 2, m, 0) == 0 && m[1].rm_so >= 0 &&
		    kx_claims_set(c, p->id, text + m[1].rm_so, (size_t)(m[1].rm_eo - m[1].rm_so),
		                  "vendor output", err, sizeof err) == 0)
			p->matched = 1;
		unmatched += !p->matched;
	}
	return unmatched;
}

int kx_claim_form(const struct kx_claims *c, enum kx_claim_id id, char *why, size_t whylen)
{
	const char *v = c->values[id];
	if (v == NULL)
		return 0;
	size_t len = strlen(v);
	if (id == KX_CLAIM_KEYID)
		return len > 0 ? 0 : kx_errorf(why, whylen, "claim keyid is empty");
	if (!kx_is_hex(v, len))
		return kx_errorf(why, whylen, "claim %s is not hex: \"%.100s\"%s", claim_names[id], v,
		                 len > 100 ? "..." : "");
	if (len % 2 != 0)
		return kx_errorf(why, whylen, "claim %s has an odd number of hex digits (%zu): \"%.100s\"%s; each byte is two",
		                 claim_names[id], len, v, len > 100 ? "..." : "");
	size_t bytes = len / 2;
	const char *s = bytes == 1 ? "" : "s";
	switch (id) {
	case KX_CLAIM_EXPORT:
		return bytes == KX_EXPORT_LEN
		           ? 0
		           : kx_errorf(why, whylen,
		                       "claim export is %zu byte%s; the oneM2M exporter output is 48 bytes "
		                       "(TS-0003 10.3.1)",
		                       bytes, s);
	case KX_CLAIM_KEY_ID:
		return bytes == KX_KEY_ID_LEN
		           ? 0
		           : kx_errorf(why, whylen,
		                       "claim key_id is %zu byte%s; the key identifier is the 16 most "
		                       "significant bytes of the export (TS-0003 10.3.1)",
		                       bytes, s);
	case KX_CLAIM_KPSA:
		return bytes == 32 ? 0
		                   : kx_errorf(why, whylen,
		                               "claim kpsa is %zu byte%s; Kpsa is HMAC-SHA-256 output, 32 bytes (TS-0003)",
		                               bytes, s);
	case KX_CLAIM_KEY:
		return bytes == KX_KEY_LEN
		           ? 0
		           : kx_errorf(
		                 why, whylen,
		                 "claim key is %zu byte%s; the key is the 32 least significant bytes of "
		                 "the export (TS-0003 10.3.1)",
		                 bytes, s);
	default:
		return bytes == 32 || bytes == 64
		           ? 0
		           : kx_errorf(
		                 why, whylen,
		                 "claim %s is %zu byte%s; an E2E key is 32 bytes (HMAC-SHA-256) or 64 bytes "
		                 "(HMAC-SHA-512) (TS-0003 10.3.6)",
		                 claim_names[id], bytes, s);
	}
}

int kx_claims_validate(const struct kx_claims *c, char *err, size_t errlen)
{
	for (int i = 0; i < KX_CLAIM_COUNT; i++)
		if (kx_claim_form(c, (enum kx_claim_id)i, err, errlen) != 0)
			return -1;
	return 0;
}

int kx_claims_need_e2e(const struct kx_claims *c)
{
	for (int i = KX_CLAIM_T1; i <= KX_CLAIM_KPSA; i++)
		if (c->values[i] != NULL)
			return 1;
	for (size_t i = 0; i < c->n_patterns; i++)
		if (is_e2e(c->patterns[i].id))
			return 1;
	return 0;
}

int kx_claims_need_fqdn(const struct kx_claims *c)
{
	for (size_t i = 0; i < c->n_patterns; i++)
		if (c->patterns[i].id == KX_CLAIM_KEYID)
			return 1;
	return c->values[KX_CLAIM_KEYID] != NULL;
}

void kx_claims_free(struct kx_claims *c)
{
	for (int i = 0; i < KX_CLAIM_COUNT; i++)
		free(c->values[i]);
	for (size_t i = 0; i < c->n_patterns; i++)
		regfree(&c->patterns[i].re);
	memset(c, 0, sizeof *c);
}

void kx_claims_print(FILE *out, json_t *checked)
{
	size_t i;
	json_t *entry;
	json_array_foreach(json_object_get(checked, "claims"), i, entry)
	{
		const char *verdict = kx_json_get_string(entry, "verdict");
		const char *mistake = kx_json_get_string(entry, "mistake");
		const char *explanation = kx_json_get_string(entry, "explanation");
		int agree = strcmp(verdict, "agree") == 0, accepted = strcmp(verdict, "accepted") == 0;
		const char *word = agree                               ? "agrees"
		                   : accepted                          ? "accepted"
		                   : strcmp(verdict, "malformed") == 0 ? "MALFORMED"
		                                                       : "DISAGREES";
		fprintf(out, "  %-12s %s", kx_json_get_string(entry, "name"), word);
		if (mistake != NULL)
			fprintf(out, "  %s", mistake);
		if (!agree && explanation[0] != '\0')
			fprintf(out, "%s%s", mistake != NULL ? ": " : "  ", explanation);
		fprintf(out, "\n");
		if (!agree && !accepted) {
			fprintf(out, "      claimed (%s): %s\n", kx_json_get_string(entry, "source"),
			        kx_json_get_string(entry, "claimed"));
			if (kx_json_get_string(entry, "expected") != NULL)
				fprintf(out, "      reference: %s\n", kx_json_get_string(entry, "expected"));
		}
	}
}
