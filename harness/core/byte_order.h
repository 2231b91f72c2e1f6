/* byte_order.h - reading and writing 16-, 24- and 32-bit integers in a byte
 * buffer, big-endian (network order: IP, TCP, UDP, TLS records) or in the
 * order a capture file says (pcap and pcapng may be either).
 *
 * Byte by byte, so that neither the host's order nor the buffer's alignment
 * matters. Bounds are the caller's: each function touches exactly the bytes
 * its width names, from p on. */
#ifndef KX_BYTE_ORDER_H
#define KX_BYTE_ORDER_H

#include <stdint.h>

/* Returns the big-endian 16-bit integer at p. */
static inline uint16_t kx_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Returns the big-endian 24-bit integer at p (TLS handshake lengths, DTLS fragment offsets). */
static inline uint32_t kx_be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/* Returns the big-endian 32-bit integer at p. */
static inline uint32_t kx_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Returns the 16-bit integer at p, big-endian when big is set, else little-endian. */
static inline uint16_t kx_rd16(const uint8_t *p, int big)
{
	return big ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

/* Returns the 32-bit integer at p, big-endian when big is set, else little-endian. */
static inline uint32_t kx_rd32(const uint8_t *p, int big)
{
	return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
	           : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Writes v at p, big-endian. */
static inline void kx_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Writes v at p, big-endian. */
static inline void kx_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
