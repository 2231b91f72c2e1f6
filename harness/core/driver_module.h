/* driver_module.h - a reference driver loaded into kxconform instead of started as a process:
 * the same requests and answers as docs/driver-protocol.md, as function calls on jansson values
 * instead of JSON lines on pipes. A driver round trip through pipes costs more than a whole PSK
 * handshake (bench/RESULTS.md, section 2), so `kxconform run` loads the harness's own OpenSSL and
 * wolfSSL ends this way; a vendor's driver is always a process of its own.
 *
 * The module is kx-driver-NAME.so beside the executable kx-driver-NAME. It exports one symbol,
 * KX_DRIVER_MODULE_SYMBOL, a kx_driver_module_entry; everything else in it (its TLS library
 * included) stays local, so OpenSSL and wolfSSL, whose OpenSSL-compatible names clash, live in one
 * process. Both sides share the process's one jansson. */
#ifndef KX_DRIVER_MODULE_H
#define KX_DRIVER_MODULE_H

#include <jansson.h>

/* Raised whenever the table below changes; the loader refuses any other. */
#define KX_DRIVER_MODULE_ABI 1
#define KX_DRIVER_MODULE_SYMBOL "kx_driver_module_v1"

struct kx_driver_module {
	int abi; /* KX_DRIVER_MODULE_ABI */
	/* The hello message the executable writes first (new reference). */
	json_t *(*hello)(void);
	/* Answers one request (borrowed) with a new response object carrying its "id", exactly what
	 * the executable would write for it. Calls from several threads are serialised; each thread
	 * has sessions of its own. */
	json_t *(*answer)(json_t *request);
	/* Frees the sessions the calling thread left open. */
	void (*close_sessions)(void);
};

/* The type of the exported symbol: returns the module's table. */
typedef const struct kx_driver_module *(*kx_driver_module_entry)(void);

#endif
