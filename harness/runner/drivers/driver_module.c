/* driver_module.c - loading a reference driver's module. It is opened RTLD_LOCAL: its symbols
 * never join the process's global scope, so the OpenSSL module's libssl and the wolfSSL module's
 * compatibility layer do not see each other. */
#include "runner/drivers/driver_module.h"

#include "core/driver_module.h"
#include "core/errors.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const struct kx_driver_module *kx_driver_module_load(const char *name, const char *path, char *err, size_t errlen)
{
	char file[4200];
	snprintf(file, sizeof file, "%s.so", path);
	if (access(file, R_OK) != 0) {
		kx_errorf(err, errlen,
		          "driver %s: its in-process module %s is missing (rebuild, or run the reference ends as "
		          "processes: --reference-ends process)", name, file);
		return NULL;
	}
	void *handle = dlopen(file, RTLD_NOW | RTLD_LOCAL);
	if (handle == NULL) {
		kx_errorf(err, errlen, "driver %s: cannot load %s: %s", name, file, dlerror());
		return NULL;
	}
	/* C does not convert an object pointer to a function pointer; POSIX guarantees the bytes are
	 * one, so they are copied. */
	void *symbol = dlsym(handle, KX_DRIVER_MODULE_SYMBOL);
	kx_driver_module_entry entry = NULL;
	if (symbol != NULL)
		memcpy(&entry, &symbol, sizeof entry);
	const struct kx_driver_module *module = entry != NULL ? entry() : NULL;
	if (module == NULL || module->abi != KX_DRIVER_MODULE_ABI) {
		dlclose(handle);
		kx_errorf(err, errlen, "driver %s: %s is not a kxconform driver module of ABI %d", name, file,
		          KX_DRIVER_MODULE_ABI);
		return NULL;
	}
	return module;
}
