/* keylog.h - NSS key log files (the SSLKEYLOGFILE format that OpenSSL,
 * GnuTLS, NSS and Wireshark share): one secret per line, "LABEL <client
 * random, 64 hex digits> <secret, hex>", with '#' comments and blank lines.
 * A TLS 1.2 session's line is CLIENT_RANDOM with its 48-byte master secret;
 * TLS 1.3 sessions log traffic secrets under other labels.
 *
 * Parsing is strict: a line cut short (a truncated file), a digit that is not
 * hex or a master secret of the wrong length is an error naming the line,
 * never a secret that silently goes missing. The same parser reads the key
 * log held in a pcapng Decryption Secrets Block. */
#ifndef KX_KEYLOG_H
#define KX_KEYLOG_H

#include <stddef.h>
#include <stdint.h>

#define KX_KEYLOG_LABEL_MAX 48
#define KX_KEYLOG_RANDOM_LEN 32
#define KX_KEYLOG_SECRET_MAX 64
#define KX_KEYLOG_MASTER_SECRET_LEN 48

struct kx_keylog_entry {
	char label[KX_KEYLOG_LABEL_MAX]; /* "CLIENT_RANDOM", "CLIENT_TRAFFIC_SECRET_0", ... */
	uint8_t client_random[KX_KEYLOG_RANDOM_LEN];
	uint8_t secret[KX_KEYLOG_SECRET_MAX];
	size_t secret_len;
	size_t line; /* 1-based line in the text it came from */
};

struct kx_keylog {
	struct kx_keylog_entry *entries;
	size_t n, cap;
};

/* Parses len bytes of key log text and appends its entries; 0, or -1 with err
 * naming the line at fault ("line 3: ..."); entries before it are kept. */
int kx_keylog_parse(struct kx_keylog *log, const char *text, size_t len, char *err, size_t errlen);

/* Reads the file at path and parses it; 0, or -1 with err naming the file and line. */
int kx_keylog_load(struct kx_keylog *log, const char *path, char *err, size_t errlen);

/* The first entry with this label (NULL: any label) and client random, or NULL. */
const struct kx_keylog_entry *kx_keylog_find(const struct kx_keylog *log, const char *label,
                                             const uint8_t client_random[KX_KEYLOG_RANDOM_LEN]);

/* Frees the entries and leaves an empty log. */
void kx_keylog_free(struct kx_keylog *log);

#endif
