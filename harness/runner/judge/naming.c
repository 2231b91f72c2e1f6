/* naming.c - building the name and explanation of a mistake. */
#include "runner/judge/naming.h"

#include <stdio.h>
#include <string.h>

void kx_naming_join(struct kx_naming *n, const char *name, const char *explanation)
{
	size_t used = strlen(n->name);
	if (name[0] != '\0')
		snprintf(n->name + used, sizeof n->name - used, "%s%s", used ? "+" : "", name);
	used = strlen(n->explanation);
	snprintf(n->explanation + used, sizeof n->explanation - used, "%s%s", used ? "; " : "", explanation);
}
