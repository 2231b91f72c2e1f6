/* test_tls_records.c - unit tests of the record readers (tls_stream.c,
 * dtls_datagrams.c, tls_flight.c, tls_msg_names.c and escertke_check.c in
 * harness/core/, all declared in tls_records.h) on TLS 1.2 and DTLS 1.2
 * flights built by hand (no TLS library, no network): the items each flight
 * yields, every truncation of each flight (an error, never an
 * out-of-bounds read: each parse reads an exact-size heap copy, so ASan sees
 * any overrun), hostile lengths and garbage, and the Table 8.7.2.2-1 check. */
#include "unit.h"

#include "core/chunks.h"
#include "core/tls_records.h"

enum {
	HS_CLIENT_HELLO = 1,
	HS_SERVER_HELLO = 2,
	HS_HELLO_VERIFY_REQUEST = 3,
	HS_NEW_SESSION_TICKET = 4,
	HS_CERTIFICATE = 11,
	HS_SERVER_KEY_EXCHANGE = 12,
	HS_CERTIFICATE_REQUEST = 13,
	HS_SERVER_HELLO_DONE = 14,
	HS_CERTIFICATE_VERIFY = 15,
	HS_CLIENT_KEY_EXCHANGE = 16,
	HS_FINISHED = 20
};

static char err[1024];

/* ---- building flights -------------------------------------------------- */

/* n bytes of a recognisable filler: certificates, keys and signatures are never read. */
static void filler(struct kx_bytes *x, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		kx_put8(x, (unsigned)(seed + 3 * i));
}

/* A minimal valid ClientHello body: version, random, empty session id, one
 * suite (0xC023), null compression, no extensions: 41 bytes. */
static struct kx_bytes client_hello_body(void)
{
	struct kx_bytes x = {.n = 0};

	kx_put16(&x, 0x0303);
	filler(&x, 32, 0x11);
	kx_put8(&x, 0);
	kx_put16(&x, 2);
	kx_put16(&x, 0xC023);
	kx_put8(&x, 1);
	kx_put8(&x, 0);
	return x;
}

/* The DTLS one has a cookie and offers 0xC0AE: 42 bytes. */
static struct kx_bytes dtls_client_hello_body(void)
{
	struct kx_bytes x = {.n = 0};

	kx_put16(&x, 0xFEFD);
	filler(&x, 32, 0x22);
	kx_put8(&x, 0);
	kx_put8(&x, 0);
	kx_put16(&x, 2);
	kx_put16(&x, 0xC0AE);
	kx_put8(&x, 1);
	kx_put8(&x, 0);
	return x;
}

static struct kx_bytes server_hello_body(void)
{
	struct kx_bytes x = {.n = 0};

	kx_put16(&x, 0x0303);
	filler(&x, 32, 0x33);
	kx_put8(&x, 0);
	kx_put16(&x, 0xC023);
	kx_put8(&x, 0);
	return x;
}

/* A certificate_list with one 200-byte "certificate": 206 bytes. */
static struct kx_bytes certificate_body(void)
{
	struct kx_bytes x = {.n = 0};

	kx_put24(&x, 203);
	kx_put24(&x, 200);
	filler(&x, 200, 0x30);
	return x;
}

static struct kx_bytes empty_certificate_body(void)
{
	struct kx_bytes x = {.n = 0};

	kx_put24(&x, 0);
	return x;
}

static struct kx_bytes opaque_body(size_t n, uint8_t seed)
{
	struct kx_bytes x = {.n = 0};

	filler(&x, n, seed);
	return x;
}

static struct kx_bytes empty_body(void)
{
	struct kx_bytes x = {.n = 0};

	return x;
}

/* Appends a handshake message: type, 24-bit length, body. */
static void handshake(struct kx_bytes *x, uint8_t type, const struct kx_bytes *body)
{
	kx_put8(x, type);
	kx_put24(x, (unsigned)body->n);
	kx_put(x, body->b, body->n);
}

static void tls_record(struct kx_bytes *x, uint8_t type, const uint8_t *payload, size_t n)
{
	kx_put8(x, type);
	kx_put16(x, 0x0303);
	kx_put16(x, (unsigned)n);
	kx_put(x, payload, n);
}

static void dtls_record(struct kx_bytes *x, uint8_t type, unsigned version, unsigned epoch, uint64_t seq,
                        const uint8_t *payload, size_t n)
{
	kx_put8(x, type);
	kx_put16(x, version);
	kx_put16(x, epoch);
	kx_put16(x, (unsigned)(seq >> 32));
	kx_put16(x, (unsigned)(seq >> 16));
	kx_put16(x, (unsigned)seq);
	kx_put16(x, (unsigned)n);
	kx_put(x, payload, n);
}

/* A DTLS handshake fragment: bytes [off, off+len) of the body. */
static void dtls_fragment(struct kx_bytes *x, uint8_t type, const struct kx_bytes *body, unsigned message_seq,
                          size_t off, size_t len)
{
	kx_put8(x, type);
	kx_put24(x, (unsigned)body->n);
	kx_put16(x, message_seq);
	kx_put24(x, (unsigned)off);
	kx_put24(x, (unsigned)len);
	kx_put(x, body->b + off, len);
}

/* ESCertKE message 1: the ClientHello record (50 bytes). */
static struct kx_bytes flight1(void)
{
	struct kx_bytes hs = {.n = 0}, x = {.n = 0};
	struct kx_bytes ch = client_hello_body();

	handshake(&hs, HS_CLIENT_HELLO, &ch);
	tls_record(&x, 22, hs.b, hs.n);
	return x;
}

/* ESCertKE message 2: five handshake messages coalesced in one record. */
static struct kx_bytes flight2(void)
{
	struct kx_bytes hs = {.n = 0}, x = {.n = 0};
	struct kx_bytes sh = server_hello_body(), cert = certificate_body(), ske = opaque_body(100, 0x44),
	             cr = opaque_body(7, 0x55), shd = empty_body();

	handshake(&hs, HS_SERVER_HELLO, &sh);
	handshake(&hs, HS_CERTIFICATE, &cert);
	handshake(&hs, HS_SERVER_KEY_EXCHANGE, &ske);
	handshake(&hs, HS_CERTIFICATE_REQUEST, &cr);
	handshake(&hs, HS_SERVER_HELLO_DONE, &shd);
	tls_record(&x, 22, hs.b, hs.n);
	return x;
}

static const uint8_t ccs[] = {1};

/* ESCertKE message 3: Certificate, ClientKeyExchange, CertificateVerify in
 * one record, ChangeCipherSpec, and a 40-byte encrypted Finished. */
static struct kx_bytes flight3(const struct kx_bytes *cert)
{
	struct kx_bytes hs = {.n = 0}, x = {.n = 0};
	struct kx_bytes cke = opaque_body(66, 0x66), cv = opaque_body(68, 0x77), fin = opaque_body(40, 0x88);

	if (cert != NULL)
		handshake(&hs, HS_CERTIFICATE, cert);
	handshake(&hs, HS_CLIENT_KEY_EXCHANGE, &cke);
	if (cert != NULL && cert->n > 3)
		handshake(&hs, HS_CERTIFICATE_VERIFY, &cv);
	tls_record(&x, 22, hs.b, hs.n);
	tls_record(&x, 20, ccs, 1);
	tls_record(&x, 22, fin.b, fin.n);
	return x;
}

/* ESCertKE message 4: ChangeCipherSpec and encrypted Finished (6 + 45 bytes). */
static struct kx_bytes flight4(void)
{
	struct kx_bytes x = {.n = 0}, fin = opaque_body(40, 0x99);

	tls_record(&x, 20, ccs, 1);
	tls_record(&x, 22, fin.b, fin.n);
	return x;
}

/* ---- parsing, on exact-size heap copies -------------------------------- */

