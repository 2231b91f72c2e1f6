/* ops.h - the driver's answers to derivation requests (docs/driver-protocol.md). */
#ifndef KX_DRIVER_OPS_H
#define KX_DRIVER_OPS_H

#include <jansson.h>

#include "backend.h"

/* Returns the driver's capabilities object for its hello message (new reference). */
json_t *kx_driver_capabilities(const struct kx_backend *backend);

/* Answers one request object with a new response object carrying the same "id":
 * {"ok": true, ...results} or {"ok": false, "error": text}. Never returns NULL. */
json_t *kx_driver_answer(const struct kx_backend *backend, json_t *request);

#endif
