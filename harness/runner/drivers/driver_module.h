/* driver_module.h - finding and loading a reference driver's module (core/driver_module.h), so
 * that driver_proc.c can put an in-process end behind the same struct kx_driver_proc as a
 * process: the rest of the runner (the relay that records and damages every flight, the judge,
 * the captures) does not know which it talks to. */
#ifndef KX_DRIVER_MODULE_LOADER_H
#define KX_DRIVER_MODULE_LOADER_H

#include <stddef.h>

struct kx_driver_module;

/* Loads the module of the driver executable at path (path with ".so" appended) for the driver called name; its table, or
 * NULL with err naming the file and why. The module stays loaded until exit (OpenSSL must not be
 * unloaded before then); loading it again returns the same table. */
const struct kx_driver_module *kx_driver_module_load(const char *name, const char *path, char *err, size_t errlen);

#endif
