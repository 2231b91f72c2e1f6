/* wolfssl.c - the wolfSSL backend: HMAC, the TLS 1.2 PRF and HKDF from
 * wolfCrypt, the suites the library (built by cmake/wolfssl.cmake with PSK,
 * DTLS and AES-CCM) can negotiate, and sessions: one WOLFSSL end-point over
 * wolfSSL's custom I/O callbacks, so the runner is the wire and no socket is
 * opened. The only file of the harness that includes wolfSSL, and kept whole
 * for that reason (about 850 lines): one place holds every call into the
 * library and every assumption about its build, so a reader auditing what
 * the reference computes with wolfSSL reads one file (docs/architecture.md). */
#include "backend.h"
#include "core/errors.h"
#include "core/peer_names.h"
#include "core/tls_suites.h"

/* options.h records how the library was configured; it must come first. */
#include <wolfssl/options.h>

#include <wolfssl/ssl.h>
#include <wolfssl/version.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/hmac.h>
#include <wolfssl/wolfcrypt/kdf.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(NO_PSK) || !defined(WOLFSSL_STATIC_PSK) || !defined(WOLFSSL_DTLS) || !defined(HAVE_AESCCM) ||        \
	!defined(HAVE_HKDF) || !defined(HAVE_KEYING_MATERIAL)
#error "wolfSSL must be the harness's own build (cmake/wolfssl.cmake): PSK, static PSK, DTLS, AES-CCM, HKDF, exporter"
#endif

/* wolfCrypt's identifiers of a hash: for HMAC and HKDF, and as its PRF's MAC algorithm. */
static const struct {
	int type, prf_mac;
} wc_hashes[] = {
	[KX_SHA256] = {WC_SHA256, sha256_mac},
	[KX_SHA384] = {WC_SHA384, sha384_mac},
	[KX_SHA512] = {WC_SHA512, sha512_mac},
};

static int fail(const char *what, int code, char *err, size_t errlen)
{
	return kx_errorf(err, errlen, "%s: %s (%d)", what, wc_GetErrorString(code), code);
}

static const char *wolfssl_version(void)
{
	return "wolfSSL " LIBWOLFSSL_VERSION_STRING;
}

static int wolfssl_hmac(enum kx_hash hash, const uint8_t *key, size_t key_len, const uint8_t *msg,
			size_t msg_len, uint8_t *out, char *err, size_t errlen)
{
	Hmac hmac;
	int ret = wc_HmacInit(&hmac, NULL, INVALID_DEVID);
	if (ret != 0)
		return fail("wc_HmacInit", ret, err, errlen);
	ret = wc_HmacSetKey(&hmac, wc_hashes[hash].type, key, (word32)key_len);
	if (ret == 0)
		ret = wc_HmacUpdate(&hmac, msg, (word32)msg_len);
	if (ret == 0)
		ret = wc_HmacFinal(&hmac, out);
	wc_HmacFree(&hmac);
	return ret == 0 ? 0 : fail("wc_Hmac", ret, err, errlen);
}

static int wolfssl_tls12_prf(enum kx_hash hash, const uint8_t *secret, size_t secret_len, const char *label,
			     const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len, char *err,
			     size_t errlen)
{
	/* wc_PRF_TLS copies label || seed into a 128-byte stack buffer and refuses
	 * longer ones; it then calls wc_PRF, which has no such bound. Doing the
	 * concatenation here keeps the library's P_hash while lifting the bound. */
	size_t label_len = strlen(label);
	uint8_t *label_seed = malloc(label_len + seed_len + 1);
	if (label_seed == NULL)
		return fail("malloc", MEMORY_E, err, errlen);
	memcpy(label_seed, label, label_len);
	if (seed_len > 0)
		memcpy(label_seed + label_len, seed, seed_len);
	int ret = wc_PRF(out, (word32)out_len, secret, (word32)secret_len, label_seed, (word32)(label_len + seed_len),
			 wc_hashes[hash].prf_mac, NULL, INVALID_DEVID);
	free(label_seed);
	return ret == 0 ? 0 : fail("wc_PRF", ret, err, errlen);
}

static int wolfssl_hkdf_extract(enum kx_hash hash, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
				size_t ikm_len, uint8_t *prk, char *err, size_t errlen)
{
	int ret = wc_HKDF_Extract(wc_hashes[hash].type, salt, (word32)salt_len, ikm, (word32)ikm_len, prk);
	return ret == 0 ? 0 : fail("wc_HKDF_Extract", ret, err, errlen);
}

static int wolfssl_hkdf_expand(enum kx_hash hash, const uint8_t *prk, size_t prk_len, const uint8_t *info,
			       size_t info_len, uint8_t *okm, size_t okm_len, char *err, size_t errlen)
{
	int ret = wc_HKDF_Expand(wc_hashes[hash].type, prk, (word32)prk_len, info, (word32)info_len, okm, (word32)okm_len);
	return ret == 0 ? 0 : fail("wc_HKDF_Expand", ret, err, errlen);
}

