/* openssl.c - the OpenSSL 3 backend: HMAC through EVP_MAC, the TLS 1.2 PRF
 * and HKDF through EVP_KDF ("TLS1-PRF", "HKDF"), digests named as the harness
 * names them ("SHA-256" is one of OpenSSL 3's names), and the suites the library
 * can negotiate. The only file of the harness that includes OpenSSL. */
#include "backend.h"
#include "core/errors.h"
#include "core/peer_names.h"
#include "core/tls_suites.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

/* Copies the oldest queued OpenSSL error, prefixed by what failed, into err. */
static int fail(const char *what, char *err, size_t errlen)
{
	char text[256] = "no error queued";
	unsigned long code = ERR_get_error();
	if (code != 0)
		ERR_error_string_n(code, text, sizeof text);
	ERR_clear_error();
	return kx_errorf(err, errlen, "%s: %s", what, text);
}

/* fail() for a PEM file the configuration names: which file, and what it was for. */
static int fail_file(const char *what, const char *file, char *err, size_t errlen)
{
	char text[4400];
	snprintf(text, sizeof text, "OpenSSL backend: cannot use the %s %s", what,
		 file[0] != '\0' ? file : "(none given)");
	return fail(text, err, errlen);
}

static const char *openssl_version(void)
{
	return OpenSSL_version(OPENSSL_VERSION);
}

static int openssl_hmac(enum kx_hash hash, const uint8_t *key, size_t key_len, const uint8_t *msg,
			size_t msg_len, uint8_t *out, char *err, size_t errlen)
{
	/* EVP_MAC rejects a NULL key even when its length is 0; RFC 2104 allows an empty key. */
	static const uint8_t empty[1];
	/* One context per hash, made once with its digest set: EVP_MAC_init with
	 * a new key and no parameters then re-keys it. Making, setting up and
	 * freeing a context per call (an EVP_MD fetch each time) cost 0.96 us of
	 * a 100-byte HMAC-SHA-256 here, re-keying 0.40 us. And the context keeps
	 * the last key: T(1)..T(4) of an e2e derivation are four HMACs under one
	 * key, and EVP_MAC_init with a NULL key starts again from the keyed state
	 * instead of hashing the padded key twice more (bench/RESULTS.md,
	 * "Vector checking"). The driver is single-threaded. */
	static struct {
		EVP_MAC_CTX *ctx;
		uint8_t key[256]; /* the key it holds, when keyed and no longer than this */
		size_t key_len;
		int keyed;
	} contexts[KX_SHA512 + 1];
	if (contexts[hash].ctx == NULL) {
		EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
		EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
		EVP_MAC_free(mac); /* the context keeps its own reference */
		OSSL_PARAM params[] = {
			OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)kx_hash_name(hash), 0),
			OSSL_PARAM_construct_end(),
		};
		if (ctx == NULL || EVP_MAC_CTX_set_params(ctx, params) != 1) {
			EVP_MAC_CTX_free(ctx);
			return fail("EVP_MAC HMAC", err, errlen);
		}
		contexts[hash].ctx = ctx;
	}
	EVP_MAC_CTX *ctx = contexts[hash].ctx;
	int same_key = contexts[hash].keyed && key_len == contexts[hash].key_len &&
		       memcmp(key_len ? key : empty, contexts[hash].key, key_len) == 0;
	int ok = EVP_MAC_init(ctx, same_key ? NULL : key_len ? key : empty, same_key ? 0 : key_len, NULL) == 1;
	contexts[hash].keyed = ok && key_len <= sizeof contexts[hash].key;
	if (contexts[hash].keyed && !same_key) {
		memcpy(contexts[hash].key, key_len ? key : empty, key_len);
		contexts[hash].key_len = key_len;
	}
	size_t out_len = 0;
	ok = ok && EVP_MAC_update(ctx, msg, msg_len) == 1 &&
	     EVP_MAC_final(ctx, out, &out_len, kx_hash_len(hash)) == 1 && out_len == kx_hash_len(hash);
	if (!ok)
		contexts[hash].keyed = 0;
	return ok ? 0 : fail("EVP_MAC HMAC", err, errlen);
}