static int parse_tls(const uint8_t *b, size_t n, struct kx_tls_direction *dir, struct kx_tls_flight *f)
{
	uint8_t *copy = malloc(n ? n : 1);
	int rc;

	assert_non_null(copy);
	if (n > 0)
		memcpy(copy, b, n);
	err[0] = '\0';
	rc = kx_tls_parse_stream(copy, n, dir, f, err, sizeof err);
	free(copy);
	if (rc != 0) {
		assert_int_equal(f->n_items, 0);
		assert_null(f->items);
		assert_true(err[0] != '\0');
	}
	return rc;
}

/* Parses with a fresh direction, expecting success. */
static void parse_ok(const struct kx_bytes *x, struct kx_tls_flight *f)
{
	struct kx_tls_direction dir = {0};

	if (parse_tls(x->b, x->n, &dir, f) != 0)
		fail_msg("parse failed: %s", err);
}

/* kx_chunks_append copies each datagram into its own exact-size allocation. */
static int parse_dtls(const struct kx_bytes *dgrams, size_t n, struct kx_tls_direction *dir,
                      struct kx_tls_flight *f)
{
	struct kx_chunks chunks = {NULL, 0, 0};
	int rc;

	for (size_t i = 0; i < n; i++)
		assert_int_equal(kx_chunks_append(&chunks, dgrams[i].b, dgrams[i].n), 0);
	err[0] = '\0';
	rc = kx_dtls_parse_datagrams(&chunks, dir, f, err, sizeof err);
	kx_chunks_clear(&chunks);
	if (rc != 0) {
		assert_int_equal(f->n_items, 0);
		assert_true(err[0] != '\0');
	}
	return rc;
}

static const char *summary(const struct kx_tls_flight *f)
{
	static char s[512];

	kx_tls_flight_summary(f, s, sizeof s);
	return s;
}

/* Spec README point 12: the deviation of a message 2 that does not ask for the client's certificate. */
#define NO_CERTIFICATE_REQUEST                                                                              \
	"ESCertKE message 2 lacks CertificateRequest: the Terminating End-Point does not ask for the "         \
	"Initiating End-Point's certificate, and ESCertKE authenticates both end-points (Table 8.7.2.2-1, "     \
	"spec point 12)"

static void expect_error(const char *expected)
{
	if (strcmp(err, expected) != 0)
		fail_msg("error \"%s\", expected \"%s\"", err, expected);
}

/* Every prefix of the flight is refused with an error naming an offset,
 * except the cuts listed, which end between records and read as shorter
 * flights. */
static void every_truncation_fails(const struct kx_bytes *x, const size_t *whole, size_t n_whole)
{
	for (size_t cut = 1; cut < x->n; cut++) {
		struct kx_tls_direction dir = {0};
		struct kx_tls_flight f;
		int allowed = 0;

		for (size_t i = 0; i < n_whole; i++)
			allowed |= whole[i] == cut;
		if (allowed) {
			assert_int_equal(parse_tls(x->b, cut, &dir, &f), 0);
			kx_tls_flight_free(&f);
			continue;
		}
		if (parse_tls(x->b, cut, &dir, &f) != -1)
			fail_msg("a flight cut after %zu of %zu bytes was accepted", cut, x->n);
		assert_non_null(strstr(err, "offset"));
		assert_int_equal(dir.ccs_sent, 0); /* unchanged on error */
	}
}

/* ---- TLS flights ------------------------------------------------------- */

static void test_client_hello_record(void **state)
{
	struct kx_bytes x = flight1(), ch = client_hello_body();
	struct kx_tls_flight f;

	(void)state;
	assert_int_equal(x.n, 50);
	parse_ok(&x, &f);
	assert_int_equal(f.n_records, 1);
	assert_int_equal(f.records[0].content_type, 22);
	assert_int_equal(f.records[0].version, 0x0303);
	assert_int_equal(f.records[0].length, 45);
	assert_int_equal(f.n_items, 1);
	assert_int_equal(f.items[0].msg, KX_MSG_CLIENT_HELLO);
	assert_int_equal(f.items[0].handshake_type, 1);
	assert_int_equal(f.items[0].encrypted, 0);
	assert_int_equal(f.items[0].length, 41);
	assert_memory_equal(f.items[0].body, ch.b, 41);
	assert_int_equal(f.items[0].offset, 5);
	assert_int_equal(f.items[0].n_records, 1);
	assert_string_equal(summary(&f), "ClientHello");
	assert_int_equal(kx_escertke_check(1, &f, err, sizeof err), 0);
	assert_string_equal(err, "");
	kx_tls_flight_free(&f);
	every_truncation_fails(&x, NULL, 0);
}

static void test_coalesced_flight(void **state)
{
	struct kx_bytes x = flight2();
	struct kx_tls_flight f;
	static const size_t offsets[] = {5, 5 + 4 + 38, 47 + 4 + 206, 257 + 4 + 100, 361 + 4 + 7};

	(void)state;
	parse_ok(&x, &f);
	assert_int_equal(f.n_records, 1);
	assert_int_equal(f.n_items, 5);
	assert_string_equal(
	    summary(&f), "ServerHello, Certificate, ServerKeyExchange, CertificateRequest, ServerHelloDone");
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(f.items[i].offset, offsets[i]);
		assert_int_equal(f.items[i].record, 0);
		assert_int_equal(f.items[i].n_records, 1);
	}
	assert_int_equal(f.items[4].length, 0);
	assert_int_equal(kx_escertke_check(2, &f, err, sizeof err), 0);
	kx_tls_flight_free(&f);
	every_truncation_fails(&x, NULL, 0);
}

/* A Certificate split across two records, the second of which also holds
 * ServerHelloDone; then a header itself split across three records. */
static void test_message_split_across_records(void **state)
{
	struct kx_bytes sh = server_hello_body(), cert = certificate_body(), shd = empty_body();
	struct kx_bytes hs = {.n = 0}, x = {.n = 0};
	struct kx_tls_flight f;
	size_t first;

	(void)state;
	handshake(&hs, HS_SERVER_HELLO, &sh);       /* 42 bytes */
	handshake(&hs, HS_CERTIFICATE, &cert);      /* 210 bytes, at 42 */
	handshake(&hs, HS_SERVER_HELLO_DONE, &shd); /* 4 bytes, at 252 */
	first = 142;
	tls_record(&x, 22, hs.b, first);
	tls_record(&x, 22, hs.b + first, hs.n - first);
	parse_ok(&x, &f);
	assert_int_equal(f.n_records, 2);
	assert_string_equal(summary(&f), "ServerHello, Certificate, ServerHelloDone");
	assert_int_equal(f.items[1].offset, 5 + 42);
	assert_int_equal(f.items[1].record, 0);
	assert_int_equal(f.items[1].n_records, 2);
	assert_int_equal(f.items[1].length, 206);
	assert_memory_equal(f.items[1].body, cert.b, 206);
	/* ServerHelloDone is in the second record, after its header. */
	assert_int_equal(f.items[2].offset, 5 + first + 5 + (252 - first));
	assert_int_equal(f.items[2].record, 1);
	assert_int_equal(f.items[2].n_records, 1);
	assert_int_equal(kx_escertke_check(2, &f, err, sizeof err), -1);
	expect_error(NO_CERTIFICATE_REQUEST);
	kx_tls_flight_free(&f);
	/* The cut between the two records leaves the Certificate incomplete. */
	every_truncation_fails(&x, NULL, 0);

	/* ServerHello header split 2 + 1 + 1 bytes over three records. */
	x.n = 0;
	tls_record(&x, 22, hs.b, 2);
	tls_record(&x, 22, hs.b + 2, 1);
	tls_record(&x, 22, hs.b + 3, 39);
	parse_ok(&x, &f);
	assert_int_equal(f.n_records, 3);
	assert_int_equal(f.n_items, 1);
	assert_int_equal(f.items[0].msg, KX_MSG_SERVER_HELLO);
	assert_int_equal(f.items[0].offset, 5);
	assert_int_equal(f.items[0].n_records, 3);
	assert_memory_equal(f.items[0].body, sh.b, sh.n);
	kx_tls_flight_free(&f);
	every_truncation_fails(&x, NULL, 0);
}