/* wolfSSL's name for a suite of the core table that a TLS 1.2 (dtls = 0) or
 * DTLS 1.2 (dtls = 1) handshake can negotiate ("PSK-AES128-CCM-8"), or NULL
 * when this build does not have it: wolfSSL maps the id to its own name. */
static const char *suite_name(uint16_t iana_id, int dtls)
{
	if (kx_tls12_suite(iana_id, dtls) == NULL)
		return NULL;
	const char *name = wolfSSL_get_cipher_name_from_suite((byte)(iana_id >> 8), (byte)iana_id);
	return name != NULL && strcmp(name, "None") != 0 ? name : NULL;
}

static int wolfssl_suite_available(uint16_t iana_id, int dtls)
{
	const char *name = suite_name(iana_id, dtls);
	if (name == NULL)
		return 0;
	WOLFSSL_CTX *ctx = wolfSSL_CTX_new(dtls ? wolfDTLSv1_2_client_method() : wolfTLSv1_2_client_method());
	if (ctx == NULL)
		return 0;
	/* With a single name, success means exactly that suite is compiled in. */
	int available = wolfSSL_CTX_set_cipher_list(ctx, name) == WOLFSSL_SUCCESS;
	wolfSSL_CTX_free(ctx);
	return available;
}

/* ---- Sessions: one WOLFSSL object whose I/O callbacks are the runner ---- */

struct kx_session {
	WOLFSSL_CTX *ctx;
	WOLFSSL *ssl;
	struct kx_endpoint_config config;

	/* The peer's chunks, copied in because a record can stay unread across
	 * calls (application data delivered with the last handshake flight). */
	struct kx_chunks in;
	size_t in_index, in_offset;

	struct kx_chunks *out;    /* where the library's writes go during a call */
	struct kx_chunks pending; /* writes made when there was no out (during a read) */
	int out_fresh;            /* TLS: the next write starts a new chunk */

	/* wolfSSL 5.5.4 has no getter for RFC 7627, so the ServerHello's
	 * extensions are read from the bytes relayed (see observe_server_hello). */
	uint8_t hello[1024];
	size_t hello_len;
	int hello_seen, ems;

	char psk_identity[KX_NAME_MAX]; /* what the PSK callbacks saw */
	char verify_note[640];          /* why our own name check refused the peer */
	int done, failed;
	struct kx_failure failure; /* repeated by steps after a failure */
};

/* The I/O contexts are the session: the one pointer every callback can reach
 * (this build has no HAVE_EX_DATA, so wolfSSL_get_ex_data is not available). */
static struct kx_session *session_of(WOLFSSL *ssl)
{
	return wolfSSL_GetIOReadCtx(ssl);
}

/* The RFC 7627 answer of a ServerHello handshake message (TLS header of 4
 * bytes, DTLS of 12): 1 if it carries extended_master_secret, 0 if not, -1
 * when it is not a whole ServerHello. */
static int server_hello_ems(const uint8_t *m, size_t n, int dtls)
{
	size_t header = dtls ? 12 : 4;
	if (n < header || m[0] != 2)
		return -1;
	size_t len = (size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3];
	/* A DTLS fragment of a ServerHello (a tiny MTU) is left unread. */
	if (dtls && (m[6] | m[7] | m[8] || ((size_t)m[9] << 16 | (size_t)m[10] << 8 | m[11]) != len))
		return -1;
	if (n < header + len)
		return -1;
	const uint8_t *body = m + header;
	size_t i = 2 + 32; /* server_version, random */
	if (i >= len)
		return -1;
	i += 1 + body[i]; /* session_id */
	i += 2 + 1;       /* cipher_suite, compression_method */
	if (i == len)
		return 0; /* no extensions at all */
	if (i + 2 > len)
		return -1;
	size_t end = i + 2 + ((size_t)body[i] << 8 | body[i + 1]);
	if (end > len)
		return -1;
	for (i += 2; i + 4 <= end; i += 4 + ((size_t)body[i + 2] << 8 | body[i + 3]))
		if (body[i] == 0x00 && body[i + 1] == 0x17)
			return 1;
	return 0;
}

/* Looks for the ServerHello in the server's bytes: those the server writes,
 * or those the client is given. TLS: the first record of the stream, gathered
 * across chunks. DTLS: the first epoch-0 handshake record holding a
 * ServerHello, in any datagram (HelloVerifyRequest comes first). */
static void observe_server_hello(struct kx_session *s, const uint8_t *data, size_t len)
{
	if (s->hello_seen)
		return;
	if (s->config.dtls) {
		for (size_t i = 0; i + 13 <= len;) {
			size_t rec = (size_t)data[i + 11] << 8 | data[i + 12];
			if (i + 13 + rec > len)
				return;
			int epoch = data[i + 3] << 8 | data[i + 4];
			if (data[i] == 22 && epoch == 0 && rec > 0 && data[i + 13] == 2) {
				s->ems = server_hello_ems(data + i + 13, rec, 1);
				s->hello_seen = 1;
				return;
			}
			i += 13 + rec;
		}
		return;
	}
	size_t room = sizeof s->hello - s->hello_len;
	size_t n = len < room ? len : room;
	memcpy(s->hello + s->hello_len, data, n);
	s->hello_len += n;
	if (s->hello_len < 5)
		return;
	size_t rec = (size_t)s->hello[3] << 8 | s->hello[4];
	if (s->hello[0] == 22 && 5 + rec > s->hello_len && s->hello_len < sizeof s->hello)
		return; /* the rest of the record is still to come */
	if (s->hello[0] == 22)
		s->ems = server_hello_ems(s->hello + 5, s->hello_len - 5 < rec ? s->hello_len - 5 : rec, 0);
	s->hello_seen = 1;
}

