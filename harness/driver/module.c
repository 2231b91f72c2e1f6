/* module.c - the driver as a module kxconform loads (core/driver_module.h): the request handling
 * of main.c's loop, without the pipes. One lock serialises every call, since the backends keep
 * per-process caches (OpenSSL's MAC and KDF contexts) made for a single-threaded driver; the
 * sessions are per thread (session_ops.c), so workers never see each other's. */
#include "backend.h"
#include "core/driver_module.h"
#include "driver/ops.h"

#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static json_t *module_hello(void)
{
	pthread_mutex_lock(&lock);
	json_t *hello = kx_driver_hello(kx_backend());
	pthread_mutex_unlock(&lock);
	return hello;
}

static json_t *module_answer(json_t *request)
{
	pthread_mutex_lock(&lock);
	json_t *response = kx_driver_answer(kx_backend(), request);
	pthread_mutex_unlock(&lock);
	return response;
}

static void module_close_sessions(void)
{
	pthread_mutex_lock(&lock);
	kx_sessions_close_all(kx_backend());
	pthread_mutex_unlock(&lock);
}

/* The one exported symbol (the build hides every other: harness/CMakeLists.txt). */
__attribute__((visibility("default"))) const struct kx_driver_module *kx_driver_module_v1(void);

const struct kx_driver_module *kx_driver_module_v1(void)
{
	static const struct kx_driver_module module = {KX_DRIVER_MODULE_ABI, module_hello, module_answer,
	                                               module_close_sessions};
	return &module;
}