static void test_ccs_and_encrypted_finished(void **state)
{
	struct kx_bytes x = flight4(), fin = opaque_body(40, 0x99);
	struct kx_tls_direction dir = {0};
	struct kx_tls_flight f;
	static const size_t whole[] = {6};

	(void)state;
	assert_int_equal(parse_tls(x.b, x.n, &dir, &f), 0);
	assert_int_equal(dir.ccs_sent, 1);
	assert_int_equal(f.n_items, 2);
	assert_int_equal(f.items[0].msg, KX_MSG_CHANGE_CIPHER_SPEC);
	assert_int_equal(f.items[0].encrypted, 0);
	assert_int_equal(f.items[1].msg, KX_MSG_FINISHED);
	assert_int_equal(f.items[1].encrypted, 1);
	assert_int_equal(f.items[1].length, 40);
	assert_memory_equal(f.items[1].body, fin.b, 40);
	assert_int_equal(f.items[1].offset, 6);
	assert_string_equal(summary(&f), "ChangeCipherSpec, Finished");
	assert_int_equal(kx_escertke_check(4, &f, err, sizeof err), 0);
	kx_tls_flight_free(&f);
	every_truncation_fails(&x, whole, 1);
}

static void test_client_flight_with_certificate(void **state)
{
	struct kx_bytes cert = certificate_body(), x = flight3(&cert);
	struct kx_tls_flight f;
	static const size_t whole[] = {357, 363};

	(void)state;
	assert_int_equal(x.n, 408);
	parse_ok(&x, &f);
	assert_string_equal(summary(&f),
	                    "Certificate, ClientKeyExchange, CertificateVerify, ChangeCipherSpec, Finished");
	assert_int_equal(f.n_records, 3);
	assert_int_equal(f.items[4].record, 2);
	assert_int_equal(f.items[4].encrypted, 1);
	assert_int_equal(kx_escertke_check(3, &f, err, sizeof err), 0);
	kx_tls_flight_free(&f);
	every_truncation_fails(&x, whole, 2);
}

/* The direction's state goes from flight to flight: a handshake record is
 * readable before ChangeCipherSpec and opaque after it. */
static void test_direction_state_is_carried(void **state)
{
	struct kx_bytes x = flight4(), fin = {.n = 0};
	struct kx_tls_direction dir = {0};
	struct kx_tls_flight f;

	(void)state;
	assert_int_equal(parse_tls(x.b, x.n, &dir, &f), 0);
	kx_tls_flight_free(&f);
	assert_int_equal(dir.ccs_sent, 1);

	x = flight1(); /* a ClientHello-shaped record, but after ChangeCipherSpec */
	assert_int_equal(parse_tls(x.b, x.n, &dir, &f), 0);
	assert_int_equal(f.n_items, 1);
	assert_int_equal(f.items[0].msg, KX_MSG_FINISHED);
	assert_int_equal(f.items[0].encrypted, 1);
	assert_int_equal(f.items[0].length, 45);
	kx_tls_flight_free(&f);

	/* The 40 opaque bytes of an encrypted Finished read without the state
	 * as a handshake header announcing far more than is there. */
	tls_record(&fin, 22, opaque_body(40, 0x88).b, 40);
	dir.ccs_sent = 0;
	assert_int_equal(parse_tls(fin.b, fin.n, &dir, &f), -1);
	expect_error(
	    "the flight ends inside a handshake message of unknown type 136 at offset 5 (it declares "
	    "9146001 bytes, 36 received): a handshake message longer than its records");
	assert_int_equal(dir.ccs_sent, 0);
}

static void test_record_errors(void **state)
{
	static const uint8_t bad_version[] = {22, 0, 0, 0, 5, 1, 2, 3, 4, 5};
	static const uint8_t too_long[] = {23, 3, 3, 0x48, 0x01};
	static const uint8_t empty_handshake[] = {22, 3, 3, 0, 0};
	static const uint8_t empty_alert[] = {21, 3, 3, 0, 0};
	static const uint8_t bad_ccs[] = {20, 3, 3, 0, 1, 2};
	static const uint8_t long_ccs[] = {20, 3, 3, 0, 2, 1, 1};
	static const uint8_t odd_alert[] = {21, 3, 3, 0, 3, 2, 40, 0};
	static const uint8_t huge_handshake[] = {22, 3, 3, 0, 14, 11, 0xff, 0xff, 0xff, 1,
	                                         2,  3, 4, 5, 6,  7,  8,    9,    10};
	static const uint8_t tls13_version[] = {22, 3, 4, 0, 1, 0};
	struct kx_bytes x = flight1();
	struct kx_tls_direction dir = {0};
	struct kx_tls_flight f;

	(void)state;
	assert_int_equal(parse_tls(bad_version, sizeof bad_version, &dir, &f), -1);
	expect_error("record at offset 0 has version 0x0000, not TLS (0x0300..0x0303): not a record header");
	kx_put(&x, tls13_version, sizeof tls13_version);
	assert_int_equal(parse_tls(x.b, x.n, &dir, &f), -1);
	expect_error("record at offset 50 has version 0x0304, not TLS (0x0300..0x0303): not a record header");
	assert_int_equal(parse_tls(too_long, sizeof too_long, &dir, &f), -1);
	expect_error("record at offset 0 declares 18433 bytes, more than the TLS 1.2 maximum of 18432");
	x = flight1();
	assert_int_equal(parse_tls(x.b, 3, &dir, &f), -1);
	expect_error("record header at offset 0 is truncated: 3 of 5 bytes");
	assert_int_equal(parse_tls(x.b, 20, &dir, &f), -1);
	expect_error("record at offset 0 is truncated: it declares 45 bytes, 15 follow");
	assert_int_equal(parse_tls(empty_handshake, sizeof empty_handshake, &dir, &f), -1);
	expect_error("Handshake record at offset 0 is empty (RFC 5246 6.2.1 forbids it)");
	assert_int_equal(parse_tls(empty_alert, sizeof empty_alert, &dir, &f), -1);
	expect_error("Alert record at offset 0 is empty (RFC 5246 6.2.1 forbids it)");
	assert_int_equal(parse_tls(bad_ccs, sizeof bad_ccs, &dir, &f), -1);
	expect_error(
	    "ChangeCipherSpec record at offset 0 holds 1 byte(s) starting 0x02; RFC 5246 7.1 requires the "
	    "single byte 0x01");
	assert_int_equal(parse_tls(long_ccs, sizeof long_ccs, &dir, &f), -1);
	expect_error(
	    "ChangeCipherSpec record at offset 0 holds 2 byte(s) starting 0x01; RFC 5246 7.1 requires the "
	    "single byte 0x01");
	assert_int_equal(parse_tls(odd_alert, sizeof odd_alert, &dir, &f), -1);
	expect_error("Alert record at offset 0 holds 3 bytes, not a whole number of 2-byte alerts");
	assert_int_equal(parse_tls(huge_handshake, sizeof huge_handshake, &dir, &f), -1);
	expect_error(
	    "the flight ends inside the Certificate handshake message at offset 5 (it declares 16777215 "
	    "bytes, 10 received): a handshake message longer than its records");
}