/* The send callback: one chunk per datagram for DTLS; for TLS one chunk per
 * call, extended by each write, since a stream's boundaries mean nothing. */
static int io_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	(void)ssl;
	struct kx_session *s = ctx;
	struct kx_chunks *out = s->out != NULL ? s->out : &s->pending;
	if (sz < 0)
		return WOLFSSL_CBIO_ERR_GENERAL;
	if (s->config.server)
		observe_server_hello(s, (const uint8_t *)buf, (size_t)sz);
	int ok;
	if (s->config.dtls || s->out_fresh)
		ok = kx_chunks_append(out, (const uint8_t *)buf, (size_t)sz);
	else
		ok = kx_chunks_extend_last(out, (const uint8_t *)buf, (size_t)sz);
	s->out_fresh = 0;
	return ok == 0 ? sz : WOLFSSL_CBIO_ERR_GENERAL;
}

/* The receive callback: one whole datagram per call for DTLS (truncated to
 * the buffer, as a socket would), as much as fits for TLS. Nothing left means
 * "would block": no time passes here, so DTLS retransmission never starts. */
static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	(void)ssl;
	struct kx_session *s = ctx;
	size_t got = 0;
	while (s->in_index < s->in.n && got < (size_t)sz) {
		const struct kx_chunk *chunk = &s->in.items[s->in_index];
		size_t left = chunk->len - s->in_offset;
		size_t n = left < (size_t)sz - got ? left : (size_t)sz - got;
		memcpy(buf + got, chunk->data + s->in_offset, n);
		got += n;
		if (s->config.dtls || n == left) {
			s->in_index++;
			s->in_offset = 0;
		} else {
			s->in_offset += n;
		}
		if (s->config.dtls && got > 0)
			break;
	}
	if (s->in_index == s->in.n && s->in.n > 0) {
		kx_chunks_clear(&s->in);
		s->in_index = s->in_offset = 0;
	}
	return got > 0 ? (int)got : WOLFSSL_CBIO_ERR_WANT_READ;
}

/* Takes a copy of the peer's chunks for io_recv. */
static int deliver(struct kx_session *s, const struct kx_chunks *in)
{
	for (size_t i = 0; in != NULL && i < in->n; i++) {
		if (in->items[i].len == 0)
			continue;
		if (!s->config.server)
			observe_server_hello(s, in->items[i].data, in->items[i].len);
		if (kx_chunks_append(&s->in, in->items[i].data, in->items[i].len) != 0)
			return -1;
	}
	return 0;
}

/* Points the send callback at out for one call, handing over first what the
 * library wrote while there was nowhere to put it. */
static int begin_output(struct kx_session *s, struct kx_chunks *out)
{
	s->out = out;
	s->out_fresh = 1;
	for (size_t i = 0; out != NULL && i < s->pending.n; i++)
		if (kx_chunks_append(out, s->pending.items[i].data, s->pending.items[i].len) != 0)
			return -1;
	if (out != NULL)
		kx_chunks_clear(&s->pending);
	return 0;
}

/* The peer certificate's DNS and URI subjectAltNames as "DNS:x" / "URI:x". */
static size_t subject_alt_names(WOLFSSL_X509 *cert, char names[][KX_NAME_MAX], size_t max)
{
	WOLFSSL_GENERAL_NAMES *sans =
	    cert != NULL ? wolfSSL_X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL) : NULL;
	size_t n = 0;
	for (int i = 0; sans != NULL && i < wolfSSL_sk_GENERAL_NAME_num(sans) && n < max; i++) {
		WOLFSSL_GENERAL_NAME *name = wolfSSL_sk_GENERAL_NAME_value(sans, i);
		const char *kind;
		if (name->type == ASN_DNS_TYPE)
			kind = "DNS";
		else if (name->type == ASN_URI_TYPE)
			kind = "URI";
		else
			continue;
		WOLFSSL_ASN1_STRING *value = name->d.ia5;
		snprintf(names[n++], KX_NAME_MAX, "%s:%.*s", kind, wolfSSL_ASN1_STRING_length(value),
			 (const char *)wolfSSL_ASN1_STRING_data(value));
	}
	wolfSSL_GENERAL_NAMES_free(sans);
	return n;
}

/* The configured peer name must be one of the leaf's subjectAltNames, compared
 * exactly: TR-0038's CSE names ("my.m2mprovider.org/in-cse") are not host
 * names, so wolfSSL_check_domain_name would be the wrong test. Refusing here
 * makes the library fail the handshake with a bad_certificate alert. */