/* Runs one EVP_KDF with the given parameters into out. */
static int derive(const char *kdf_name, OSSL_PARAM *params, uint8_t *out, size_t out_len, char *err,
		  size_t errlen)
{
	/* One context per KDF name, made once and reset after each use: the
	 * reset clears every parameter (the seed and info parameters would
	 * otherwise accumulate across calls) and cleanses the secrets, and saves
	 * making and freeing a context per call. The driver is single-threaded. */
	static struct {
		const char *name;
		EVP_KDF_CTX *ctx;
	} cache[4];
	EVP_KDF_CTX *ctx = NULL;
	for (size_t i = 0; i < sizeof cache / sizeof cache[0] && ctx == NULL; i++) {
		if (cache[i].name == NULL) {
			EVP_KDF *kdf = EVP_KDF_fetch(NULL, kdf_name, NULL);
			cache[i].ctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
			EVP_KDF_free(kdf); /* the context keeps its own reference */
			cache[i].name = cache[i].ctx != NULL ? kdf_name : NULL;
		}
		if (cache[i].name != NULL && strcmp(cache[i].name, kdf_name) == 0)
			ctx = cache[i].ctx;
	}
	int ok = ctx != NULL && EVP_KDF_derive(ctx, out, out_len, params) == 1;
	if (ctx != NULL)
		EVP_KDF_CTX_reset(ctx);
	if (!ok) {
		char what[64];
		snprintf(what, sizeof what, "EVP_KDF %s", kdf_name);
		return fail(what, err, errlen);
	}
	return 0;
}

static int openssl_tls12_prf(enum kx_hash hash, const uint8_t *secret, size_t secret_len, const char *label,
			     const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len, char *err,
			     size_t errlen)
{
	/* TLS1-PRF takes the label and the seed as consecutive seed parameters. */
	static const uint8_t empty[1];
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)kx_hash_name(hash), 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)(secret_len ? secret : empty),
						  secret_len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)label, strlen(label)),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)(seed_len ? seed : empty),
						  seed_len),
		OSSL_PARAM_construct_end(),
	};
	return derive("TLS1-PRF", params, out, out_len, err, errlen);
}

static int openssl_hkdf_extract(enum kx_hash hash, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
				size_t ikm_len, uint8_t *prk, char *err, size_t errlen)
{
	static const uint8_t empty[1];
	int mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)kx_hash_name(hash), 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(ikm_len ? ikm : empty), ikm_len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)(salt_len ? salt : empty),
						  salt_len),
		OSSL_PARAM_construct_end(),
	};
	return derive("HKDF", params, prk, kx_hash_len(hash), err, errlen);
}

static int openssl_hkdf_expand(enum kx_hash hash, const uint8_t *prk, size_t prk_len, const uint8_t *info,
			       size_t info_len, uint8_t *okm, size_t okm_len, char *err, size_t errlen)
{
	static const uint8_t empty[1];
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)kx_hash_name(hash), 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)prk, prk_len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)(info_len ? info : empty),
						  info_len),
		OSSL_PARAM_construct_end(),
	};
	return derive("HKDF", params, okm, okm_len, err, errlen);
}

/* OpenSSL's name for a suite of the core table that a TLS 1.2 (dtls = 0) or
 * DTLS 1.2 (dtls = 1) handshake can negotiate ("PSK-AES128-CCM8"), or NULL:
 * OpenSSL maps the IANA name to its own. */
static const char *suite_name(uint16_t iana_id, int dtls)
{
	const struct kx_tls_suite *suite = kx_tls12_suite(iana_id, dtls);
	const char *name = suite != NULL ? OPENSSL_cipher_name(suite->iana_name) : NULL;
	return name != NULL && strcmp(name, "(NONE)") != 0 ? name : NULL;
}

static int openssl_suite_available(uint16_t iana_id, int dtls)
{
	const char *name = suite_name(iana_id, dtls);
	if (name == NULL)
		return 0;
	SSL_CTX *ctx = SSL_CTX_new(dtls ? DTLS_method() : TLS_method());
	int available = 0;
	/* Pin the version so that a suite only usable below (D)TLS 1.2 is not counted. */
	if (ctx != NULL && SSL_CTX_set_min_proto_version(ctx, dtls ? DTLS1_2_VERSION : TLS1_2_VERSION) == 1 &&
	    SSL_CTX_set_max_proto_version(ctx, dtls ? DTLS1_2_VERSION : TLS1_2_VERSION) == 1 &&
	    SSL_CTX_set_cipher_list(ctx, name) == 1) {
		/* The context's list, not SSL_get1_supported_ciphers: that one drops PSK
		 * suites while no PSK callback is set. */
		STACK_OF(SSL_CIPHER) *ciphers = SSL_CTX_get_ciphers(ctx);
		for (int i = 0; ciphers != NULL && i < sk_SSL_CIPHER_num(ciphers); i++)
			if (SSL_CIPHER_get_protocol_id(sk_SSL_CIPHER_value(ciphers, i)) == iana_id)
				available = 1;
	}
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return available;
}

