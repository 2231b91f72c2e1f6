/* test_pcapng.c - unit tests of harness/core/pcapng.c: what was written is
 * parsed back block by block (type, total length at both ends, 32-bit
 * padding, byte-order magic, options and their terminator), the Decryption
 * Secrets Block keeps its type, length and position before the first packet,
 * sections append, and errors are reported rather than written. Wireshark
 * trusts these lengths, so a wrong one makes a file it cannot open. */
#include "unit.h"

#include "core/pcapng.h"

#define MAX_BLOCKS 16
#define MAX_OPTIONS 8

struct option {
	uint16_t code, len;
	const uint8_t *value;
};

struct parsed_block {
	uint32_t type, total;
	const uint8_t *body; /* after type and length */
	size_t body_len;     /* up to the trailing length */
};

struct file {
	uint8_t *data;
	size_t len;
	struct parsed_block blocks[MAX_BLOCKS];
	size_t n;
};

static uint32_t u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

static uint16_t u16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

/* Reads the whole file back and splits it into blocks, checking every block's framing. */
static void read_back(FILE *f, struct file *out)
{
	memset(out, 0, sizeof *out);
	assert_int_equal(fflush(f), 0);
	long size = ftell(f);
	assert_true(size >= 0);
	out->len = (size_t)size;
	out->data = malloc(out->len ? out->len : 1);
	rewind(f);
	assert_int_equal(fread(out->data, 1, out->len, f), out->len);
	assert_int_equal(out->len % 4, 0);
	for (size_t at = 0; at < out->len;) {
		assert_true(out->n < MAX_BLOCKS);
		assert_true(at + 12 <= out->len);
		struct parsed_block *b = &out->blocks[out->n++];
		b->type = u32(out->data + at);
		b->total = u32(out->data + at + 4);
		assert_int_equal(b->total % 4, 0);
		assert_true(b->total >= 12 && at + b->total <= out->len);
		assert_int_equal(u32(out->data + at + b->total - 4),
		                 b->total); /* the length repeated at the end */
		b->body = out->data + at + 8;
		b->body_len = b->total - 12;
		at += b->total;
	}
}

/* Parses an options list, which must end with opt_endofopt exactly at the end of the block body. */
static size_t read_options(const uint8_t *p, size_t len, struct option *opts)
{
	size_t n = 0, at = 0;
	for (;;) {
		assert_true(at + 4 <= len);
		struct option o = {.code = u16(p + at), .len = u16(p + at + 2), .value = p + at + 4};
		at += 4 + ((size_t)o.len + 3) / 4 * 4;
		if (o.code == KX_PCAPNG_OPT_ENDOFOPT) {
			assert_int_equal(o.len, 0);
			break;
		}
		assert_true(at <= len);
		/* Padding is zeros. */
		for (size_t i = o.len; i % 4 != 0; i++)
			assert_int_equal(o.value[i], 0);
		assert_true(n < MAX_OPTIONS);
		opts[n++] = o;
	}
	assert_int_equal(at, len);
	return n;
}

static void assert_option_text(const struct option *o, uint16_t code, const char *text)
{
	assert_int_equal(o->code, code);
	assert_int_equal(o->len, strlen(text));
	assert_memory_equal(o->value, text, strlen(text));
}

static void assert_section_header(const struct parsed_block *b, const char *comment, const char *application)
{
	struct option opts[MAX_OPTIONS];
	assert_int_equal(b->type, KX_PCAPNG_SHB);
	assert_int_equal(u32(b->body), KX_PCAPNG_BYTE_ORDER_MAGIC);
	assert_int_equal(u16(b->body + 4), 1); /* major */
	assert_int_equal(u16(b->body + 6), 0); /* minor */
	assert_int_equal(u32(b->body + 8), 0xFFFFFFFFu);
	assert_int_equal(u32(b->body + 12), 0xFFFFFFFFu); /* section length -1 */
	size_t n = read_options(b->body + 16, b->body_len - 16, opts);
	assert_int_equal(n, 2);
	assert_option_text(&opts[0], KX_PCAPNG_OPT_COMMENT, comment);
	assert_option_text(&opts[1], KX_PCAPNG_SHB_USERAPPL, application);
}