/* A handshake message must be whole before a record of another type. */
static void test_interrupted_handshake_message(void **state)
{
	struct kx_bytes cert = certificate_body(), hs = {.n = 0}, x = {.n = 0};
	static const uint8_t alert[] = {2, 40};
	struct kx_tls_direction dir = {0};
	struct kx_tls_flight f;

	(void)state;
	handshake(&hs, HS_CERTIFICATE, &cert);
	tls_record(&x, 22, hs.b, 100);
	tls_record(&x, 20, ccs, 1);
	tls_record(&x, 22, hs.b + 100, hs.n - 100);
	assert_int_equal(parse_tls(x.b, x.n, &dir, &f), -1);
	expect_error(
	    "ChangeCipherSpec record at offset 105 interrupts the Certificate handshake message at offset 5 "
	    "(it declares 206 bytes, 96 received)");
	assert_int_equal(dir.ccs_sent, 0);

	x.n = 0;
	tls_record(&x, 22, hs.b, 2);
	tls_record(&x, 21, alert, 2);
	assert_int_equal(parse_tls(x.b, x.n, &dir, &f), -1);
	expect_error(
	    "Alert record at offset 7 interrupts the handshake header at offset 5 (2 of 4 bytes received)");
}

static void test_alerts(void **state)
{
	static const uint8_t warning[] = {1, 0};
	static const uint8_t two_fatal[] = {2, 40, 2, 199};
	static const uint8_t odd_level[] = {7, 40};
	struct kx_bytes x = {.n = 0}, encrypted = opaque_body(26, 1), ccs2 = opaque_body(25, 2);
	struct kx_tls_flight f;

	(void)state;
	tls_record(&x, 21, warning, 2);
	tls_record(&x, 21, two_fatal, 4);
	tls_record(&x, 21, odd_level, 2);
	tls_record(&x, 20, ccs, 1);
	tls_record(&x, 21, encrypted.b, encrypted.n);
	tls_record(&x, 20, ccs2.b, ccs2.n); /* renegotiation: protected by the first */
	parse_ok(&x, &f);
	assert_string_equal(summary(&f),
	                    "Alert(warning, close_notify), Alert(fatal, handshake_failure), Alert(fatal, "
	                    "199), Alert(level 7, handshake_failure), ChangeCipherSpec, Alert(encrypted), "
	                    "ChangeCipherSpec");
	assert_int_equal(f.items[1].alert_level, 2);
	assert_int_equal(f.items[1].alert_description, 40);
	assert_int_equal(f.items[2].record, 1);
	assert_int_equal(f.items[5].alert_level, -1);
	assert_int_equal(f.items[5].encrypted, 1);
	assert_int_equal(f.items[6].encrypted, 1);
	kx_tls_flight_free(&f);
}

static void test_other_items(void **state)
{
	struct kx_bytes x = {.n = 0}, hs = {.n = 0}, b3 = opaque_body(3, 5), nst = opaque_body(22, 6);
	struct kx_bytes status = opaque_body(9, 7), empty = empty_body();
	struct kx_tls_flight f;

	(void)state;
	handshake(&hs, 0, &empty); /* HelloRequest */
	handshake(&hs, 99, &b3);
	handshake(&hs, HS_NEW_SESSION_TICKET, &nst);
	handshake(&hs, 22, &status);      /* CertificateStatus */
	handshake(&hs, HS_FINISHED, &b3); /* plaintext: no ChangeCipherSpec before it */
	tls_record(&x, 22, hs.b, hs.n);
	tls_record(&x, 24, b3.b, b3.n); /* heartbeat */
	tls_record(&x, 23, b3.b, b3.n);
	tls_record(&x, 200, empty.b, 0); /* an unknown type may be empty */
	parse_ok(&x, &f);
	assert_string_equal(summary(&f),
	                    "HelloRequest, Unknown(handshake type 99), NewSessionTicket, "
	                    "CertificateStatus, Finished, Unknown(content type 24), ApplicationData, "
	                    "Unknown(content type 200)");
	assert_int_equal(f.items[4].encrypted, 0);
	assert_int_equal(f.items[6].encrypted, 1);
	assert_int_equal(f.items[7].length, 0);
	assert_string_equal(kx_tls_msg_name(KX_MSG_SERVER_KEY_EXCHANGE), "ServerKeyExchange");
	assert_string_equal(kx_tls_msg_name(KX_MSG_COUNT), "Unknown");
	kx_tls_flight_free(&f);
}

static void test_empty_stream(void **state)
{
	struct kx_tls_direction dir = {0};
	struct kx_tls_flight f;

	(void)state;
	assert_int_equal(parse_tls(NULL, 0, &dir, &f), 0);
	assert_int_equal(f.n_items, 0);
	assert_string_equal(summary(&f), "(empty)");
	assert_int_equal(kx_escertke_check(1, &f, err, sizeof err), -1);
	expect_error("ESCertKE message 1 is empty; ESCertKE message 1 lacks ClientHello, which Table "
	             "8.7.2.2-1 requires");
	kx_tls_flight_free(&f);
	kx_tls_flight_free(NULL);
}

/* ---- DTLS flights ------------------------------------------------------ */

/* A DTLS ClientHello in two fragments [0,20) and [20,42), one per datagram. */
static void fragmented_client_hello(struct kx_bytes d[2])
{
	struct kx_bytes ch = dtls_client_hello_body(), frag = {.n = 0};

	d[0].n = 0;
	d[1].n = 0;
	dtls_fragment(&frag, HS_CLIENT_HELLO, &ch, 0, 0, 20);
	dtls_record(&d[0], 22, 0xFEFF, 0, 0, frag.b, frag.n);
	frag.n = 0;
	dtls_fragment(&frag, HS_CLIENT_HELLO, &ch, 0, 20, 22);
	dtls_record(&d[1], 22, 0xFEFD, 0, 1, frag.b, frag.n);
}

static void test_dtls_fragmented_client_hello(void **state)
{
	struct kx_bytes d[2], swapped[2], ch = dtls_client_hello_body();
	struct kx_tls_direction dir = {0};
	struct kx_tls_flight f;

	(void)state;
	fragmented_client_hello(d);
	assert_int_equal(parse_dtls(d, 2, &dir, &f), 0);
	assert_int_equal(f.dtls, 1);
	assert_int_equal(f.n_records, 2);
	assert_int_equal(f.records[0].version, 0xFEFF);
	assert_int_equal(f.records[1].sequence, 1);
	assert_int_equal(f.records[1].datagram, 1);
	assert_int_equal(f.n_items, 1);
	assert_int_equal(f.items[0].msg, KX_MSG_CLIENT_HELLO);
	assert_int_equal(f.items[0].length, 42);
	assert_memory_equal(f.items[0].body, ch.b, 42);
	assert_int_equal(f.items[0].n_records, 2);
	assert_int_equal(f.items[0].datagram, 0);
	assert_int_equal(f.items[0].offset, 13);
	assert_int_equal(kx_escertke_check(1, &f, err, sizeof err), 0);
	kx_tls_flight_free(&f);

	/* Fragments arriving in the other order make the same message. */
	swapped[0] = d[1];
	swapped[1] = d[0];
	assert_int_equal(parse_dtls(swapped, 2, &dir, &f), 0);
	assert_int_equal(f.n_items, 1);
	assert_memory_equal(f.items[0].body, ch.b, 42);
	kx_tls_flight_free(&f);

	/* Every truncation of either datagram loses part of the message. */
	for (size_t which = 0; which < 2; which++) {
		for (size_t cut = 0; cut < d[which].n; cut++) {
			struct kx_bytes t[2] = {d[0], d[1]};

			t[which].n = cut;
			if (parse_dtls(t, 2, &dir, &f) != -1)
				fail_msg("datagram %zu cut after %zu bytes was accepted", which, cut);
			assert_non_null(strstr(err, "datagram"));
		}
	}
	/* Only the first fragment: the message is incomplete. */
	assert_int_equal(parse_dtls(d, 1, &dir, &f), -1);
	expect_error("ClientHello (message_seq 0) at datagram 0 offset 13 is incomplete: 20 of its 42 bytes "
	             "are in the "
	             "flight");
}