/* ---- Sessions: one SSL object over a BIO whose other side is the runner ---- */

struct kx_session {
	SSL_CTX *ctx;
	SSL *ssl;
	struct kx_endpoint_config config;
	const struct kx_chunks *in; /* the peer's chunks being delivered */
	size_t in_index, in_offset;
	struct kx_chunks *out; /* where the library's writes go during a call */
	int alert_sent, alert_received;
	char verify_note[400]; /* why our own certificate check refused the peer */
	int done;
	struct timeval *deadline; /* DTLS: the retransmission deadline the library handed its BIO */
};

static int session_ex_index = -1;

/* The BIO: writes become chunks (one per datagram for DTLS); reads serve the
 * delivered chunks, one datagram per read for DTLS, as a stream for TLS. */
static int chunk_bio_write(BIO *bio, const char *data, int len)
{
	struct kx_session *s = BIO_get_data(bio);
	BIO_clear_retry_flags(bio);
	if (s->out == NULL || len < 0)
		return -1;
	int ok = s->config.dtls ? kx_chunks_append(s->out, (const uint8_t *)data, (size_t)len)
				: kx_chunks_extend_last(s->out, (const uint8_t *)data, (size_t)len);
	return ok == 0 ? len : -1;
}

static int chunk_bio_read(BIO *bio, char *buf, int cap)
{
	struct kx_session *s = BIO_get_data(bio);
	BIO_clear_retry_flags(bio);
	if (s->in == NULL || s->in_index >= s->in->n || cap <= 0) {
		BIO_set_retry_read(bio);
		return -1;
	}
	const struct kx_chunk *chunk = &s->in->items[s->in_index];
	size_t left = chunk->len - s->in_offset;
	size_t n = left < (size_t)cap ? left : (size_t)cap;
	memcpy(buf, chunk->data + s->in_offset, n);
	/* A datagram is consumed whole even when the buffer was smaller, as a socket would. */
	if (s->config.dtls || n == left) {
		s->in_index++;
		s->in_offset = 0;
	} else {
		s->in_offset += n;
	}
	return (int)n;
}

static long chunk_bio_ctrl(BIO *bio, int cmd, long num, void *ptr)
{
	(void)num;
	(void)ptr;
	struct kx_session *s = BIO_get_data(bio);
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_PENDING: {
		size_t pending = 0;
		for (size_t i = s->in_index; s->in != NULL && i < s->in->n; i++)
			pending += s->in->items[i].len;
		return (long)(pending - s->in_offset);
	}
	case BIO_CTRL_DGRAM_QUERY_MTU:
	case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
		return (long)(s->config.mtu ? s->config.mtu : 1400);
	case BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT:
		s->deadline = ptr; /* see openssl_session_timeout */
		return 1;
	default:
		return 0;
	}
}

static BIO_METHOD *chunk_bio_method(void)
{
	static BIO_METHOD *method;
	if (method == NULL) {
		method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "kxconform chunks");
		BIO_meth_set_write(method, chunk_bio_write);
		BIO_meth_set_read(method, chunk_bio_read);
		BIO_meth_set_ctrl(method, chunk_bio_ctrl);
	}
	return method;
}

static struct kx_session *session_of(const SSL *ssl)
{
	return SSL_get_ex_data(ssl, session_ex_index);
}

static void alert_seen(const SSL *ssl, int where, int ret)
{
	struct kx_session *s = session_of(ssl);
	if (s == NULL || !(where & SSL_CB_ALERT))
		return;
	if (where & SSL_CB_READ)
		s->alert_received = ret & 0xff;
	else
		s->alert_sent = ret & 0xff;
}

