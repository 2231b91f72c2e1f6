/* ops.h - what a reference driver answers (docs/driver-protocol.md): the
 * derivation operations (derive_ops.c), the session operations that play one
 * end-point of a handshake (session_ops.c), and the dispatcher (dispatch.c). */
#ifndef KX_DRIVER_OPS_H
#define KX_DRIVER_OPS_H

#include <jansson.h>
#include <stddef.h>

#include "backend.h"
#include "driver/request.h"

extern const struct kx_operation kx_derive_operations[];
extern const size_t kx_n_derive_operations;
extern const struct kx_operation kx_session_operations[];
extern const size_t kx_n_session_operations;

/* Returns the driver's capabilities object for its hello message (new reference). */
json_t *kx_driver_capabilities(const struct kx_backend *backend);

/* Answers one request object with a new response object carrying the same "id":
 * {"ok": true, ...results} or {"ok": false, "error": text}. Never returns NULL. */
json_t *kx_driver_answer(const struct kx_backend *backend, json_t *request);

/* Frees every session still open (at exit). */
void kx_sessions_close_all(const struct kx_backend *backend);

#endif