static int verify_peer(int preverify_ok, WOLFSSL_X509_STORE_CTX *store)
{
	struct kx_session *s = store->userCtx;
	if (!preverify_ok || s == NULL || s->config.expected_peer_name[0] == '\0' ||
	    wolfSSL_X509_STORE_CTX_get_error_depth(store) != 0)
		return preverify_ok;
	char names[KX_MAX_PEER_NAMES][KX_NAME_MAX];
	size_t n =
	    subject_alt_names(wolfSSL_X509_STORE_CTX_get_current_cert(store), names, KX_MAX_PEER_NAMES);
	return kx_peer_name_matches(names, n, s->config.expected_peer_name, s->verify_note, sizeof s->verify_note);
}

static unsigned int psk_client(WOLFSSL *ssl, const char *hint, char *identity, unsigned int max_identity,
			       unsigned char *psk, unsigned int max_psk)
{
	(void)hint;
	struct kx_session *s = session_of(ssl);
	unsigned int len = kx_psk_client_credential(&s->config, identity, max_identity, psk, max_psk);
	if (len > 0)
		snprintf(s->psk_identity, sizeof s->psk_identity, "%s", s->config.psk_identity);
	return len;
}

/* TR-0038 7.1.2: the server finds the key by the identity the client sent;
 * an unknown identity returns 0 and wolfSSL answers unknown_psk_identity. */
static unsigned int psk_server(WOLFSSL *ssl, const char *identity, unsigned char *psk, unsigned int max_psk)
{
	struct kx_session *s = session_of(ssl);
	snprintf(s->psk_identity, sizeof s->psk_identity, "%s", identity != NULL ? identity : "");
	return kx_psk_server_key(&s->config, identity, psk, max_psk);
}

/* A name no client sends (RFC 2606), for the server's side of SNI. */
static const char sni_placeholder[] = "kxconform.invalid";

static int session_error(const char *what, int code, char *err, size_t errlen)
{
	char text[WOLFSSL_MAX_ERROR_SZ];
	wolfSSL_ERR_error_string((unsigned long)code, text);
	return kx_errorf(err, errlen, "%s: %s (%d)", what, text, code);
}

/* Turns the result of loading a PEM file into 0, or -1 with err. wolfSSL
 * often says only WOLFSSL_FAILURE (0), so an unreadable file is named by the
 * system's reason first. */
static int load_file(const char *file, const char *what, int ret, char *err, size_t errlen)
{
	if (ret == WOLFSSL_SUCCESS)
		return 0;
	FILE *f = fopen(file, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "wolfSSL backend: cannot read the %s %s: %s", what, file,
			 strerror(errno));
		return -1;
	}
	fclose(f);
	if (ret < 0) {
		char text[WOLFSSL_MAX_ERROR_SZ];
		wolfSSL_ERR_error_string((unsigned long)ret, text);
		snprintf(err, errlen, "wolfSSL backend: wolfSSL refused the %s %s: %s (%d)", what, file, text,
			 ret);
	} else {
		snprintf(err, errlen, "wolfSSL backend: wolfSSL refused the %s %s (no PEM it can use)", what,
			 file);
	}
	return -1;
}

static const char *version_name(uint16_t version)
{
	switch (version) {
	case KX_TLS1_1:
		return "TLS 1.1";
	case KX_TLS1_2:
		return "TLS 1.2";
	case KX_TLS1_3:
		return "TLS 1.3";
	}
	return "not a version the harness knows";
}

/* The library's protocol version constant for a configured TLS version, or 0
 * when this build was configured without it (the caller names it). */
static int tls_version(uint16_t version)
{
	switch (version) {
	case KX_TLS1_1:
#ifndef NO_OLD_TLS
		return TLS1_1_VERSION;
#else
		return 0;
#endif
	case KX_TLS1_2:
#ifndef WOLFSSL_NO_TLS12
		return TLS1_2_VERSION;
#else
		return 0;
#endif
	case KX_TLS1_3:
#ifdef WOLFSSL_TLS13
		return TLS1_3_VERSION;
#else
		return 0;
#endif
	}
	return 0;
}