/* Appends the peer certificate's DNS and URI subjectAltNames to names. */
static size_t subject_alt_names(X509 *cert, char names[][KX_NAME_MAX], size_t max)
{
	GENERAL_NAMES *sans = cert != NULL ? X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL) : NULL;
	size_t n = 0;
	for (int i = 0; sans != NULL && i < sk_GENERAL_NAME_num(sans) && n < max; i++) {
		const GENERAL_NAME *name = sk_GENERAL_NAME_value(sans, i);
		const char *kind = name->type == GEN_DNS ? "DNS" : name->type == GEN_URI ? "URI" : NULL;
		if (kind == NULL)
			continue;
		const ASN1_IA5STRING *value = name->type == GEN_DNS ? name->d.dNSName : name->d.uniformResourceIdentifier;
		snprintf(names[n++], KX_NAME_MAX, "%s:%.*s", kind, ASN1_STRING_length(value),
			 (const char *)ASN1_STRING_get0_data(value));
	}
	GENERAL_NAMES_free(sans);
	return n;
}

/* The configured peer name must be one of the leaf's subjectAltNames, compared
 * exactly: TR-0038's CSE names ("my.m2mprovider.org/in-cse") are not host names. */
static int verify_peer_name(int preverify_ok, X509_STORE_CTX *store)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct kx_session *s = session_of(ssl);
	if (!preverify_ok || s == NULL || s->config.expected_peer_name[0] == '\0' ||
	    X509_STORE_CTX_get_error_depth(store) != 0)
		return preverify_ok;
	char names[KX_MAX_PEER_NAMES][KX_NAME_MAX];
	size_t n = subject_alt_names(X509_STORE_CTX_get_current_cert(store), names, KX_MAX_PEER_NAMES);
	if (kx_peer_name_matches(names, n, s->config.expected_peer_name, s->verify_note, sizeof s->verify_note))
		return 1;
	X509_STORE_CTX_set_error(store, X509_V_ERR_HOSTNAME_MISMATCH);
	return 0;
}

static unsigned int psk_client(SSL *ssl, const char *hint, char *identity, unsigned int max_identity,
			       unsigned char *psk, unsigned int max_psk)
{
	(void)hint;
	struct kx_session *s = session_of(ssl);
	return s != NULL ? kx_psk_client_credential(&s->config, identity, max_identity, psk, max_psk) : 0;
}

/* TR-0038 7.1.2: the server finds the key by the identity the client sent. */
static unsigned int psk_server(SSL *ssl, const char *identity, unsigned char *psk, unsigned int max_psk)
{
	struct kx_session *s = session_of(ssl);
	return s != NULL ? kx_psk_server_key(&s->config, identity, psk, max_psk) : 0;
}

static int version_number(uint16_t version, int dtls)
{
	if (dtls)
		return version == KX_TLS1_2 ? DTLS1_2_VERSION : -1;
	switch (version) {
	case KX_TLS1_1:
		return TLS1_1_VERSION;
	case KX_TLS1_2:
		return TLS1_2_VERSION;
	case KX_TLS1_3:
		return TLS1_3_VERSION;
	}
	return -1;
}

