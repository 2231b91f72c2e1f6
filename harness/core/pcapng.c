/* pcapng.c - writes pcapng blocks. Each block is assembled in memory and
 * written with one fwrite, so that a failure never leaves half a block whose
 * lengths a reader would trust; the caller learns of it through the sticky
 * error and can discard the file. */
#include "core/pcapng.h"

#include "core/errors.h"
#include "core/growable.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Option values are at most 65535 bytes (their length is 16 bits). */
#define OPTION_MAX 0xFFFFu
/* A block's length is 32 bits; stay well below so padding and trailer never overflow it. */
#define BLOCK_MAX 0x7FFFFFF0u

struct block {
	uint8_t *data;
	size_t len, cap;
	int oom;
};

/* Errors are sticky: a writer has failed once its err holds a text. */
static int failed(const struct kx_pcapng *w)
{
	return w->err[0] != '\0';
}

static void put(struct block *b, const void *data, size_t len)
{
	if (b->oom || KX_GROW(b->data, b->cap, b->len + len) != 0) {
		b->oom = 1;
		return;
	}
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
}

/* Host byte order throughout: the Section Header's byte-order magic tells readers which it is. */
static void put16(struct block *b, uint16_t v)
{
	put(b, &v, sizeof v);
}

static void put32(struct block *b, uint32_t v)
{
	put(b, &v, sizeof v);
}

static void pad32(struct block *b)
{
	static const uint8_t zeros[3] = {0, 0, 0};
	put(b, zeros, (4 - b->len % 4) % 4);
}

static void put_option(struct block *b, uint16_t code, const void *value, size_t len)
{
	put16(b, code);
	put16(b, (uint16_t)len);
	put(b, value, len);
	pad32(b);
}

/* A text option, cut at OPTION_MAX bytes without splitting a UTF-8 sequence. */
static void put_text_option(struct block *b, uint16_t code, const char *text)
{
	size_t len = strlen(text);
	if (len > OPTION_MAX) {
		len = OPTION_MAX;
		while (len > 0 && ((uint8_t)text[len] & 0xC0) == 0x80)
			len--;
	}
	put_option(b, code, text, len);
}

static void begin_block(struct block *b, uint32_t type)
{
	put32(b, type);
	put32(b, 0); /* total length, filled in by end_block */
}

static void end_options(struct block *b)
{
	put_option(b, KX_PCAPNG_OPT_ENDOFOPT, NULL, 0);
}

/* Fills in the total length at both ends and writes the block; 0 or -1. */
static int end_block(struct kx_pcapng *w, struct block *b, const char *what)
{
	int ret = -1;
	if (b->oom) {
		kx_errorf(w->err, sizeof w->err, "%s: out of memory", what);
	} else if (b->len + 4 > BLOCK_MAX) {
		kx_errorf(w->err, sizeof w->err, "%s: block of %zu bytes is too long for pcapng", what,
		          b->len + 4);
	} else {
		uint32_t total = (uint32_t)(b->len + 4);
		put32(b, total);
		memcpy(b->data + 4, &total, sizeof total);
		if (b->oom)
			kx_errorf(w->err, sizeof w->err, "%s: out of memory", what);
		else if (fwrite(b->data, 1, b->len, w->out) != b->len)
			kx_errorf(w->err, sizeof w->err, "%s: write failed: %s", what, strerror(errno));
		else
			ret = 0;
	}
	if (ret == 0)
		w->blocks++;
	free(b->data);
	return ret;
}

/* Refuses to write after an earlier failure, or a block that needs a section outside one. */
static int usable(struct kx_pcapng *w, int needs_section, const char *what)
{
	if (w->out == NULL && !failed(w))
		kx_errorf(w->err, sizeof w->err, "%s: the writer has no file", what);
	if (needs_section && !w->in_section && !failed(w))
		kx_errorf(w->err, sizeof w->err, "%s: written before any Section Header Block", what);
	return !failed(w);
}

void kx_pcapng_init(struct kx_pcapng *w, FILE *out)
{
	memset(w, 0, sizeof *w);
	w->out = out;
}