static void test_dtls_overlapping_fragments(void **state)
{
	struct kx_bytes ch = dtls_client_hello_body(), d[2] = {{.n = 0}, {.n = 0}}, frag = {.n = 0};
	struct kx_tls_direction dir = {0};
	struct kx_tls_flight f;

	(void)state;
	/* Two fragments in one record, overlapping on [10,30) with equal bytes. */
	dtls_fragment(&frag, HS_CLIENT_HELLO, &ch, 0, 0, 30);
	dtls_fragment(&frag, HS_CLIENT_HELLO, &ch, 0, 10, 32);
	dtls_record(&d[0], 22, 0xFEFD, 0, 0, frag.b, frag.n);
	assert_int_equal(parse_dtls(d, 1, &dir, &f), 0);
	assert_int_equal(f.n_items, 1);
	assert_int_equal(f.items[0].n_records, 2);
	assert_memory_equal(f.items[0].body, ch.b, 42);
	kx_tls_flight_free(&f);

	/* The same, but the second fragment disagrees at byte 12. */
	d[0].n = 0;
	frag.n = 0;
	dtls_fragment(&frag, HS_CLIENT_HELLO, &ch, 0, 0, 30);
	dtls_record(&d[0], 22, 0xFEFD, 0, 0, frag.b, frag.n);
	frag.n = 0;
	dtls_fragment(&frag, HS_CLIENT_HELLO, &ch, 0, 10, 32);
	frag.b[12 + 2] ^= 0xff;
	dtls_record(&d[1], 22, 0xFEFD, 0, 1, frag.b, frag.n);
	assert_int_equal(parse_dtls(d, 2, &dir, &f), -1);
	expect_error(
	    "handshake fragment at datagram 1 offset 13 contradicts an earlier fragment at byte 12 of "
	    "ClientHello");
}

static void test_dtls_fragment_errors(void **state)
{
	struct kx_bytes ch = dtls_client_hello_body(), sh = server_hello_body(), d[2] = {{.n = 0}, {.n = 0}};
	struct kx_bytes frag = {.n = 0};
	struct kx_tls_direction dir = {0};
	struct kx_tls_flight f;
	static const uint8_t five[] = {1, 0, 0, 42, 0};
	static const uint8_t huge[] = {1, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0};
	static const uint8_t long_frag[] = {1, 0, 0, 42, 0, 0, 0, 0, 0, 0, 0, 100, 1, 2, 3, 4, 5, 6, 7, 8};
	static const uint8_t outside[] = {1, 0, 0, 42, 0, 0, 0, 0, 30, 0, 0, 20};

	(void)state;
	dtls_record(&d[0], 22, 0xFEFD, 0, 0, five, sizeof five);
	assert_int_equal(parse_dtls(d, 1, &dir, &f), -1);
	expect_error("handshake fragment header at datagram 0 offset 13 is truncated: 5 of 12 bytes");

	d[0].n = 0;
	dtls_record(&d[0], 22, 0xFEFD, 0, 0, huge, sizeof huge);
	assert_int_equal(parse_dtls(d, 1, &dir, &f), -1);
	expect_error(
	    "ClientHello at datagram 0 offset 13 declares 16777215 bytes, more than the whole flight (25 "
	    "bytes)");

	d[0].n = 0;
	dtls_record(&d[0], 22, 0xFEFD, 0, 0, long_frag, sizeof long_frag);
	assert_int_equal(parse_dtls(d, 1, &dir, &f), -1);
	expect_error(
	    "handshake fragment at datagram 0 offset 13 declares 100 bytes, its record holds 8 more");

	d[0].n = 0;
	frag.n = 0;
	kx_put(&frag, outside, sizeof outside);
	filler(&frag, 20, 0);
	dtls_record(&d[0], 22, 0xFEFD, 0, 0, frag.b, frag.n);
	assert_int_equal(parse_dtls(d, 1, &dir, &f), -1);
	expect_error("handshake fragment at datagram 0 offset 13 covers bytes 30..50 of a 42-byte "
	             "ClientHello: outside "
	             "the message");

	/* The second fragment of message_seq 0 claims another type. */
	fragmented_client_hello(d);
	frag.n = 0;
	dtls_fragment(&frag, HS_SERVER_HELLO, &ch, 0, 20, 22);
	d[1].n = 0;
	dtls_record(&d[1], 22, 0xFEFD, 0, 1, frag.b, frag.n);
	assert_int_equal(parse_dtls(d, 2, &dir, &f), -1);
	expect_error(
	    "handshake fragment at datagram 1 offset 13 says message_seq 0 is a 42-byte ServerHello; an "
	    "earlier fragment said a 42-byte ClientHello");
	(void)sh;
}

static void test_dtls_record_errors(void **state)
{
	struct kx_bytes d[2], tls = flight1();
	struct kx_tls_direction dir = {0};
	struct kx_tls_flight f;

	(void)state;
	d[0] = tls;
	assert_int_equal(parse_dtls(d, 1, &dir, &f), -1);
	expect_error("record at datagram 0 offset 0 has version 0x0303, not DTLS (0xFEFF, 0xFEFD): not a "
	             "record header");
	fragmented_client_hello(d);
	d[0].n = 5;
	assert_int_equal(parse_dtls(d, 1, &dir, &f), -1);
	expect_error("record header at datagram 0 offset 0 is truncated: 5 of 13 bytes");
	fragmented_client_hello(d);
	d[0].n = 23;
	assert_int_equal(parse_dtls(d, 1, &dir, &f), -1);
	expect_error(
	    "record at datagram 0 offset 0 is truncated: it declares 32 bytes, 10 follow in the datagram");
	d[0].n = 0;
	dtls_record(&d[0], 21, 0xFEFD, 0, 0, NULL, 0);
	assert_int_equal(parse_dtls(d, 1, &dir, &f), -1);
	expect_error("Alert record at datagram 0 offset 0 is empty (RFC 5246 6.2.1 forbids it)");
	d[0].n = 0;
	kx_put(&d[0], (const uint8_t[]){23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 0, 0x48, 0x01}, 13);
	assert_int_equal(parse_dtls(d, 1, &dir, &f), -1);
	expect_error(
	    "record at datagram 0 offset 0 declares 18433 bytes, more than the DTLS 1.2 maximum of 18432");
}

static void test_dtls_hello_verify_request(void **state)
{
	struct kx_bytes body = {.n = 0}, hs = {.n = 0}, d[1] = {{.n = 0}};
	struct kx_tls_direction dir = {0};
	struct kx_tls_flight f;

	(void)state;
	kx_put16(&body, 0xFEFF);
	kx_put8(&body, 20);
	filler(&body, 20, 0xc0);
	dtls_fragment(&hs, HS_HELLO_VERIFY_REQUEST, &body, 0, 0, body.n);
	dtls_record(&d[0], 22, 0xFEFF, 0, 0, hs.b, hs.n);
	assert_int_equal(parse_dtls(d, 1, &dir, &f), 0);
	assert_int_equal(f.n_items, 1);
	assert_int_equal(f.items[0].msg, KX_MSG_HELLO_VERIFY_REQUEST);
	assert_int_equal(f.items[0].length, 23);
	assert_string_equal(summary(&f), "HelloVerifyRequest");
	/* DTLS only: not one of the four ESCertKE messages (spec README point 9). */
	assert_int_equal(kx_escertke_check(2, &f, err, sizeof err), -1);
	expect_error(
	    "HelloVerifyRequest in ESCertKE message 2 is not in Table 8.7.2.2-1; ESCertKE message 2 lacks "
	    "ServerHello, which Table 8.7.2.2-1 requires; " NO_CERTIFICATE_REQUEST "; ESCertKE message 2 lacks "
	    "ServerHelloDone, which Table 8.7.2.2-1 requires");
	kx_tls_flight_free(&f);
	for (size_t cut = 1; cut < d[0].n; cut++) {
		struct kx_bytes t[1] = {d[0]};

		t[0].n = cut;
		assert_int_equal(parse_dtls(t, 1, &dir, &f), -1);
	}
}

