/* self_dir.h - the directory of the running kxconform executable. */
#ifndef KX_SELF_DIR_H
#define KX_SELF_DIR_H

#include <stddef.h>

/* Writes the directory holding the running kxconform executable into dir; 0 or -1. */
int kx_self_dir(char *dir, size_t len);

#endif
