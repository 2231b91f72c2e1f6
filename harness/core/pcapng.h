/* pcapng.h - a small pcapng writer (draft-ietf-opsawg-pcapng): Section
 * Header, Interface Description, Decryption Secrets and Enhanced Packet
 * Blocks, written in the host's byte order (the byte-order magic tells
 * readers which), every block padded to 32 bits with its total length
 * repeated at its end.
 *
 * It exists because libpcap cannot write a Decryption Secrets Block, which is
 * what lets Wireshark and tshark decrypt a capture with no preference set.
 * A writer appends blocks to a FILE* the caller opened in binary mode; a file
 * may hold several sections one after another (each starts with its own
 * Section Header Block and has its own interfaces). Errors are sticky: after
 * the first failed write every call returns -1 and `err` (empty until then)
 * says what failed. */
#ifndef KX_PCAPNG_H
#define KX_PCAPNG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Block types. */
#define KX_PCAPNG_SHB 0x0A0D0D0Au
#define KX_PCAPNG_IDB 0x00000001u
#define KX_PCAPNG_EPB 0x00000006u
#define KX_PCAPNG_DSB 0x0000000Au
#define KX_PCAPNG_BYTE_ORDER_MAGIC 0x1A2B3C4Du

/* Option codes used here. */
#define KX_PCAPNG_OPT_ENDOFOPT 0
#define KX_PCAPNG_OPT_COMMENT 1
#define KX_PCAPNG_SHB_USERAPPL 4
#define KX_PCAPNG_IF_NAME 2
#define KX_PCAPNG_IF_DESCRIPTION 3
#define KX_PCAPNG_IF_TSRESOL 9

/* Link type of packets that begin with their IPv4 or IPv6 header (no link layer). */
#define KX_LINKTYPE_RAW 101
/* Secrets type of an NSS key log ("CLIENT_RANDOM ..." lines), ASCII "TLSK". */
#define KX_PCAPNG_SECRETS_TLS_KEYLOG 0x544c534bu

struct kx_pcapng {
	FILE *out;
	int in_section;      /* a Section Header Block was written */
	uint32_t interfaces; /* interfaces described in the current section */
	uint64_t blocks;     /* blocks written so far, all sections */
	char err[256];
};

/* Starts a writer that appends to out (binary mode, owned by the caller). */
void kx_pcapng_init(struct kx_pcapng *w, FILE *out);

/* Starts a section: byte-order magic, version 1.0, section length -1 (unknown), shb_userappl
 * `application` (NULL: none) and one opt_comment per non-NULL comment; 0, or -1 with w->err. */
int kx_pcapng_section(struct kx_pcapng *w, const char *application, const char *const *comments,
                      size_t n_comments);

/* Describes the section's next interface (ids count from 0): link type, snap length, if_name and
 * if_description (each NULL: none), timestamps in microseconds (the default if_tsresol);
 * 0, or -1 with w->err. */
int kx_pcapng_interface(struct kx_pcapng *w, uint16_t linktype, uint32_t snaplen, const char *name,
                        const char *description);

/* Writes a Decryption Secrets Block of secrets_type holding len bytes (padded with zeros to
 * 32 bits); readers apply it to the packets after it. 0, or -1 with w->err. */
int kx_pcapng_secrets(struct kx_pcapng *w, uint32_t secrets_type, const uint8_t *data, size_t len);

/* Writes an Enhanced Packet Block on interface `interface` with a timestamp in microseconds
 * since the epoch, the whole packet captured, and an opt_comment (NULL: none); 0, or -1. */
int kx_pcapng_packet(struct kx_pcapng *w, uint32_t interface, uint64_t ts_us, const uint8_t *data, size_t len,
                     const char *comment);

/* Flushes the file; 0, or -1 with w->err if this or an earlier write failed. */
int kx_pcapng_flush(struct kx_pcapng *w);

#endif