/* Applies the configuration to a new context; 0, or -1 with err. */
static int configure(struct kx_session *s, char *err, size_t errlen)
{
	const struct kx_endpoint_config *c = &s->config;
	int min = version_number(c->min_version, c->dtls), max = version_number(c->max_version, c->dtls);
	if (min < 0 || max < 0)
		return kx_errorf(err, errlen, "OpenSSL backend: unsupported %s version range 0x%04x..0x%04x",
				 c->dtls ? "DTLS" : "TLS", c->min_version, c->max_version);
	/* OpenSSL 3 allows TLS 1.1 only at security level 0; negative cases need it. */
	if (!c->dtls && c->min_version < KX_TLS1_2)
		SSL_CTX_set_security_level(s->ctx, 0);
	if (SSL_CTX_set_min_proto_version(s->ctx, min) != 1 || SSL_CTX_set_max_proto_version(s->ctx, max) != 1)
		return fail("setting the protocol versions", err, errlen);

	char list[512] = "";
	for (size_t i = 0; i < c->n_suites; i++) {
		const char *name = suite_name(c->suites[i], c->dtls);
		if (name == NULL)
			return kx_errorf(err, errlen, "OpenSSL backend: unknown cipher suite 0x%04X",
					 c->suites[i]);
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ":" : "", name);
	}
	if (c->n_suites > 0 && SSL_CTX_set_cipher_list(s->ctx, list) != 1)
		return fail("SSL_CTX_set_cipher_list", err, errlen);

	/* The chain file holds the leaf, then the intermediates the end sends
	 * after it (pki/README.md); each file is named when it cannot be used. */
	if (c->cert_file[0] != '\0' && SSL_CTX_use_certificate_chain_file(s->ctx, c->cert_file) != 1)
		return fail_file("certificate chain", c->cert_file, err, errlen);
	if (c->cert_file[0] != '\0' &&
	    SSL_CTX_use_PrivateKey_file(s->ctx, c->key_file, SSL_FILETYPE_PEM) != 1)
		return fail_file("private key", c->key_file, err, errlen);
	if (c->ca_file[0] != '\0' && SSL_CTX_load_verify_locations(s->ctx, c->ca_file, NULL) != 1)
		return fail_file("CA file", c->ca_file, err, errlen);
	int verify = SSL_VERIFY_NONE;
	if (c->server && c->require_peer_cert)
		verify = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
	else if (!c->server && c->ca_file[0] != '\0')
		verify = SSL_VERIFY_PEER;
	SSL_CTX_set_verify(s->ctx, verify, verify_peer_name);

	/* ECDHE on P-256: left to the defaults, OpenSSL pairs agree on X25519 and
	 * a wolfSSL client talking to OpenSSL on P-521 (its first offer). P-384
	 * follows it because in TLS 1.2 the supported groups also bound the peer's
	 * ECDSA certificate key: an OpenSSL server whose key is on a curve the
	 * client did not list has "no shared cipher", an OpenSSL client refuses
	 * such a server certificate ("wrong curve"). Both ends list P-256 first,
	 * and the server takes the client's order, so ECDHE stays on P-256. */
	if (SSL_CTX_set1_groups_list(s->ctx, "P-256:P-384") != 1)
		return fail("SSL_CTX_set1_groups_list", err, errlen);
	SSL_CTX_set_info_callback(s->ctx, alert_seen);
	if (!c->session_tickets)
		SSL_CTX_set_options(s->ctx, SSL_OP_NO_TICKET);
	if (c->no_extended_master_secret)
		SSL_CTX_set_options(s->ctx, SSL_OP_NO_EXTENDED_MASTER_SECRET);
	if (c->dtls)
		SSL_CTX_set_options(s->ctx, SSL_OP_NO_QUERY_MTU);
	if (c->server && c->n_psk_table > 0)
		SSL_CTX_set_psk_server_callback(s->ctx, psk_server);
	if (!c->server && c->psk_len > 0)
		SSL_CTX_set_psk_client_callback(s->ctx, psk_client);
	return 0;
}

/* The DTLS retransmission timer's duration: an hour, so that it never expires by itself within a
 * case. A loaded machine would otherwise retransmit at random (OpenSSL retransmits on any read
 * once its deadline passed); the runner fires it instead (openssl_session_timeout). */
static unsigned int runner_clock(SSL *ssl, unsigned int previous_us)
{
	(void)ssl;
	(void)previous_us;
	return 3600u * 1000000u;
}

static struct kx_session *openssl_session_new(const struct kx_endpoint_config *config, char *err, size_t errlen)
{
	if (errlen > 0)
		err[0] = '\0';
	if (session_ex_index < 0)
		session_ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	struct kx_session *s = calloc(1, sizeof *s);
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->config = *config;
	s->alert_sent = s->alert_received = -1;
	s->ctx = SSL_CTX_new(config->dtls ? DTLS_method() : TLS_method());
	if (s->ctx == NULL || configure(s, err, errlen) != 0 || (s->ssl = SSL_new(s->ctx)) == NULL) {
		if (s->ctx != NULL && s->ssl == NULL && err[0] == '\0')
			fail("SSL_new", err, errlen);
		SSL_CTX_free(s->ctx);
		free(s);
		return NULL;
	}
	SSL_set_ex_data(s->ssl, session_ex_index, s);
	BIO *bio = BIO_new(chunk_bio_method());
	BIO_set_data(bio, s);
	BIO_set_init(bio, 1);
	SSL_set_bio(s->ssl, bio, bio);
	if (config->dtls) {
		SSL_set_mtu(s->ssl, (long)(config->mtu ? config->mtu : 1400));
		DTLS_set_timer_cb(s->ssl, runner_clock);
	}
	if (config->server) {
		SSL_set_accept_state(s->ssl);
	} else {
		SSL_set_connect_state(s->ssl);
		if (config->sni[0] != '\0')
			SSL_set_tlsext_host_name(s->ssl, config->sni);
	}
	return s;
}

