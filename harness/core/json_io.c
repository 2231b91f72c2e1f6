/* json_io.c - jansson helpers shared by the driver and the runner.
 *
 * Both sides of the driver protocol exchange byte strings as lower-case hex
 * members (the convention of the vectors) and one JSON object per line, so
 * these live in one place and the two sides cannot drift apart. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "json_io.h"
#include "json_write.h"

static void set_err(char *err, size_t errlen, const char *what, const char *key)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "member \"%s\" %s", key, what);
}

int kx_json_get_hex(json_t *obj, const char *key, uint8_t **out, size_t *len, char *err, size_t errlen)
{
	json_t *member = json_object_get(obj, key);
	const char *text;
	size_t textlen;
	uint8_t *buf;

	*out = NULL;
	*len = 0;
	if (member == NULL) {
		set_err(err, errlen, "is missing", key);
		return -1;
	}
	if (!json_is_string(member)) {
		set_err(err, errlen, "is not a string", key);
		return -1;
	}
	/* The length from jansson, not strlen: a "\u0000" inside must fail as
	 * a non-hex character instead of silently shortening the value. */
	text = json_string_value(member);
	textlen = json_string_length(member);
	buf = malloc(textlen / 2 + 1);
	if (buf == NULL) {
		set_err(err, errlen, "does not fit in memory", key);
		return -1;
	}
	if (kx_hex_decode(text, textlen, buf, textlen / 2, len) != 0) {
		free(buf);
		set_err(err, errlen, "is not hex (odd length or a non-hex character)", key);
		return -1;
	}
	*out = buf;
	return 0;
}

const char *kx_json_get_string(json_t *obj, const char *key)
{
	json_t *member = json_object_get(obj, key);

	return json_is_string(member) ? json_string_value(member) : NULL;
}

int kx_json_array_has_string(json_t *array, const char *value)
{
	size_t i;
	json_t *item;
	json_array_foreach(array, i, item)
	{
		if (json_is_string(item) && strcmp(json_string_value(item), value) == 0)
			return 1;
	}
	return 0;
}

json_t *kx_json_array_named(json_t *array, const char *name)
{
	size_t i;
	json_t *item;
	if (name == NULL)
		return NULL; /* asked for every case of a suite, most with no name to look up */
	json_array_foreach(array, i, item)
	{
		const char *text = kx_json_get_string(item, "name");
		if (text != NULL && strcmp(text, name) == 0)
			return item;
	}
	return NULL;
}

int kx_json_set_hex(json_t *obj, const char *key, const uint8_t *buf, size_t len)
{
	/* Hex digits are ASCII, so jansson's UTF-8 check can be skipped; most
	 * values fit on the stack (one per derivation output). */
	char small[2 * 256 + 1];
	char *text = len <= 256 ? small : malloc(2 * len + 1);
	int rc;

	if (text == NULL)
		return -1;
	kx_hex_encode(buf, len, text, 0);
	rc = json_object_set_new(obj, key, json_stringn_nocheck(text, 2 * len));
	if (text != small)
		free(text);
	return rc == 0 ? 0 : -1;
}

char *kx_json_line(json_t *obj)
{
	struct kx_text text = {NULL, 0, 0};

	/* As json_dumps without JSON_ENCODE_ANY: only an object or an array. */
	if (!json_is_object(obj) && !json_is_array(obj))
		return NULL;
	if (kx_json_write(&text, obj) != 0 || kx_text_put(&text, "", 1) != 0 /* the NUL */) {
		free(text.data);
		return NULL;
	}
	return text.data;
}