/* A section as the capture writes one: header, interface, secrets, two packets. */
static void write_case(struct kx_pcapng *w, const char *comment, const char *secrets)
{
	const char *comments[] = {comment};
	const uint8_t packet[5] = {0x45, 1, 2, 3, 4};
	assert_int_equal(kx_pcapng_section(w, "kxconform test", comments, 1), 0);
	assert_int_equal(kx_pcapng_interface(w, KX_LINKTYPE_RAW, 65535, "kxconform-relay", NULL), 0);
	assert_int_equal(
	    kx_pcapng_secrets(w, KX_PCAPNG_SECRETS_TLS_KEYLOG, (const uint8_t *)secrets, strlen(secrets)), 0);
	assert_int_equal(
	    kx_pcapng_packet(w, 0, 1700000000123456ull, packet, sizeof packet, "initiator -> terminator"), 0);
	assert_int_equal(kx_pcapng_packet(w, 0, 1700000000123457ull, packet, 4, NULL), 0);
}

static const char keylog[] =
    "CLIENT_RANDOM 0c0010815497997b57e23c9356ff7c016d00f082375141cb8ffe813d430a6128 "
    "f696b7bc93fb0bbb3efcca65c1b38251bf902b1e57b2152e2cb8e6738b1e0b4af5c1db3e120cd1d77df0"
    "a889a687581e\n";

static void test_section_layout(void **state)
{
	FILE *f = tmpfile();
	struct kx_pcapng w;
	struct file file;
	struct option opts[MAX_OPTIONS];

	(void)state;
	assert_non_null(f);
	kx_pcapng_init(&w, f);
	write_case(&w, "kxconform case escertke.tls.openssl-wolfssl", keylog);
	assert_int_equal(kx_pcapng_flush(&w), 0);
	read_back(f, &file);
	assert_int_equal(file.n, 5);

	assert_section_header(&file.blocks[0], "kxconform case escertke.tls.openssl-wolfssl",
	                      "kxconform test");

	const struct parsed_block *idb = &file.blocks[1];
	assert_int_equal(idb->type, KX_PCAPNG_IDB);
	assert_int_equal(u16(idb->body), KX_LINKTYPE_RAW);
	assert_int_equal(u16(idb->body + 2), 0);
	assert_int_equal(u32(idb->body + 4), 65535);
	assert_int_equal(read_options(idb->body + 8, idb->body_len - 8, opts), 2);
	assert_option_text(&opts[0], KX_PCAPNG_IF_NAME, "kxconform-relay");
	assert_int_equal(opts[1].code, KX_PCAPNG_IF_TSRESOL);
	assert_int_equal(opts[1].len, 1);
	assert_int_equal(opts[1].value[0], 6); /* microseconds */

	/* The secrets come before the first packet, whole, padded with zeros to 32 bits. */
	const struct parsed_block *dsb = &file.blocks[2];
	assert_int_equal(dsb->type, KX_PCAPNG_DSB);
	assert_int_equal(u32(dsb->body), 0x544c534bu);
	size_t len = strlen(keylog);
	assert_int_equal(u32(dsb->body + 4), len);
	assert_memory_equal(dsb->body + 8, keylog, len);
	assert_int_equal(dsb->body_len, 8 + (len + 3) / 4 * 4);
	for (size_t i = len; i % 4 != 0; i++)
		assert_int_equal(dsb->body[8 + i], 0);

	const struct parsed_block *epb = &file.blocks[3];
	assert_int_equal(epb->type, KX_PCAPNG_EPB);
	assert_int_equal(u32(epb->body), 0);
	uint64_t ts = (uint64_t)u32(epb->body + 4) << 32 | u32(epb->body + 8);
	assert_int_equal(ts, 1700000000123456ull);
	assert_int_equal(u32(epb->body + 12), 5); /* captured */
	assert_int_equal(u32(epb->body + 16), 5); /* original */
	assert_int_equal(epb->body[20], 0x45);
	assert_int_equal(epb->body[20 + 5], 0); /* padding of the 5 packet bytes */
	assert_int_equal(read_options(epb->body + 28, epb->body_len - 28, opts), 1);
	assert_option_text(&opts[0], KX_PCAPNG_OPT_COMMENT, "initiator -> terminator");

	/* No comment: no options at all, and a 4-byte packet needs no padding. */
	const struct parsed_block *bare = &file.blocks[4];
	assert_int_equal(bare->type, KX_PCAPNG_EPB);
	assert_int_equal(bare->body_len, 20 + 4);
	free(file.data);
	fclose(f);
}

