/* peer_names.c - exact subjectAltName matching for the backends' verify callbacks. */
#include "peer_names.h"

#include <stdio.h>
#include <string.h>

int kx_peer_name_matches(char names[][KX_NAME_MAX], size_t n, const char *expected, char *note,
                         size_t notelen)
{
	char have[300] = "";
	for (size_t i = 0; i < n; i++) {
		const char *colon = strchr(names[i], ':');
		if (colon != NULL && strcmp(colon + 1, expected) == 0)
			return 1;
		snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s", i ? ", " : "", names[i]);
	}
	snprintf(note, notelen,
	         "peer certificate subjectAltName does not match the expected name %.120s (it has: %.200s)",
	         expected, n ? have : "none");
	return 0;
}
