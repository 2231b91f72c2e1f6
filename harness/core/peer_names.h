/* peer_names.h - the check both backends make in their certificate verify
 * callbacks: the configured peer name must be one of the leaf's
 * subjectAltNames, compared exactly (TR-0038's CSE names such as
 * "my.m2mprovider.org/in-cse" are not host names, so host-name matching does
 * not apply). */
#ifndef KX_PEER_NAMES_H
#define KX_PEER_NAMES_H

#include <stddef.h>

#include "name_max.h"

/* Returns 1 if expected equals the value of one of the n names ("DNS:x",
 * "URI:x"; read only, not const because C11 cannot pass char[][N] as const),
 * otherwise 0, with the reason, naming the names seen, in note. */
int kx_peer_name_matches(char names[][KX_NAME_MAX], size_t n, const char *expected, char *note,
                         size_t notelen);

#endif