/* Describes a failed call: the library's first queued error, the certificate
 * verification result and our own name check. */
static void describe_failure(struct kx_session *s, int ssl_error, struct kx_failure *failure)
{
	char text[256] = "";
	unsigned long code = ERR_get_error();
	if (code != 0)
		ERR_error_string_n(code, text, sizeof text);
	else
		snprintf(text, sizeof text, "SSL_do_handshake: SSL_get_error %d", ssl_error);
	ERR_clear_error();
	long verify = SSL_get_verify_result(s->ssl);
	snprintf(failure->text, sizeof failure->text, "%.160s%s%.60s%s%.270s", text,
		 verify != X509_V_OK ? "; certificate: " : "",
		 verify != X509_V_OK ? X509_verify_cert_error_string(verify) : "", s->verify_note[0] ? "; " : "",
		 s->verify_note);
}

static enum kx_step_state openssl_session_step(struct kx_session *s, const struct kx_chunks *in,
						struct kx_chunks *out, struct kx_failure *failure)
{
	static const struct kx_chunks none;
	s->in = in != NULL ? in : &none;
	s->in_index = s->in_offset = 0;
	s->out = out;
	enum kx_step_state state = KX_STEP_DONE;
	if (!s->done) {
		int ret = SSL_do_handshake(s->ssl);
		int error = ret == 1 ? SSL_ERROR_NONE : SSL_get_error(s->ssl, ret);
		if (ret == 1)
			s->done = 1;
		else if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE)
			state = KX_STEP_HANDSHAKING;
		else {
			state = KX_STEP_FAILED;
			describe_failure(s, error, failure);
		}
	}
	/* Whatever arrives with or after the last handshake flight is read now: a
	 * peer that sends records a finished handshake does not expect (a second
	 * ChangeCipherSpec and Finished, say) must be refused, not ignored. */
	if (state == KX_STEP_DONE && s->in_index < s->in->n) {
		uint8_t byte;
		int ret = SSL_peek(s->ssl, &byte, 1);
		int error = ret > 0 ? SSL_ERROR_NONE : SSL_get_error(s->ssl, ret);
		if (error != SSL_ERROR_NONE && error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
			state = KX_STEP_FAILED;
			describe_failure(s, error, failure);
		}
	}
	failure->alert_sent = s->alert_sent;
	failure->alert_received = s->alert_received;
	s->in = NULL;
	s->out = NULL;
	return state;
}

static int openssl_session_info(struct kx_session *s, struct kx_session_info *info, char *err, size_t errlen)
{
	memset(info, 0, sizeof *info);
	SSL_SESSION *session = SSL_get_session(s->ssl);
	const SSL_CIPHER *cipher = SSL_get_current_cipher(s->ssl);
	if (!s->done || session == NULL || cipher == NULL)
		return kx_errorf(err, errlen, "no completed handshake");
	info->version = (uint16_t)SSL_version(s->ssl);
	info->suite = SSL_CIPHER_get_protocol_id(cipher);
	snprintf(info->suite_name, sizeof info->suite_name, "%s", SSL_CIPHER_standard_name(cipher));
	SSL_get_client_random(s->ssl, info->client_random, sizeof info->client_random);
	SSL_get_server_random(s->ssl, info->server_random, sizeof info->server_random);
	SSL_SESSION_get_master_key(session, info->master_secret, sizeof info->master_secret);
	info->extended_master_secret = SSL_get_extms_support(s->ssl) == 1;
	const char *sni = s->config.server ? SSL_get_servername(s->ssl, TLSEXT_NAMETYPE_host_name) : s->config.sni;
	snprintf(info->sni, sizeof info->sni, "%s", sni != NULL ? sni : "");
	info->n_peer_names = subject_alt_names(SSL_get0_peer_certificate(s->ssl), info->peer_names, KX_MAX_PEER_NAMES);
	const char *identity = s->config.server ? SSL_get_psk_identity(s->ssl) : s->config.psk_identity;
	snprintf(info->psk_identity, sizeof info->psk_identity, "%s", identity != NULL ? identity : "");
	return 0;
}