/* A server flight of several records in one datagram, then the client's
 * ChangeCipherSpec and epoch-1 Finished with a retransmitted epoch-0 message. */
static void test_dtls_flights(void **state)
{
	struct kx_bytes sh = server_hello_body(), cert = certificate_body(), shd = empty_body();
	struct kx_bytes cke = opaque_body(66, 3), fin = opaque_body(40, 4), hs = {.n = 0},
	             d[2] = {{.n = 0}, {.n = 0}};
	struct kx_tls_direction dir = {0};
	struct kx_tls_flight f;

	(void)state;
	dtls_fragment(&hs, HS_SERVER_HELLO, &sh, 1, 0, sh.n);
	dtls_record(&d[0], 22, 0xFEFD, 0, 1, hs.b, hs.n);
	hs.n = 0;
	dtls_fragment(&hs, HS_CERTIFICATE, &cert, 2, 0, cert.n);
	dtls_record(&d[0], 22, 0xFEFD, 0, 2, hs.b, hs.n);
	hs.n = 0;
	dtls_fragment(&hs, HS_SERVER_HELLO_DONE, &shd, 3, 0, 0);
	dtls_record(&d[0], 22, 0xFEFD, 0, 3, hs.b, hs.n);
	assert_int_equal(parse_dtls(d, 1, &dir, &f), 0);
	assert_string_equal(summary(&f), "ServerHello, Certificate, ServerHelloDone");
	assert_int_equal(f.items[2].message_seq, 3);
	assert_int_equal(f.items[2].record, 2);
	assert_int_equal(f.items[2].offset, 13 + 50 + 13 + 218 + 13);
	assert_int_equal(kx_escertke_check(2, &f, err, sizeof err), -1);
	expect_error(NO_CERTIFICATE_REQUEST);
	kx_tls_flight_free(&f);

	d[0].n = 0;
	dtls_record(&d[0], 20, 0xFEFD, 0, 5, ccs, 1);
	dtls_record(&d[0], 22, 0xFEFD, 1, 0, fin.b, fin.n);
	hs.n = 0;
	dtls_fragment(&hs, HS_CLIENT_KEY_EXCHANGE, &cke, 4, 0, cke.n);
	dtls_record(&d[1], 22, 0xFEFD, 0, 6, hs.b, hs.n);
	assert_int_equal(parse_dtls(d, 2, &dir, &f), 0);
	assert_int_equal(dir.ccs_sent, 1);
	assert_string_equal(summary(&f), "ChangeCipherSpec, Finished, ClientKeyExchange");
	assert_int_equal(f.items[1].encrypted, 1);
	assert_int_equal(f.records[1].epoch, 1);
	assert_int_equal(f.items[2].encrypted, 0);
	kx_tls_flight_free(&f);
}

/* ---- Table 8.7.2.2-1 --------------------------------------------------- */

/* Parses hs (handshake messages) in one record, optionally followed by
 * ChangeCipherSpec and an encrypted Finished, and checks it as `message`. */
static int check_flight(int message, const struct kx_bytes *hs, int ccs_and_finished)
{
	struct kx_bytes x = {.n = 0}, fin = opaque_body(40, 9);
	struct kx_tls_flight f;
	int rc;

	if (hs->n > 0)
		tls_record(&x, 22, hs->b, hs->n);
	if (ccs_and_finished) {
		tls_record(&x, 20, ccs, 1);
		tls_record(&x, 22, fin.b, fin.n);
	}
	parse_ok(&x, &f);
	rc = kx_escertke_check(message, &f, err, sizeof err);
	kx_tls_flight_free(&f);
	return rc;
}

static void test_table_good_flights(void **state)
{
	struct kx_bytes cert = certificate_body(), x;
	struct kx_tls_flight f;

	(void)state;
	x = flight1();
	parse_ok(&x, &f);
	assert_int_equal(kx_escertke_check(1, &f, err, sizeof err), 0);
	kx_tls_flight_free(&f);
	x = flight2();
	parse_ok(&x, &f);
	assert_int_equal(kx_escertke_check(2, &f, err, sizeof err), 0);
	kx_tls_flight_free(&f);
	x = flight4();
	parse_ok(&x, &f);
	assert_int_equal(kx_escertke_check(4, &f, err, sizeof err), 0);
	kx_tls_flight_free(&f);

	x = flight3(&cert);
	parse_ok(&x, &f);
	assert_int_equal(kx_escertke_check(3, &f, err, sizeof err), 0);
	kx_tls_flight_free(&f);
}

/* Spec README point 12: ESCertKE authenticates both end-points, so a message 2 without
 * CertificateRequest and a message 3 without the client's certificate are deviations, as a PSK
 * suite or a client without a certificate would send them. */
static void test_table_both_ends_authenticated(void **state)
{
	struct kx_bytes sh = server_hello_body(), cke = opaque_body(66, 1), empty_cert = empty_certificate_body();
	struct kx_bytes shd = empty_body(), hs = {.n = 0}, x;
	struct kx_tls_flight f;

	(void)state;
	handshake(&hs, HS_SERVER_HELLO, &sh);
	handshake(&hs, HS_SERVER_HELLO_DONE, &shd);
	assert_int_equal(check_flight(2, &hs, 0), -1);
	expect_error(NO_CERTIFICATE_REQUEST);
	hs.n = 0;
	handshake(&hs, HS_CLIENT_KEY_EXCHANGE, &cke);
	assert_int_equal(check_flight(3, &hs, 1), -1);
	expect_error("ESCertKE message 3 lacks the Initiating End-Point's Certificate: it does not authenticate "
		     "(Table 8.7.2.2-1, spec point 12); ESCertKE message 3 lacks CertificateVerify, which Table "
		     "8.7.2.2-1 requires");
	/* A client without a certificate sends an empty one and no CertificateVerify. */
	x = flight3(&empty_cert);
	parse_ok(&x, &f);
	assert_string_equal(summary(&f), "Certificate, ClientKeyExchange, ChangeCipherSpec, Finished");
	assert_int_equal(kx_escertke_check(3, &f, err, sizeof err), -1);
	expect_error("ESCertKE message 3 lacks CertificateVerify, which Table 8.7.2.2-1 requires; ESCertKE "
		     "message 3 holds an empty Certificate: the Initiating End-Point sends no certificate and does "
		     "not authenticate (Table 8.7.2.2-1, spec point 12)");
	kx_tls_flight_free(&f);
}

static void test_table_new_session_ticket_in_message_4(void **state)
{
	struct kx_bytes nst = opaque_body(22, 1), hs = {.n = 0};

	(void)state;
	handshake(&hs, HS_NEW_SESSION_TICKET, &nst);
	assert_int_equal(check_flight(4, &hs, 1), -1);
	expect_error("NewSessionTicket in ESCertKE message 4 is not in Table 8.7.2.2-1");
}

static void test_table_missing_server_hello_done(void **state)
{
	struct kx_bytes sh = server_hello_body(), cert = certificate_body(), ske = opaque_body(100, 2),
	             cr = opaque_body(7, 5), hs = {.n = 0};

	(void)state;
	handshake(&hs, HS_SERVER_HELLO, &sh);
	handshake(&hs, HS_CERTIFICATE, &cert);
	handshake(&hs, HS_SERVER_KEY_EXCHANGE, &ske);
	handshake(&hs, HS_CERTIFICATE_REQUEST, &cr);
	assert_int_equal(check_flight(2, &hs, 0), -1);
	expect_error("ESCertKE message 2 lacks ServerHelloDone, which Table 8.7.2.2-1 requires");
}

