/* judge_crypto.c - HMAC from a reference driver, and the PRF and HKDF-Expand
 * composed from it for the mistake models (judge_models.c). A model runs only
 * when a value disagrees with the reference, so a few dozen round trips to the
 * driver are paid for a wrong value and none for a right one. */
#include "runner/judge/judge_crypto.h"

#include "core/hex.h"
#include "core/json_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t kx_judge_hash_len(const char *hash)
{
	if (strcmp(hash, "SHA-256") == 0)
		return 32;
	if (strcmp(hash, "SHA-384") == 0)
		return 48;
	if (strcmp(hash, "SHA-512") == 0)
		return 64;
	return 0;
}

const char *kx_judge_other_prf_hash(const char *hash)
{
	return strcmp(hash, "SHA-256") == 0 ? "SHA-384" : "SHA-256";
}

static char *hex_of(const uint8_t *bytes, size_t len)
{
	char *hex = malloc(2 * len + 1);
	if (hex != NULL)
		kx_hex_encode(bytes, len, hex, 0);
	return hex;
}

int kx_judge_hmac(struct kx_judge_crypto *c, const char *hash, const uint8_t *key, size_t key_len,
                  const uint8_t *data, size_t data_len, uint8_t out[KX_JUDGE_HASH_MAX])
{
	size_t hlen = kx_judge_hash_len(hash);
	if (c->failed)
		return -1;
	char *key_hex = hex_of(key, key_len), *data_hex = hex_of(data, data_len);
	json_t *answer = NULL;
	if (key_hex != NULL && data_hex != NULL)
		answer = kx_pool_call(c->pool, c->driver,
		                      json_pack("{s:s, s:s, s:s, s:s}", "op", "hmac", "hash", hash, "key",
		                                key_hex, "data", data_hex));
	free(key_hex);
	free(data_hex);
	const char *got = kx_json_get_string(answer, "out");
	size_t n = 0;
	int ok = json_is_true(json_object_get(answer, "ok")) && got != NULL &&
	         kx_hex_decode(got, strlen(got), out, KX_JUDGE_HASH_MAX, &n) == 0 && n == hlen && hlen > 0;
	if (!ok) {
		const char *why = kx_json_get_string(answer, "error");
		snprintf(c->err, sizeof c->err, "reference driver %s could not compute HMAC-%s: %s",
		         c->pool->names[c->driver], hash, why != NULL ? why : "no answer");
		c->failed = 1;
	}
	json_decref(answer);
	return ok ? (int)hlen : -1;
}

/* P_hash of RFC 5246 section 5 over data = label || seed. */
int kx_judge_prf(struct kx_judge_crypto *c, const char *hash, const uint8_t *secret, size_t secret_len,
                 const uint8_t *label, size_t label_len, const uint8_t *seed, size_t seed_len, uint8_t *out,
                 size_t out_len)
{
	size_t hlen = kx_judge_hash_len(hash);
	size_t data_len = label_len + seed_len;
	uint8_t *buf = malloc(KX_JUDGE_HASH_MAX + data_len + 1);
	if (buf == NULL || hlen == 0) {
		free(buf);
		return -1;
	}
	memcpy(buf + hlen, label, label_len);
	memcpy(buf + hlen + label_len, seed, seed_len);
	uint8_t a[KX_JUDGE_HASH_MAX], block[KX_JUDGE_HASH_MAX];
	int ret = kx_judge_hmac(c, hash, secret, secret_len, buf + hlen, data_len, a) < 0 ? -1 : 0; /* A(1) */
	for (size_t done = 0; ret == 0 && done < out_len; done += hlen) {
		memcpy(buf, a, hlen);
		if (kx_judge_hmac(c, hash, secret, secret_len, buf, hlen + data_len, block) < 0 ||
		    (done + hlen < out_len && kx_judge_hmac(c, hash, secret, secret_len, a, hlen, a) < 0)) {
			ret = -1;
			break;
		}
		memcpy(out + done, block, out_len - done < hlen ? out_len - done : hlen);
	}
	free(buf);
	return ret;
}

int kx_judge_hkdf_expand(struct kx_judge_crypto *c, const char *hash, const uint8_t *prk, size_t prk_len,
                         const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
	size_t hlen = kx_judge_hash_len(hash);
	if (hlen == 0 || out_len > 255 * hlen)
		return -1;
	uint8_t *buf = malloc(KX_JUDGE_HASH_MAX + info_len + 1);
	if (buf == NULL)
		return -1;
	uint8_t t[KX_JUDGE_HASH_MAX];
	size_t prev = 0;
	int ret = 0;
	for (size_t done = 0, i = 1; done < out_len; done += hlen, i++) {
		memcpy(buf, t, prev);
		memcpy(buf + prev, info, info_len);
		buf[prev + info_len] = (uint8_t)i;
		if (kx_judge_hmac(c, hash, prk, prk_len, buf, prev + info_len + 1, t) < 0) {
			ret = -1;
			break;
		}
		prev = hlen;
		memcpy(out + done, t, out_len - done < hlen ? out_len - done : hlen);
	}
	free(buf);
	return ret;
}
