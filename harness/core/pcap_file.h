/* pcap_file.h - a capture file read whole into memory, as its packets: for
 * checking a vendor's claims offline (`kxconform verify`).
 *
 * Files: classic pcap (either byte order, microsecond or nanosecond
 * timestamps) and pcapng (sections in either byte order, several interfaces,
 * Enhanced, Simple and obsolete Packet Blocks), with the TLS key logs of
 * pcapng Decryption Secrets Blocks collected as text. A file cut short or a
 * block whose lengths contradict each other is an error naming the place.
 *
 * What is in a packet is pcap_packet.h's; the handshakes in a capture are
 * pcap_handshakes.h's. */
#ifndef KX_PCAP_FILE_H
#define KX_PCAP_FILE_H

#include <stddef.h>
#include <stdint.h>

struct kx_pcap_packet {
	size_t number; /* 1-based, in file order (Wireshark's frame number) */
	uint32_t linktype;
	const uint8_t *data; /* the captured bytes, inside kx_pcap.buf */
	size_t len;          /* captured length */
	size_t orig_len;     /* length on the wire */
};

struct kx_pcap {
	int pcapng;   /* 1: pcapng, 0: classic pcap */
	uint8_t *buf; /* the whole file */
	size_t buf_len;
	struct kx_pcap_packet *packets;
	size_t n_packets, cap_packets;
	char *secrets; /* the TLS key logs of every Decryption Secrets Block, as text */
	size_t secrets_len;
	size_t n_secrets_blocks; /* TLS key log DSBs seen */
};

/* Reads the pcap or pcapng file at path; 0, or -1 with err naming the file and what is wrong. */
int kx_pcap_load(const char *path, struct kx_pcap *cap, char *err, size_t errlen);

/* Reads len bytes of a pcap or pcapng file (copied); 0, or -1 with err naming the offset at fault. */
int kx_pcap_parse(const uint8_t *data, size_t len, struct kx_pcap *cap, char *err, size_t errlen);

/* Frees everything the capture holds. */
void kx_pcap_free(struct kx_pcap *cap);

#endif
