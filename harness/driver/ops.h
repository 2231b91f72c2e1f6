/* ops.h - what a reference driver answers (docs/driver-protocol.md): the
 * derivation operations (derive_ops.c), the session operations that play one
 * end-point of a handshake (session_ops.c), and the dispatcher (dispatch.c). */
#ifndef KX_DRIVER_OPS_H
#define KX_DRIVER_OPS_H

#include <jansson.h>
#include <stddef.h>

#include "backend.h"
#include "core/json_doc.h"
#include "core/json_write.h"
#include "driver/request.h"

extern const struct kx_operation kx_derive_operations[];
extern const size_t kx_n_derive_operations;
extern const struct kx_operation kx_session_operations[];
extern const size_t kx_n_session_operations;

/* The members an open request's "config" may carry (NULL-terminated): open refuses any other, and
 * the hello lists them (capabilities.config), from which the runner works out the cases a driver
 * plays without a list of scenario names. */
extern const char *const kx_session_config_members[];

/* The protocol version of docs/driver-protocol.md this driver speaks. */
#define KX_PROTOCOL_VERSION 2

/* Returns the driver's capabilities object for its hello message (new reference). */
json_t *kx_driver_capabilities(const struct kx_backend *backend);

/* Returns the driver's hello message, the first line it writes (new reference). */
json_t *kx_driver_hello(const struct kx_backend *backend);

/* Answers one request object with a new response object carrying the same "id":
 * {"ok": true, ...results} or {"ok": false, "error": text}. Never returns NULL. */
json_t *kx_driver_answer(const struct kx_backend *backend, json_t *request);

/* Answers a request read by kx_json_doc_parse (an object) when it asks for a
 * derivation: appends the text of the response object (the bytes that
 * kx_driver_answer's object serialises to) to out and returns 1. Returns 0,
 * appending nothing, for any other request: kx_driver_answer answers those. */
int kx_driver_answer_doc(const struct kx_backend *backend, const struct kx_json_doc *request, struct kx_text *out);

/* Frees every session the calling thread still has open (at exit, or when an in-process end is
 * stopped). Sessions are per thread: each worker of an in-process run has its own. */
void kx_sessions_close_all(const struct kx_backend *backend);

#endif
