/* expectations.c - reads the expectations file:
 *
 *   {"disabled": {"GLOB": "reason", ...},
 *    "expected_failures": {"GLOB": "reason", ...},
 *    "key_identifier_reading": "tr0038-example"}
 *
 * Globs match case ids (fnmatch). Every member is optional; an unknown member
 * is an error so that a typo does not silently change a vendor's run. */
#include "runner/cases/expectations.h"

#include "core/errors.h"
#include "core/keyid.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

static int check_reasons(json_t *root, const char *member, const char *path, char *err, size_t errlen)
{
	json_t *map = json_object_get(root, member);
	if (map == NULL)
		return 0;
	if (!json_is_object(map))
		return kx_errorf(err, errlen,
		                 "%s: \"%s\" must be an object of {\"case-id glob\": \"reason\"}", path,
		                 member);
	const char *glob;
	json_t *reason;
	json_object_foreach(map, glob, reason)
	{
		if (!json_is_string(reason) || json_string_length(reason) == 0)
			return kx_errorf(err, errlen,
			                 "%s: \"%s\" entry \"%s\" needs a reason (a non-empty string)", path,
			                 member, glob);
	}
	return 0;
}

static int load(const char *path, struct kx_expectations *e, char *err, size_t errlen);

int kx_expectations_load(const char *path, struct kx_expectations *e, char *err, size_t errlen)
{
	int ret = load(path, e, err, errlen);
	if (ret != 0)
		kx_expectations_free(e);
	return ret;
}

/* Reads and checks the file into e; on failure e may hold a partial file. */
static int load(const char *path, struct kx_expectations *e, char *err, size_t errlen)
{
	memset(e, 0, sizeof *e);
	if (path == NULL)
		return 0;
	json_error_t error;
	e->root = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
	if (e->root == NULL || !json_is_object(e->root))
		return kx_errorf(err, errlen, "%s: not a JSON object: %s (line %d)", path,
		                 e->root ? "" : error.text, error.line);
	const char *key;
	json_t *value;
	json_object_foreach(e->root, key, value)
	{
		if (strcmp(key, "disabled") != 0 && strcmp(key, "expected_failures") != 0 &&
		    strcmp(key, "key_identifier_reading") != 0 && strcmp(key, "comment") != 0)
			return kx_errorf(err, errlen,
			                 "%s: unknown member \"%s\" (known: disabled, expected_failures, "
			                 "key_identifier_reading, comment)",
			                 path, key);
	}
	if (check_reasons(e->root, "disabled", path, err, errlen) != 0 ||
	    check_reasons(e->root, "expected_failures", path, err, errlen) != 0)
		return -1;
	json_t *reading = json_object_get(e->root, "key_identifier_reading");
	enum kx_keyid_reading parsed;
	if (reading != NULL &&
	    (!json_is_string(reading) || kx_keyid_reading_from_name(json_string_value(reading), &parsed) != 0))
		return kx_errorf(err, errlen,
		                 "%s: \"key_identifier_reading\" must be one of reference, tr0038-example, "
		                 "hexbinary, base64url, unpadded",
		                 path);
	e->claimed_reading = json_string_value(reading);
	return 0;
}

static const char *first_match(const struct kx_expectations *e, const char *member, const char *id)
{
	const char *glob;
	json_t *reason;
	json_object_foreach(json_object_get(e->root, member), glob, reason)
	{
		if (fnmatch(glob, id, 0) == 0)
			return json_string_value(reason);
	}
	return NULL;
}

const char *kx_expectations_disabled(const struct kx_expectations *e, const char *id)
{
	return e->root != NULL ? first_match(e, "disabled", id) : NULL;
}

const char *kx_expectations_failure(const struct kx_expectations *e, const char *id)
{
	return e->root != NULL ? first_match(e, "expected_failures", id) : NULL;
}

void kx_expectations_unmatched(const struct kx_expectations *e, const char *const *ids, size_t n,
                               void (*unmatched)(void *ctx, const char *member, const char *glob), void *ctx)
{
	static const char *const members[] = {"disabled", "expected_failures"};
	for (size_t m = 0; e->root != NULL && m < 2; m++) {
		const char *glob;
		json_t *reason;
		json_object_foreach(json_object_get(e->root, members[m]), glob, reason)
		{
			size_t i = 0;
			while (i < n && fnmatch(glob, ids[i], 0) != 0)
				i++;
			if (i == n)
				unmatched(ctx, members[m], glob);
		}
	}
}

void kx_expectations_free(struct kx_expectations *e)
{
	json_decref(e->root);
	memset(e, 0, sizeof *e);
}