static void test_sections_append(void **state)
{
	FILE *f = tmpfile();
	struct kx_pcapng w;
	struct file file;

	(void)state;
	assert_non_null(f);
	kx_pcapng_init(&w, f);
	write_case(&w, "first", keylog);
	/* A second writer on the same file, as the batch file is appended case by case. */
	kx_pcapng_init(&w, f);
	write_case(&w, "second case", "CLIENT_RANDOM 00 11\n");
	assert_int_equal(kx_pcapng_flush(&w), 0);
	read_back(f, &file);
	assert_int_equal(file.n, 10);
	assert_section_header(&file.blocks[0], "first", "kxconform test");
	assert_section_header(&file.blocks[5], "second case", "kxconform test");
	static const uint32_t order[5] = {KX_PCAPNG_SHB, KX_PCAPNG_IDB, KX_PCAPNG_DSB, KX_PCAPNG_EPB,
	                                  KX_PCAPNG_EPB};
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(file.blocks[i].type, order[i % 5]);
	assert_int_equal(u32(file.blocks[7].body + 4), strlen("CLIENT_RANDOM 00 11\n"));
	free(file.data);
	fclose(f);
}

static void test_long_comment_is_cut_on_a_character(void **state)
{
	FILE *f = tmpfile();
	struct kx_pcapng w;
	struct file file;
	struct option opts[MAX_OPTIONS];
	/* 65534 ASCII bytes then a two-byte UTF-8 character: it cannot fit whole in 65535. */
	size_t len = 65534 + 2;
	char *comment = malloc(len + 1);

	(void)state;
	assert_non_null(f);
	assert_non_null(comment);
	memset(comment, 'x', 65534);
	comment[65534] = (char)0xc3;
	comment[65535] = (char)0xa9;
	comment[len] = '\0';
	const char *comments[] = {comment};
	kx_pcapng_init(&w, f);
	assert_int_equal(kx_pcapng_section(&w, NULL, comments, 1), 0);
	read_back(f, &file);
	assert_int_equal(file.n, 1);
	assert_int_equal(read_options(file.blocks[0].body + 16, file.blocks[0].body_len - 16, opts), 1);
	assert_int_equal(opts[0].len, 65534);
	free(comment);
	free(file.data);
	fclose(f);
}

static void test_errors_are_reported(void **state)
{
	FILE *f = tmpfile();
	struct kx_pcapng w;
	const uint8_t packet[4] = {0x45, 0, 0, 4};

	(void)state;
	assert_non_null(f);
	kx_pcapng_init(&w, f);
	/* Nothing may come before a Section Header Block. */
	assert_int_equal(kx_pcapng_packet(&w, 0, 0, packet, sizeof packet, NULL), -1);
	assert_non_null(strstr(w.err, "before any Section Header Block"));
	assert_int_equal(kx_pcapng_flush(&w), -1);

	kx_pcapng_init(&w, f);
	assert_int_equal(kx_pcapng_section(&w, NULL, NULL, 0), 0);
	assert_int_equal(kx_pcapng_packet(&w, 0, 0, packet, sizeof packet, NULL), -1);
	assert_non_null(strstr(w.err, "interface 0 is not described"));
	/* Sticky: later blocks are refused too. */
	assert_int_equal(kx_pcapng_interface(&w, KX_LINKTYPE_RAW, 0, NULL, NULL), -1);
	fclose(f);

	/* A file the writer cannot write to. */
	FILE *ro = fopen("/dev/null", "r");
	assert_non_null(ro);
	kx_pcapng_init(&w, ro);
	assert_int_equal(kx_pcapng_section(&w, "x", NULL, 0) == 0 && kx_pcapng_flush(&w) == 0, 0);
	assert_true(w.err[0] != '\0');
	fclose(ro);

	kx_pcapng_init(&w, NULL);
	assert_int_equal(kx_pcapng_section(&w, NULL, NULL, 0), -1);
	assert_non_null(strstr(w.err, "no file"));
}

KX_UNIT_MAIN(
	cmocka_unit_test(test_section_layout),
	cmocka_unit_test(test_sections_append),
	cmocka_unit_test(test_long_comment_is_cut_on_a_character),
	cmocka_unit_test(test_errors_are_reported))