static int openssl_session_export(struct kx_session *s, const char *label, uint8_t *out, size_t len, char *err,
				  size_t errlen)
{
	if (!s->done)
		return kx_errorf(err, errlen, "no completed handshake");
	if (SSL_export_keying_material(s->ssl, out, len, label, strlen(label), NULL, 0, 0) != 1)
		return fail("SSL_export_keying_material", err, errlen);
	return 0;
}

static int openssl_session_send(struct kx_session *s, const uint8_t *data, size_t len, struct kx_chunks *out,
				char *err, size_t errlen)
{
	s->out = out;
	int written = SSL_write(s->ssl, data, (int)len);
	s->out = NULL;
	return written == (int)len ? 0 : fail("SSL_write", err, errlen);
}

static int openssl_session_receive(struct kx_session *s, const struct kx_chunks *in, uint8_t *buf, size_t cap,
				   size_t *len, char *err, size_t errlen)
{
	s->in = in;
	s->in_index = s->in_offset = 0;
	*len = 0;
	int ret = 1;
	while (*len < cap && (ret = SSL_read(s->ssl, buf + *len, (int)(cap - *len))) > 0)
		*len += (size_t)ret;
	int error = ret > 0 ? SSL_ERROR_NONE : SSL_get_error(s->ssl, ret);
	s->in = NULL;
	if (error != SSL_ERROR_NONE && error != SSL_ERROR_WANT_READ)
		return fail("SSL_read", err, errlen);
	return 0;
}

static void openssl_session_free(struct kx_session *s)
{
	if (s == NULL)
		return;
	SSL_free(s->ssl);
	SSL_CTX_free(s->ctx);
	free(s);
}

#if OPENSSL_VERSION_NUMBER < 0x30200000L
/* OpenSSL has no call that expires the DTLS timer: DTLSv1_handle_timeout retransmits only once
 * the wall-clock deadline has passed. Up to 3.1 the deadline it hands the BIO
 * (BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT, read by BIO_s_datagram for its socket timeout) is its own
 * struct timeval, kept with the SSL object: moving it into the past is what an hour of waiting
 * would do. From 3.2 it is a copy on the stack, hence the version bound (a backend without the
 * function announces no dtls-timeout feature). An all-zero deadline means no timer runs. */
static enum kx_step_state openssl_session_timeout(struct kx_session *s, struct kx_chunks *out,
						  struct kx_failure *failure)
{
	enum kx_step_state state = s->done ? KX_STEP_DONE : KX_STEP_HANDSHAKING;
	struct timeval *deadline = s->deadline;
	if (s->config.dtls && deadline != NULL && (deadline->tv_sec != 0 || deadline->tv_usec != 0)) {
		deadline->tv_sec = 1;
		deadline->tv_usec = 0;
		s->out = out;
		if (DTLSv1_handle_timeout(s->ssl) < 0) {
			state = KX_STEP_FAILED;
			describe_failure(s, SSL_ERROR_SSL, failure);
		}
		s->out = NULL;
	}
	failure->alert_sent = s->alert_sent;
	failure->alert_received = s->alert_received;
	return state;
}
#endif

static const struct kx_backend openssl_backend = {
	.name = "openssl",
	.library_version = openssl_version,
	.hmac = openssl_hmac,
	.tls12_prf = openssl_tls12_prf,
	.hkdf_extract = openssl_hkdf_extract,
	.hkdf_expand = openssl_hkdf_expand,
	.suite_available = openssl_suite_available,
	.session_new = openssl_session_new,
	.session_step = openssl_session_step,
	.session_info = openssl_session_info,
	.session_export = openssl_session_export,
	.session_send = openssl_session_send,
	.session_receive = openssl_session_receive,
	.session_free = openssl_session_free,
#if OPENSSL_VERSION_NUMBER < 0x30200000L
	.session_timeout = openssl_session_timeout,
#endif
};

const struct kx_backend *kx_backend(void)
{
	return &openssl_backend;
}