static void test_table_wrong_order(void **state)
{
	struct kx_bytes sh = server_hello_body(), cert = certificate_body(), ske = opaque_body(100, 2),
	             cr = opaque_body(7, 5), shd = empty_body();
	struct kx_bytes fin = opaque_body(12, 3), hs = {.n = 0}, x = {.n = 0};
	struct kx_tls_flight f;

	(void)state;
	handshake(&hs, HS_SERVER_HELLO, &sh);
	handshake(&hs, HS_SERVER_KEY_EXCHANGE, &ske);
	handshake(&hs, HS_CERTIFICATE, &cert);
	handshake(&hs, HS_CERTIFICATE_REQUEST, &cr);
	handshake(&hs, HS_SERVER_HELLO_DONE, &shd);
	assert_int_equal(check_flight(2, &hs, 0), -1);
	expect_error(
	    "Certificate after ServerKeyExchange in ESCertKE message 2: Table 8.7.2.2-1 orders ServerHello, "
	    "Certificate*, ServerKeyExchange*, CertificateRequest*, ServerHelloDone");

	/* A plaintext Finished before ChangeCipherSpec. */
	hs.n = 0;
	handshake(&hs, HS_FINISHED, &fin);
	tls_record(&x, 22, hs.b, hs.n);
	tls_record(&x, 20, ccs, 1);
	parse_ok(&x, &f);
	assert_int_equal(kx_escertke_check(4, &f, err, sizeof err), -1);
	expect_error("ChangeCipherSpec after Finished in ESCertKE message 4: Table 8.7.2.2-1 orders "
	             "[ChangeCipherSpec], "
	             "Finished");
	kx_tls_flight_free(&f);
}

static void test_table_client_certificate_rules(void **state)
{
	struct kx_bytes cert = certificate_body(), cke = opaque_body(66, 1), cv = opaque_body(68, 2),
	             hs = {.n = 0};

	(void)state;
	handshake(&hs, HS_CERTIFICATE, &cert);
	handshake(&hs, HS_CLIENT_KEY_EXCHANGE, &cke);
	assert_int_equal(check_flight(3, &hs, 1), -1);
	expect_error("ESCertKE message 3 lacks CertificateVerify, which Table 8.7.2.2-1 requires");
	hs.n = 0;
	handshake(&hs, HS_CLIENT_KEY_EXCHANGE, &cke);
	handshake(&hs, HS_CERTIFICATE_VERIFY, &cv);
	assert_int_equal(check_flight(3, &hs, 1), -1);
	expect_error("ESCertKE message 3 lacks the Initiating End-Point's Certificate: it does not authenticate "
		     "(Table 8.7.2.2-1, spec point 12); CertificateVerify in ESCertKE message 3 without a client "
		     "certificate before it (RFC 5246 7.4.8)");
	/* ChangeCipherSpec is required: the reference is the record-layer bytes. */
	hs.n = 0;
	handshake(&hs, HS_CLIENT_KEY_EXCHANGE, &cke);
	assert_int_equal(check_flight(3, &hs, 0), -1);
	expect_error("ESCertKE message 3 lacks the Initiating End-Point's Certificate: it does not authenticate "
		     "(Table 8.7.2.2-1, spec point 12); ESCertKE message 3 lacks CertificateVerify, which Table "
		     "8.7.2.2-1 requires; ESCertKE message 3 lacks ChangeCipherSpec, which Table 8.7.2.2-1 requires; "
		     "ESCertKE message 3 lacks Finished, which Table 8.7.2.2-1 requires");
}

static void test_table_other_deviations(void **state)
{
	struct kx_bytes ch = client_hello_body(), sh = server_hello_body(), shd = empty_body(), hs = {.n = 0};
	struct kx_bytes x = {.n = 0}, fin = opaque_body(40, 1);
	static const uint8_t fatal[] = {2, 40};
	struct kx_tls_direction dir = {1};
	struct kx_tls_flight f;
	char small[24];

	(void)state;
	handshake(&hs, HS_CLIENT_HELLO, &ch);
	handshake(&hs, HS_CLIENT_HELLO, &ch);
	assert_int_equal(check_flight(1, &hs, 0), -1);
	expect_error("ClientHello appears more than once in ESCertKE message 1");
	/* The right flight checked as the wrong message. */
	assert_int_equal(check_flight(2, &hs, 0), -1);
	expect_error(
	    "ClientHello in ESCertKE message 2 is not in Table 8.7.2.2-1; ClientHello in ESCertKE message 2 "
	    "is "
	    "not in Table 8.7.2.2-1; ESCertKE message 2 lacks ServerHello, which Table 8.7.2.2-1 requires; "
	    NO_CERTIFICATE_REQUEST "; ESCertKE message 2 lacks ServerHelloDone, which Table 8.7.2.2-1 requires");
	/* An alert instead of the rest of message 2. */
	hs.n = 0;
	handshake(&hs, HS_SERVER_HELLO, &sh);
	tls_record(&x, 22, hs.b, hs.n);
	tls_record(&x, 21, fatal, 2);
	parse_ok(&x, &f);
	assert_int_equal(kx_escertke_check(2, &f, err, sizeof err), -1);
	expect_error("Alert(fatal, handshake_failure) in ESCertKE message 2 is not in Table 8.7.2.2-1; "
		     NO_CERTIFICATE_REQUEST "; ESCertKE message 2 lacks ServerHelloDone, which Table 8.7.2.2-1 "
		     "requires");
	/* A small buffer is cut, the verdict is not. */
	assert_int_equal(kx_escertke_check(2, &f, small, sizeof small), -1);
	assert_string_equal(small, "Alert(fatal, handshake_");
	assert_int_equal(kx_escertke_check(2, &f, NULL, 0), -1);
	kx_tls_flight_free(&f);
	/* Message 4 without ChangeCipherSpec, the direction having sent it earlier. */
	x.n = 0;
	tls_record(&x, 22, fin.b, fin.n);
	assert_int_equal(parse_tls(x.b, x.n, &dir, &f), 0);
	assert_int_equal(kx_escertke_check(4, &f, err, sizeof err), -1);
	expect_error("ESCertKE message 4 lacks ChangeCipherSpec, which Table 8.7.2.2-1 requires");
	assert_int_equal(kx_escertke_check(0, &f, err, sizeof err), -1);
	expect_error("ESCertKE message 0 does not exist: the messages are 1..4");
	assert_int_equal(kx_escertke_check(5, &f, err, sizeof err), -1);
	expect_error("ESCertKE message 5 does not exist: the messages are 1..4");
	kx_tls_flight_free(&f);
	(void)shd;
}

/* Spec README point 8 variant: the handshake messages without record headers. */
static void test_bare_handshake_messages(void **state)
{
	struct kx_bytes ch = client_hello_body(), cert = certificate_body(), cke = opaque_body(66, 1);
	struct kx_bytes cv = opaque_body(68, 2), fin = opaque_body(12, 3), sh = server_hello_body(),
	             hs = {.n = 0};
	struct kx_tls_direction dir = {0};
	struct kx_tls_flight f;
	uint8_t *copy;

	(void)state;
	handshake(&hs, HS_CLIENT_HELLO, &ch);
	copy = malloc(hs.n);
	memcpy(copy, hs.b, hs.n);
	assert_int_equal(kx_escertke_parse(copy, hs.n, &dir, &f, err, sizeof err), 0);
	free(copy);
	assert_int_equal(f.bare, 1);
	assert_string_equal(summary(&f), "ClientHello");
	assert_int_equal(f.items[0].offset, 0);
	assert_int_equal(kx_escertke_check(1, &f, err, sizeof err), -1);
	expect_error(
	    "bare handshake messages without TLS record headers (spec point 8 variant), not interoperable");
	kx_tls_flight_free(&f);

	/* Message 3: no ChangeCipherSpec can be there, so only the variant is named. */
	hs.n = 0;
	handshake(&hs, HS_CERTIFICATE, &cert);
	handshake(&hs, HS_CLIENT_KEY_EXCHANGE, &cke);
	handshake(&hs, HS_CERTIFICATE_VERIFY, &cv);
	handshake(&hs, HS_FINISHED, &fin);
	assert_int_equal(kx_escertke_parse(hs.b, hs.n, &dir, &f, err, sizeof err), 0);
	assert_int_equal(kx_escertke_check(3, &f, err, sizeof err), -1);
	expect_error(
	    "bare handshake messages without TLS record headers (spec point 8 variant), not interoperable");
	kx_tls_flight_free(&f);

	/* Other deviations are still named after the variant. */
	hs.n = 0;
	handshake(&hs, HS_SERVER_HELLO, &sh);
	assert_int_equal(kx_escertke_parse(hs.b, hs.n, &dir, &f, err, sizeof err), 0);
	assert_int_equal(kx_escertke_check(2, &f, err, sizeof err), -1);
	expect_error(
	    "bare handshake messages without TLS record headers (spec point 8 variant), not interoperable; "
	    NO_CERTIFICATE_REQUEST "; ESCertKE message 2 lacks ServerHelloDone, which Table 8.7.2.2-1 requires");
	kx_tls_flight_free(&f);

	/* Records are read as records; garbage is neither, with the record error. */
	hs = flight1();
	assert_int_equal(kx_escertke_parse(hs.b, hs.n, &dir, &f, err, sizeof err), 0);
	assert_int_equal(f.bare, 0);
	kx_tls_flight_free(&f);
	hs.n = 0;
	kx_put(&hs, (const uint8_t[]){99, 0, 0, 0}, 4);
	assert_int_equal(kx_escertke_parse(hs.b, hs.n, &dir, &f, err, sizeof err), -1);
	expect_error("record header at offset 0 is truncated: 4 of 5 bytes");
	assert_int_equal(f.n_items, 0);
}

