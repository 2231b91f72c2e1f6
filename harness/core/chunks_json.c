/* chunks_json.c - base64 flights to and from chunk lists. */
#include "chunks_json.h"

#include "base64.h"
#include "errors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *kx_chunks_to_json(const struct kx_chunks *chunks)
{
	json_t *array = json_array();
	for (size_t i = 0; array != NULL && i < chunks->n; i++) {
		char *text = malloc(kx_base64_encoded_len(chunks->items[i].len, KX_B64_PADDED) + 1);
		json_t *item = NULL;
		if (text != NULL) {
			kx_base64_encode(chunks->items[i].data, chunks->items[i].len, text, KX_B64_STANDARD,
					 KX_B64_PADDED);
			item = json_string(text);
		}
		free(text);
		if (item == NULL || json_array_append_new(array, item) != 0) {
			json_decref(array);
			return NULL;
		}
	}
	return array;
}

int kx_chunks_from_json(json_t *array, struct kx_chunks *chunks, char *err, size_t errlen)
{
	if (array == NULL)
		return 0;
	if (!json_is_array(array))
		return kx_errorf(err, errlen, "a flight must be an array of base64 strings");
	size_t i;
	json_t *item;
	json_array_foreach(array, i, item)
	{
		const char *text = json_string_value(item);
		size_t text_len = text != NULL ? strlen(text) : 0;
		size_t cap = text_len / 4 * 3 + 3;
		uint8_t *bytes = malloc(cap);
		size_t len = 0;
		int ok = text != NULL && bytes != NULL &&
			 kx_base64_decode(text, text_len, bytes, cap, &len, KX_B64_STANDARD, KX_B64_PADDED) == 0 &&
			 kx_chunks_append(chunks, bytes, len) == 0;
		free(bytes);
		if (!ok)
			return kx_errorf(err, errlen, "flight element %zu is not standard padded base64", i);
	}
	return 0;
}