/* Makes the context for the configured protocol; NULL with err. */
static WOLFSSL_CTX *new_context(const struct kx_endpoint_config *c, char *err, size_t errlen)
{
	if (c->min_version > c->max_version) {
		snprintf(err, errlen, "wolfSSL backend: empty version range 0x%04x..0x%04x", c->min_version,
			 c->max_version);
		return NULL;
	}
	if (c->dtls) {
		if (c->min_version != KX_TLS1_2 || c->max_version != KX_TLS1_2) {
			snprintf(err, errlen,
				 "wolfSSL backend: DTLS only as DTLS 1.2, not the range 0x%04x..0x%04x",
				 c->min_version, c->max_version);
			return NULL;
		}
		WOLFSSL_CTX *ctx =
		    wolfSSL_CTX_new(c->server ? wolfDTLSv1_2_server_method() : wolfDTLSv1_2_client_method());
		if (ctx == NULL)
			snprintf(err, errlen, "wolfSSL backend: wolfSSL_CTX_new (DTLS 1.2) failed");
		return ctx;
	}
	int min = tls_version(c->min_version), max = tls_version(c->max_version);
	if (min == 0 || max == 0) {
		uint16_t missing = min == 0 ? c->min_version : c->max_version;
		snprintf(err, errlen,
			 "wolfSSL backend: TLS version 0x%04x (%s) is not available in this wolfSSL build",
			 missing, version_name(missing));
		return NULL;
	}
	/* The version-flexible methods, narrowed: wolfSSL then downgrades within
	 * [min, max] as the peer asks, and refuses the rest. */
	WOLFSSL_CTX *ctx =
	    wolfSSL_CTX_new(c->server ? wolfSSLv23_server_method() : wolfSSLv23_client_method());
	if (ctx == NULL) {
		snprintf(err, errlen, "wolfSSL backend: wolfSSL_CTX_new failed");
		return NULL;
	}
	if (wolfSSL_CTX_set_min_proto_version(ctx, min) != WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_set_max_proto_version(ctx, max) != WOLFSSL_SUCCESS) {
		snprintf(err, errlen, "wolfSSL backend: cannot set the TLS version range 0x%04x..0x%04x",
			 c->min_version, c->max_version);
		wolfSSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* Applies the rest of the configuration to the context; 0, or -1 with err. */
static int configure(struct kx_session *s, char *err, size_t errlen)
{
	const struct kx_endpoint_config *c = &s->config;
	char list[512] = "";
	for (size_t i = 0; i < c->n_suites; i++) {
		const struct kx_tls_suite *suite = kx_tls12_suite(c->suites[i], c->dtls);
		if (suite == NULL)
			return kx_errorf(err, errlen, "wolfSSL backend: unknown cipher suite 0x%04X",
					 c->suites[i]);
		/* One at a time first: a list succeeds when any one name is known. */
		const char *name = suite_name(c->suites[i], c->dtls);
		if (name == NULL || wolfSSL_CTX_set_cipher_list(s->ctx, name) != WOLFSSL_SUCCESS)
			return kx_errorf(err, errlen,
					 "wolfSSL backend: cipher suite 0x%04X (%s) is not available in this build",
					 c->suites[i], name != NULL ? name : suite->iana_name);
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ":" : "", name);
	}
	if (c->n_suites > 0 && wolfSSL_CTX_set_cipher_list(s->ctx, list) != WOLFSSL_SUCCESS)
		return kx_errorf(err, errlen, "wolfSSL backend: wolfSSL_CTX_set_cipher_list(%s) failed",
				 list);

	/* ECDHE on P-256, then P-384 for P-384 certificate keys (see the OpenSSL
	 * backend): in the order they are added. */
	if (wolfSSL_CTX_UseSupportedCurve(s->ctx, WOLFSSL_ECC_SECP256R1) != WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_UseSupportedCurve(s->ctx, WOLFSSL_ECC_SECP384R1) != WOLFSSL_SUCCESS)
		return kx_errorf(err, errlen,
				 "wolfSSL backend: wolfSSL_CTX_UseSupportedCurve(secp256r1, secp384r1) failed");
	if (c->cert_file[0] != '\0' &&
	    load_file(c->cert_file, "certificate chain",
		      wolfSSL_CTX_use_certificate_chain_file(s->ctx, c->cert_file), err, errlen) != 0)
		return -1;
	if (c->key_file[0] != '\0' &&
	    load_file(c->key_file, "private key",
		      wolfSSL_CTX_use_PrivateKey_file(s->ctx, c->key_file, WOLFSSL_FILETYPE_PEM), err,
		      errlen) != 0)
		return -1;
	/* Loading checks neither that wolfSSL can parse the certificate (it takes
	 * the DER as it is) nor that the key fits it; this check parses the
	 * certificate and refuses a key of another type. It does not see a P-256
	 * key of another certificate: this build lacks WOLFSSL_VALIDATE_ECC_IMPORT. */
	if (c->cert_file[0] != '\0' && c->key_file[0] != '\0' &&
	    wolfSSL_CTX_check_private_key(s->ctx) != WOLFSSL_SUCCESS) {
		WOLFSSL_X509 *cert = wolfSSL_X509_load_certificate_file(c->cert_file, WOLFSSL_FILETYPE_PEM);
		if (cert == NULL)
			snprintf(err, errlen, "wolfSSL backend: wolfSSL cannot parse the certificate %s",
				 c->cert_file);
		else
			snprintf(err, errlen,
				 "wolfSSL backend: the private key %s does not fit the certificate %s",
				 c->key_file, c->cert_file);
		wolfSSL_X509_free(cert);
		return -1;
	}
	if (c->ca_file[0] != '\0' &&
	    load_file(c->ca_file, "CA file", wolfSSL_CTX_load_verify_locations(s->ctx, c->ca_file, NULL), err,
		      errlen) != 0)
		return -1;
	/* As in the OpenSSL backend: a client checks the server when it was given
	 * a root of trust; a server asks for a client certificate only when told. */
	int verify = WOLFSSL_VERIFY_NONE;
	if (c->server && c->require_peer_cert) {
		verify = WOLFSSL_VERIFY_PEER | WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT;
		/* With FAIL_IF_NO_PEER_CERT alone, wolfSSL 5.5.4 notices a TLS 1.2
		 * client without a certificate only at its ClientKeyExchange and fails
		 * without an alert; mutual_auth makes the empty Certificate message
		 * itself fatal, with handshake_failure, as OpenSSL does. */
		wolfSSL_CTX_mutual_auth(s->ctx, 1);
	} else if (!c->server && c->ca_file[0] != '\0') {
		verify = WOLFSSL_VERIFY_PEER;
	}
	/* No callback without verification: this build calls it for the leaf even
	 * then (WOLFSSL_ALWAYS_VERIFY_CB), and a refusal would still fail. */
	wolfSSL_CTX_set_verify(s->ctx, verify, verify == WOLFSSL_VERIFY_NONE ? NULL : verify_peer);

	if (c->no_extended_master_secret &&
	    wolfSSL_CTX_DisableExtendedMasterSecret(s->ctx) != WOLFSSL_SUCCESS)
		return kx_errorf(err, errlen,
				 "wolfSSL backend: wolfSSL_CTX_DisableExtendedMasterSecret failed");
#ifdef HAVE_SESSION_TICKET
	if (!c->session_tickets && wolfSSL_CTX_NoTicketTLSv12(s->ctx) != WOLFSSL_SUCCESS)
		return kx_errorf(err, errlen, "wolfSSL backend: wolfSSL_CTX_NoTicketTLSv12 failed");
#else
	if (c->session_tickets)
		return kx_errorf(err, errlen,
				 "wolfSSL backend: session tickets asked for, but this wolfSSL build has none");
#endif
	if (c->server && c->n_psk_table > 0)
		wolfSSL_CTX_set_psk_server_callback(s->ctx, psk_server);
	if (!c->server && c->psk_len > 0)
		wolfSSL_CTX_set_psk_client_callback(s->ctx, psk_client);
	/* wolfSSL keeps the client's server_name only when the server has one of
	 * its own (its SNI callback is compiled out of this build): a placeholder,
	 * answered on mismatch, makes it store whatever name arrives and accept
	 * any, acknowledging it in the ServerHello as OpenSSL does. */
	if (c->server) {
		if (wolfSSL_CTX_UseSNI(s->ctx, WOLFSSL_SNI_HOST_NAME, sni_placeholder,
				       (unsigned short)strlen(sni_placeholder)) != WOLFSSL_SUCCESS) {
			return kx_errorf(err, errlen, "wolfSSL backend: wolfSSL_CTX_UseSNI failed");
		}
		wolfSSL_CTX_SNI_SetOptions(s->ctx, WOLFSSL_SNI_HOST_NAME, WOLFSSL_SNI_ANSWER_ON_MISMATCH);
	}
	wolfSSL_CTX_SetIORecv(s->ctx, io_recv);
	wolfSSL_CTX_SetIOSend(s->ctx, io_send);
	return 0;
}

static void wolfssl_session_free(struct kx_session *s)
{
	if (s == NULL)
		return;
	wolfSSL_free(s->ssl);
	wolfSSL_CTX_free(s->ctx);
	kx_chunks_clear(&s->in);
	kx_chunks_clear(&s->pending);
	free(s);
}

static struct kx_session *wolfssl_session_new(const struct kx_endpoint_config *config, char *err,
					      size_t errlen)
{
	if (errlen > 0)
		err[0] = '\0';
	struct kx_session *s = calloc(1, sizeof *s);
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->config = *config;
	s->ems = -1;
	s->ctx = new_context(config, err, errlen);
	if (s->ctx == NULL || configure(s, err, errlen) != 0) {
		wolfssl_session_free(s);
		return NULL;
	}
	s->ssl = wolfSSL_new(s->ctx);
	if (s->ssl == NULL) {
		snprintf(err, errlen, "wolfSSL backend: wolfSSL_new failed");
		wolfssl_session_free(s);
		return NULL;
	}
	wolfSSL_SetIOReadCtx(s->ssl, s);
	wolfSSL_SetIOWriteCtx(s->ssl, s);
	wolfSSL_SetCertCbCtx(s->ssl, s);
	/* Keeps the randoms and the master secret past the handshake: both
	 * session_info and wolfSSL_export_keying_material need them. */
	wolfSSL_KeepArrays(s->ssl);
	if (config->dtls && config->mtu > 0 &&
	    (config->mtu > 0xFFFF ||
	     wolfSSL_dtls_set_mtu(s->ssl, (unsigned short)config->mtu) != WOLFSSL_SUCCESS)) {
		snprintf(err, errlen, "wolfSSL backend: cannot set the DTLS MTU to %zu", config->mtu);
		wolfssl_session_free(s);
		return NULL;
	}
	int ret;
	if (!config->server && config->sni[0] != '\0' &&
	    (ret = wolfSSL_UseSNI(s->ssl, WOLFSSL_SNI_HOST_NAME, config->sni,
				  (unsigned short)strlen(config->sni))) != WOLFSSL_SUCCESS) {
		session_error("wolfSSL_UseSNI", ret, err, errlen);
		wolfssl_session_free(s);
		return NULL;
	}
	return s;
}

/* Fills failure->text from the library's error code, with our own name
 * check's reason when it was the one that refused the peer. */
static void describe_failure(struct kx_session *s, int code, struct kx_failure *failure)
{
	char text[WOLFSSL_MAX_ERROR_SZ];
	wolfSSL_ERR_error_string((unsigned long)code, text);
	snprintf(failure->text, sizeof failure->text, "%s: %s (%d)%s%.380s",
		 s->config.server ? "wolfSSL_accept" : "wolfSSL_connect", text, code,
		 s->verify_note[0] ? "; " : "", s->verify_note);
}

/* The last alerts each way, as wolfSSL records them (-1 when none). */
static void alerts(struct kx_session *s, struct kx_failure *failure)
{
	WOLFSSL_ALERT_HISTORY history;
	failure->alert_sent = failure->alert_received = -1;
	if (wolfSSL_get_alert_history(s->ssl, &history) == WOLFSSL_SUCCESS) {
		failure->alert_sent = history.last_tx.code;
		failure->alert_received = history.last_rx.code;
	}
}

/* How a call that drives the handshake ends: the alerts seen so far, no output any more, and a
 * failure kept for the steps after it. */
static enum kx_step_state end_call(struct kx_session *s, enum kx_step_state state, struct kx_failure *failure)
{
	alerts(s, failure);
	s->out = NULL;
	if (state == KX_STEP_FAILED) {
		s->failed = 1;
		s->failure = *failure;
	}
	return state;
}

static enum kx_step_state wolfssl_session_step(struct kx_session *s, const struct kx_chunks *in,
					       struct kx_chunks *out, struct kx_failure *failure)
{
	if (s->failed) {
		*failure = s->failure;
		return KX_STEP_FAILED;
	}
	/* After the handshake, chunks given here wait for session_receive. */
	enum kx_step_state state = KX_STEP_DONE;
	failure->text[0] = '\0';
	if (deliver(s, in) != 0 || begin_output(s, out) != 0) {
		snprintf(failure->text, sizeof failure->text, "out of memory");
		state = KX_STEP_FAILED;
	} else if (!s->done) {
		int ret = s->config.server ? wolfSSL_accept(s->ssl) : wolfSSL_connect(s->ssl);
		int error = ret == WOLFSSL_SUCCESS ? 0 : wolfSSL_get_error(s->ssl, ret);
		if (ret == WOLFSSL_SUCCESS) {
			s->done = 1;
		} else if (error == WOLFSSL_ERROR_WANT_READ || error == WOLFSSL_ERROR_WANT_WRITE) {
			state = KX_STEP_HANDSHAKING;
		} else {
			state = KX_STEP_FAILED;
			describe_failure(s, error, failure);
		}
	}
	/* Whatever arrives with or after the last handshake flight is read now: a
	 * peer that sends records a finished handshake does not expect (a second
	 * ChangeCipherSpec and Finished, say) must be refused, not ignored.
	 * Application data stays buffered in the library for session_receive. */
	if (state == KX_STEP_DONE && s->in_index < s->in.n) {
		uint8_t byte;
		int ret = wolfSSL_peek(s->ssl, &byte, 1);
		int error = ret > 0 ? 0 : wolfSSL_get_error(s->ssl, ret);
		if (ret <= 0 && error != WOLFSSL_ERROR_WANT_READ && error != WOLFSSL_ERROR_WANT_WRITE) {
			state = KX_STEP_FAILED;
			describe_failure(s, error, failure);
		}
	}
	return end_call(s, state, failure);
}

static int wolfssl_session_info(struct kx_session *s, struct kx_session_info *info, char *err, size_t errlen)
{
	memset(info, 0, sizeof *info);
	WOLFSSL_SESSION *session = wolfSSL_get_session(s->ssl);
	if (!s->done || session == NULL)
		return kx_errorf(err, errlen, "no completed handshake");
	int version = wolfSSL_version(s->ssl);
	int suite = wolfSSL_get_current_cipher_suite(s->ssl);
	info->version = (uint16_t)version;
	info->suite = (uint16_t)suite;
	const char *name =
	    wolfSSL_get_cipher_name_iana_from_suite((unsigned char)(suite >> 8), (unsigned char)suite);
	snprintf(info->suite_name, sizeof info->suite_name, "%s", name != NULL ? name : "");
	if (wolfSSL_get_client_random(s->ssl, info->client_random, sizeof info->client_random) !=
		sizeof info->client_random ||
	    wolfSSL_get_server_random(s->ssl, info->server_random, sizeof info->server_random) !=
		sizeof info->server_random ||
	    wolfSSL_SESSION_get_master_key(session, info->master_secret, sizeof info->master_secret) !=
		(int)sizeof info->master_secret)
		return kx_errorf(err, errlen,
				 "wolfSSL backend: the randoms or the master secret are not available");
	/* RFC 7627 does not apply to TLS 1.3. */
	info->extended_master_secret = version == TLS1_3_VERSION ? -1 : s->ems;
	if (s->config.server) {
		void *sni = NULL;
		unsigned short sni_len = wolfSSL_SNI_GetRequest(s->ssl, WOLFSSL_SNI_HOST_NAME, &sni);
		if (sni != NULL)
			snprintf(info->sni, sizeof info->sni, "%.*s", (int)sni_len, (const char *)sni);
	} else {
		snprintf(info->sni, sizeof info->sni, "%s", s->config.sni);
	}
	WOLFSSL_X509 *peer = wolfSSL_get_peer_certificate(s->ssl);
	info->n_peer_names = subject_alt_names(peer, info->peer_names, KX_MAX_PEER_NAMES);
	wolfSSL_X509_free(peer);
	snprintf(info->psk_identity, sizeof info->psk_identity, "%s", s->psk_identity);
	return 0;
}

static int wolfssl_session_export(struct kx_session *s, const char *label, uint8_t *out, size_t len,
				  char *err, size_t errlen)
{
	if (!s->done)
		return kx_errorf(err, errlen, "no completed handshake");
	if (wolfSSL_export_keying_material(s->ssl, out, len, label, strlen(label), NULL, 0, 0) !=
	    WOLFSSL_SUCCESS)
		return kx_errorf(err, errlen, "wolfSSL_export_keying_material failed for label %s", label);
	return 0;
}

static int wolfssl_session_send(struct kx_session *s, const uint8_t *data, size_t len, struct kx_chunks *out,
				char *err, size_t errlen)
{
	if (len > INT32_MAX)
		return kx_errorf(err, errlen, "wolfSSL_write: %zu bytes is too much for one call", len);
	if (begin_output(s, out) != 0)
		return kx_errorf(err, errlen, "out of memory");
	int written = wolfSSL_write(s->ssl, data, (int)len);
	s->out = NULL;
	if (written != (int)len)
		return session_error("wolfSSL_write", wolfSSL_get_error(s->ssl, written), err, errlen);
	return 0;
}

static int wolfssl_session_receive(struct kx_session *s, const struct kx_chunks *in, uint8_t *buf, size_t cap,
				   size_t *len, char *err, size_t errlen)
{
	*len = 0;
	if (deliver(s, in) != 0)
		return kx_errorf(err, errlen, "out of memory");
	int ret = 1;
	while (*len < cap && ret > 0) {
		size_t room = cap - *len < INT32_MAX ? cap - *len : INT32_MAX;
		ret = wolfSSL_read(s->ssl, buf + *len, (int)room);
		if (ret > 0)
			*len += (size_t)ret;
	}
	int error = ret > 0 ? 0 : wolfSSL_get_error(s->ssl, ret);
	if (error != 0 && error != WOLFSSL_ERROR_WANT_READ)
		return session_error("wolfSSL_read", error, err, errlen);
	return 0;
}

/* wolfSSL leaves DTLS retransmission to a caller that does non-blocking I/O (io_recv never
 * blocks, so no time passes inside the library): wolfSSL_dtls_got_timeout resends the flight it
 * keeps, or nothing when it keeps none (a server that has only answered HelloVerifyRequest, an
 * end whose handshake is done). */
static enum kx_step_state wolfssl_session_timeout(struct kx_session *s, struct kx_chunks *out,
						  struct kx_failure *failure)
{
	if (s->failed) {
		*failure = s->failure;
		return KX_STEP_FAILED;
	}
	enum kx_step_state state = s->done ? KX_STEP_DONE : KX_STEP_HANDSHAKING;
	failure->text[0] = '\0';
	if (begin_output(s, out) != 0) {
		snprintf(failure->text, sizeof failure->text, "out of memory");
		state = KX_STEP_FAILED;
	} else if (s->config.dtls && wolfSSL_dtls_got_timeout(s->ssl) != WOLFSSL_SUCCESS) {
		state = KX_STEP_FAILED;
		describe_failure(s, wolfSSL_get_error(s->ssl, WOLFSSL_FATAL_ERROR), failure);
	}
	return end_call(s, state, failure);
}

static const struct kx_backend wolfssl_backend = {
	.name = "wolfssl",
	.library_version = wolfssl_version,
	.hmac = wolfssl_hmac,
	.tls12_prf = wolfssl_tls12_prf,
	.hkdf_extract = wolfssl_hkdf_extract,
	.hkdf_expand = wolfssl_hkdf_expand,
	.suite_available = wolfssl_suite_available,
	.session_new = wolfssl_session_new,
	.session_step = wolfssl_session_step,
	.session_info = wolfssl_session_info,
	.session_export = wolfssl_session_export,
	.session_send = wolfssl_session_send,
	.session_receive = wolfssl_session_receive,
	.session_free = wolfssl_session_free,
	.session_timeout = wolfssl_session_timeout,
};

const struct kx_backend *kx_backend(void)
{
	return &wolfssl_backend;
}