int kx_pcapng_section(struct kx_pcapng *w, const char *application, const char *const *comments,
                      size_t n_comments)
{
	if (!usable(w, 0, "section header"))
		return -1;
	struct block b = {0};
	begin_block(&b, KX_PCAPNG_SHB);
	put32(&b, KX_PCAPNG_BYTE_ORDER_MAGIC);
	put16(&b, 1); /* major version */
	put16(&b, 0); /* minor version */
	/* Section length -1: not given, so that sections can be appended without seeking back. */
	put32(&b, 0xFFFFFFFFu);
	put32(&b, 0xFFFFFFFFu);
	for (size_t i = 0; i < n_comments; i++)
		if (comments[i] != NULL)
			put_text_option(&b, KX_PCAPNG_OPT_COMMENT, comments[i]);
	if (application != NULL)
		put_text_option(&b, KX_PCAPNG_SHB_USERAPPL, application);
	end_options(&b);
	if (end_block(w, &b, "section header") != 0)
		return -1;
	w->in_section = 1;
	w->interfaces = 0;
	return 0;
}

int kx_pcapng_interface(struct kx_pcapng *w, uint16_t linktype, uint32_t snaplen, const char *name,
                        const char *description)
{
	if (!usable(w, 1, "interface description"))
		return -1;
	struct block b = {0};
	begin_block(&b, KX_PCAPNG_IDB);
	put16(&b, linktype);
	put16(&b, 0); /* reserved */
	put32(&b, snaplen);
	if (name != NULL)
		put_text_option(&b, KX_PCAPNG_IF_NAME, name);
	if (description != NULL)
		put_text_option(&b, KX_PCAPNG_IF_DESCRIPTION, description);
	/* Written out although it is the default (10^-6), so that no reader has to assume it. */
	uint8_t tsresol = 6;
	put_option(&b, KX_PCAPNG_IF_TSRESOL, &tsresol, 1);
	end_options(&b);
	if (end_block(w, &b, "interface description") != 0)
		return -1;
	w->interfaces++;
	return 0;
}

int kx_pcapng_secrets(struct kx_pcapng *w, uint32_t secrets_type, const uint8_t *data, size_t len)
{
	if (!usable(w, 1, "decryption secrets"))
		return -1;
	if (len > BLOCK_MAX)
		return kx_errorf(w->err, sizeof w->err,
		                 "decryption secrets: %zu bytes is too long for pcapng", len);
	struct block b = {0};
	begin_block(&b, KX_PCAPNG_DSB);
	put32(&b, secrets_type);
	put32(&b, (uint32_t)len);
	put(&b, data, len);
	pad32(&b);
	/* No options: an empty options list is allowed and needs no opt_endofopt. */
	return end_block(w, &b, "decryption secrets");
}

int kx_pcapng_packet(struct kx_pcapng *w, uint32_t interface, uint64_t ts_us, const uint8_t *data, size_t len,
                     const char *comment)
{
	if (!usable(w, 1, "packet"))
		return -1;
	if (interface >= w->interfaces)
		return kx_errorf(w->err, sizeof w->err,
		                 "packet: interface %u is not described in this section",
		                 (unsigned)interface);
	if (len > BLOCK_MAX)
		return kx_errorf(w->err, sizeof w->err, "packet: %zu bytes is too long for pcapng", len);
	struct block b = {0};
	begin_block(&b, KX_PCAPNG_EPB);
	put32(&b, interface);
	put32(&b, (uint32_t)(ts_us >> 32));
	put32(&b, (uint32_t)ts_us);
	put32(&b, (uint32_t)len); /* captured */
	put32(&b, (uint32_t)len); /* original */
	put(&b, data, len);
	pad32(&b);
	if (comment != NULL) {
		put_text_option(&b, KX_PCAPNG_OPT_COMMENT, comment);
		end_options(&b);
	}
	return end_block(w, &b, "packet");
}

int kx_pcapng_flush(struct kx_pcapng *w)
{
	if (!failed(w) && w->out != NULL && fflush(w->out) != 0)
		kx_errorf(w->err, sizeof w->err, "flush failed: %s", strerror(errno));
	return failed(w) ? -1 : 0;
}