static void test_bare_parse_errors(void **state)
{
	struct kx_tls_flight f;

	(void)state;
	assert_int_equal(kx_tls_parse_bare(NULL, 0, &f, err, sizeof err), -1);
	expect_error("no bytes, so no handshake message");
	assert_int_equal(kx_tls_parse_bare((const uint8_t[]){1, 0, 0}, 3, &f, err, sizeof err), -1);
	expect_error("handshake header at offset 0 is truncated: 3 of 4 bytes");
	assert_int_equal(
	    kx_tls_parse_bare((const uint8_t[]){14, 0, 0, 0, 99, 0, 0, 0}, 8, &f, err, sizeof err), -1);
	expect_error("byte 99 at offset 4 is not a TLS 1.2 handshake type");
	assert_int_equal(f.n_items, 0);
	assert_int_equal(kx_tls_parse_bare((const uint8_t[]){20, 0, 0, 12, 1, 2}, 6, &f, err, sizeof err),
	                 -1);
	expect_error("Finished at offset 0 declares 12 bytes, 2 follow");
}

static void test_summary_buffer(void **state)
{
	struct kx_bytes x = flight2();
	struct kx_tls_flight f;
	char small[16];
	const char *full = "ServerHello, Certificate, ServerKeyExchange, CertificateRequest, ServerHelloDone";

	(void)state;
	parse_ok(&x, &f);
	assert_int_equal(kx_tls_flight_summary(&f, small, sizeof small), (int)strlen(full));
	assert_string_equal(small, "ServerHello, Ce");
	assert_int_equal(kx_tls_flight_summary(&f, NULL, 0), (int)strlen(full));
	kx_tls_flight_free(&f);
}

/* ---- garbage ----------------------------------------------------------- */

static uint32_t rng = 0x9e3779b9u;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* Runs every reader on n bytes; only absence of crashes and consistent
 * results are asserted (ASan and UBSan do the rest). */
static void read_everything(const uint8_t *b, size_t n)
{
	struct kx_tls_direction dir = {0};
	struct kx_tls_flight f;
	struct kx_bytes d[2];
	size_t half = n / 2;

	if (parse_tls(b, n, &dir, &f) == 0) {
		kx_escertke_check((int)(n % 4) + 1, &f, err, sizeof err);
		summary(&f);
		kx_tls_flight_free(&f);
	}
	d[0].n = 0;
	d[1].n = 0;
	kx_put(&d[0], b, half);
	kx_put(&d[1], b + half, n - half);
	if (parse_dtls(d, 2, &dir, &f) == 0) {
		summary(&f);
		kx_tls_flight_free(&f);
	}
	if (kx_escertke_parse(b, n, &dir, &f, err, sizeof err) == 0) {
		kx_escertke_check((int)(n % 4) + 1, &f, err, sizeof err);
		kx_tls_flight_free(&f);
	}
}

static void test_random_garbage(void **state)
{
	uint8_t *b;

	(void)state;
	for (int round = 0; round < 3000; round++) {
		size_t n = next() % 300;

		b = malloc(n + 1);
		for (size_t i = 0; i < n; i++)
			b[i] = (uint8_t)next();
		/* Half the time, plausible headers so the readers go deeper. */
		if (n >= 3 && round % 2 == 0) {
			b[0] = (uint8_t)(20 + next() % 4);
			b[1] = round % 4 == 0 ? 3 : 0xFE;
			b[2] = round % 4 == 0 ? 3 : 0xFD;
		}
		read_everything(b, n);
		free(b);
	}
}

/* Valid flights with one, two or three bytes changed at random. */
static void test_mutated_flights(void **state)
{
	struct kx_bytes cert = certificate_body(), flights[4];
	struct kx_bytes d[2];

	(void)state;
	flights[0] = flight1();
	flights[1] = flight2();
	flights[2] = flight3(&cert);
	flights[3] = flight4();
	for (int round = 0; round < 4000; round++) {
		struct kx_bytes x = flights[round % 4];
		int changes = 1 + (int)(next() % 3);

		for (int c = 0; c < changes; c++)
			x.b[next() % x.n] = (uint8_t)next();
		read_everything(x.b, x.n);
	}
	fragmented_client_hello(d);
	for (int round = 0; round < 2000; round++) {
		struct kx_bytes t[2] = {d[0], d[1]};
		struct kx_tls_direction dir = {0};
		struct kx_tls_flight f;
		size_t which = next() % 2;

		t[which].b[next() % t[which].n] = (uint8_t)next();
		if (parse_dtls(t, 2, &dir, &f) == 0)
			kx_tls_flight_free(&f);
	}
}

KX_UNIT_MAIN(
	cmocka_unit_test(test_client_hello_record),
	cmocka_unit_test(test_coalesced_flight),
	cmocka_unit_test(test_message_split_across_records),
	cmocka_unit_test(test_ccs_and_encrypted_finished),
	cmocka_unit_test(test_client_flight_with_certificate),
	cmocka_unit_test(test_direction_state_is_carried),
	cmocka_unit_test(test_record_errors),
	cmocka_unit_test(test_interrupted_handshake_message),
	cmocka_unit_test(test_alerts),
	cmocka_unit_test(test_other_items),
	cmocka_unit_test(test_empty_stream),
	cmocka_unit_test(test_dtls_fragmented_client_hello),
	cmocka_unit_test(test_dtls_overlapping_fragments),
	cmocka_unit_test(test_dtls_fragment_errors),
	cmocka_unit_test(test_dtls_record_errors),
	cmocka_unit_test(test_dtls_hello_verify_request),
	cmocka_unit_test(test_dtls_flights),
	cmocka_unit_test(test_table_good_flights),
	cmocka_unit_test(test_table_both_ends_authenticated),
	cmocka_unit_test(test_table_new_session_ticket_in_message_4),
	cmocka_unit_test(test_table_missing_server_hello_done),
	cmocka_unit_test(test_table_wrong_order),
	cmocka_unit_test(test_table_client_certificate_rules),
	cmocka_unit_test(test_table_other_deviations),
	cmocka_unit_test(test_bare_handshake_messages),
	cmocka_unit_test(test_bare_parse_errors),
	cmocka_unit_test(test_summary_buffer),
	cmocka_unit_test(test_random_garbage),
	cmocka_unit_test(test_mutated_flights))
