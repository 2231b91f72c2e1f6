/* axes.c - reads the suite's axes and chooses, per profile, the combinations of a scenario's axes
 * that become cases. The defaults' combination comes first and gives no case id suffix, so the
 * `fast` profile is the matrix as it was before axes existed. */
#include "runner/cases/axes.h"

#include "core/errors.h"
#include "core/json_io.h"
#include "runner/cases/pairwise.h"
#include "runner/wire/relay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const profile_names[KX_PROFILE_COUNT] = {"fast", "pairwise", "full"};

int kx_profile_from_name(const char *name, enum kx_profile *profile)
{
	for (int i = 0; i < KX_PROFILE_COUNT; i++)
		if (strcmp(profile_names[i], name) == 0) {
			*profile = (enum kx_profile)i;
			return 0;
		}
	return -1;
}

const char *kx_profile_name(enum kx_profile profile)
{
	return profile_names[profile];
}

/* Letters, digits and '-' (lower-case letters only for an axis): a name that reads well in a case
 * id and a file name, and no '.', which separates a case id's parts. */
static int good_name(const char *name, int upper)
{
	const char *allowed = upper ? "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"
	                            : "abcdefghijklmnopqrstuvwxyz0123456789-";
	return name != NULL && name[0] != '\0' && strspn(name, allowed) == strlen(name);
}

/* The member of entry not among allowed, or NULL. */
static const char *unknown_member(json_t *entry, const char *const *allowed, size_t n)
{
	const char *key;
	json_t *value;
	json_object_foreach(entry, key, value)
	{
		size_t i = 0;
		while (i < n && strcmp(allowed[i], key) != 0)
			i++;
		if (i == n)
			return key;
	}
	return NULL;
}

/* A "transports" member: absent, or a non-empty array of "tls" and "dtls". */
static int good_transports(json_t *list)
{
	size_t i;
	json_t *t;
	if (list == NULL)
		return 1;
	if (!json_is_array(list) || json_array_size(list) == 0)
		return 0;
	json_array_foreach(list, i, t)
	{
		if (!json_is_string(t) || (strcmp(json_string_value(t), "tls") != 0 && strcmp(json_string_value(t), "dtls") != 0))
			return 0;
	}
	return 1;
}

/* 1 if an entry with this "transports" member (absent: both) may run over transport. */
static int runs_over(json_t *entry, const char *transport)
{
	json_t *list = json_object_get(entry, "transports");
	return list == NULL || kx_json_array_has_string(list, transport);
}

/* The value's relay members; -1 with err (after "axis A, value V: ") when one is wrong. */
static int check_relay(json_t *axis, json_t *value, char *err, size_t errlen)
{
	static const char *const allowed[] = {"records", "fault", "flight"};
	json_t *relay = json_object_get(value, "relay");
	if (relay == NULL)
		return 0;
	const char *unknown = json_is_object(relay) ? unknown_member(relay, allowed, 3) : "";
	if (unknown != NULL)
		return kx_errorf(err, errlen, "\"relay\" must be an object of records, fault and flight, not %s",
		                 unknown[0] ? unknown : "something else");
	const char *records = kx_json_get_string(relay, "records"), *fault = kx_json_get_string(relay, "fault");
	enum kx_records_layout layout;
	enum kx_fault_kind kind;
	int tls = runs_over(value, "tls") && runs_over(axis, "tls"), dtls = runs_over(value, "dtls") && runs_over(axis, "dtls");
	if (json_object_get(relay, "records") != NULL && (records == NULL || kx_records_from_name(records, &layout) != 0))
		return kx_errorf(err, errlen, "\"relay\".records is library, coalesced or split");
	if (records != NULL && dtls)
		return kx_errorf(err, errlen, "\"relay\".records re-frames TLS records: the value or its axis needs "
		                              "\"transports\": [\"tls\"]");
	if (json_object_get(relay, "fault") != NULL &&
	    (fault == NULL || kx_fault_from_name(fault, &kind) != 0 ||
	     json_integer_value(json_object_get(relay, "flight")) < 1))
		return kx_errorf(err, errlen, "\"relay\".fault (drop, truncate, flip-bit, reorder, replay, duplicate) "
		                              "needs a \"flight\" from 1");
	if (fault == NULL && json_object_get(relay, "flight") != NULL)
		return kx_errorf(err, errlen, "\"relay\".flight belongs with a \"fault\"");
	if (fault != NULL && tls)
		return kx_errorf(err, errlen, "\"relay\".fault is a loss the ends must recover from through their "
		                              "DTLS retransmission timers: the value or its axis needs \"transports\": "
		                              "[\"dtls\"]");
	return 0;
}

/* One value of an axis; -1 with err (after "axis A, value V: "). */
static int check_value(json_t *axis, json_t *value, size_t index, char *err, size_t errlen)
{
	static const char *const allowed[] = {"name", "title", "initiator", "terminator", "relay", "needs", "transports"};
	const char *unknown = unknown_member(value, allowed, sizeof allowed / sizeof allowed[0]);
	if (unknown != NULL)
		return kx_errorf(err, errlen, "unknown member \"%s\" (a value has name, title, initiator, terminator, "
		                              "relay, needs, transports)", unknown);
	const char *ends[2] = {"initiator", "terminator"};
	for (int e = 0; e < 2; e++)
		if (json_object_get(value, ends[e]) != NULL && !json_is_object(json_object_get(value, ends[e])))
			return kx_errorf(err, errlen, "\"%s\" must be an object of driver configuration", ends[e]);
	if (!good_transports(json_object_get(value, "transports")))
		return kx_errorf(err, errlen, "\"transports\" must be a non-empty array of \"tls\" and \"dtls\"");
	json_t *needs = json_object_get(value, "needs");
	size_t i;
	json_t *name;
	if (needs != NULL && !json_is_array(needs))
		return kx_errorf(err, errlen, "\"needs\" must be an array of feature or scenario names");
	json_array_foreach(needs, i, name)
	{
		if (!json_is_string(name))
			return kx_errorf(err, errlen, "\"needs\" must be an array of feature or scenario names");
	}
	if (check_relay(axis, value, err, errlen) != 0)
		return -1;
	/* The default runs wherever the axis does, on every driver, and must complete. */
	if (index == 0 && (needs != NULL || json_object_get(value, "transports") != NULL ||
	                   json_object_get(json_object_get(value, "relay"), "fault") != NULL))
		return kx_errorf(err, errlen, "the first value is the axis's default: it runs wherever the axis does, "
		                              "so it takes no \"needs\", \"transports\" or relay \"fault\"");
	return 0;
}

/* One axis of the suite; -1 with err naming it. */
static int check_axis(json_t *axes, size_t index, char *err, size_t errlen)
{
	static const char *const allowed[] = {"name", "title", "transports", "values"};
	json_t *axis = json_array_get(axes, index);
	const char *name = kx_json_get_string(axis, "name");
	if (!json_is_object(axis) || !good_name(name, 0))
		return kx_errorf(err, errlen, "axis %zu: \"name\" must be lower-case letters, digits and '-'", index + 1);
	for (size_t k = 0; k < index; k++)
		if (strcmp(kx_json_get_string(json_array_get(axes, k), "name"), name) == 0)
			return kx_errorf(err, errlen, "axis %s is there twice", name);
	const char *unknown = unknown_member(axis, allowed, sizeof allowed / sizeof allowed[0]);
	if (unknown != NULL)
		return kx_errorf(err, errlen, "axis %s: unknown member \"%s\" (an axis has name, title, transports, values)",
		                 name, unknown);
	if (!good_transports(json_object_get(axis, "transports")))
		return kx_errorf(err, errlen, "axis %s: \"transports\" must be a non-empty array of \"tls\" and \"dtls\"",
		                 name);
	json_t *values = json_object_get(axis, "values");
	if (!json_is_array(values) || json_array_size(values) == 0)
		return kx_errorf(err, errlen, "axis %s: \"values\" must be a non-empty array, its default first", name);
	size_t i;
	json_t *value;
	json_array_foreach(values, i, value)
	{
		const char *value_name = kx_json_get_string(value, "name");
		char why[400];
		if (!json_is_object(value) || !good_name(value_name, 1))
			return kx_errorf(err, errlen, "axis %s, value %zu: \"name\" must be letters, digits and '-'",
			                 name, i + 1);
		for (size_t k = 0; k < i; k++)
			if (strcmp(kx_json_get_string(json_array_get(values, k), "name"), value_name) == 0)
				return kx_errorf(err, errlen, "axis %s: value %s is there twice", name, value_name);
		if (check_value(axis, value, i, why, sizeof why) != 0)
			return kx_errorf(err, errlen, "axis %s, value %s: %s", name, value_name, why);
	}
	return 0;
}

/* The suite's axis named name, or NULL. */
static json_t *axis_named(json_t *root, const char *name)
{
	return kx_json_array_named(json_object_get(root, "axes"), name);
}

int kx_axes_check(json_t *root, char *err, size_t errlen)
{
	json_t *axes = json_object_get(root, "axes");
	if (axes != NULL && !json_is_array(axes))
		return kx_errorf(err, errlen, "\"axes\" must be an array of axes");
	for (size_t i = 0; i < json_array_size(axes); i++)
		if (check_axis(axes, i, err, errlen) != 0)
			return -1;
	size_t s;
	json_t *scenario;
	json_array_foreach(json_object_get(root, "scenarios"), s, scenario)
	{
		json_t *list = json_object_get(scenario, "axes");
		const char *name = kx_json_get_string(scenario, "name");
		if (name == NULL)
			name = "(without a name)";
		if (list != NULL && (!json_is_array(list) || json_array_size(list) > KX_MAX_AXES))
			return kx_errorf(err, errlen, "scenario %s: \"axes\" must be an array of at most %d axis names", name,
			                 KX_MAX_AXES);
		size_t i;
		json_t *axis;
		json_array_foreach(list, i, axis)
		{
			const char *axis_name = json_string_value(axis);
			if (axis_named(root, axis_name) == NULL)
				return kx_errorf(err, errlen, "scenario %s: axis %s is not among the suite's \"axes\"", name,
				                 axis_name != NULL ? axis_name : "(not a string)");
			for (size_t k = 0; k < i; k++)
				if (strcmp(json_string_value(json_array_get(list, k)), axis_name) == 0)
					return kx_errorf(err, errlen, "scenario %s: axis %s is listed twice", name, axis_name);
		}
	}
	return 0;
}

/* The axes scenario takes over transport and, for each, the values that run over it. */
struct applicable {
	size_t n;
	json_t *axis[KX_MAX_AXES];
	json_t *values[KX_MAX_AXES]; /* a new array each: the default, then the others that run over transport */
	size_t sizes[KX_MAX_AXES];
};

static void applicable_free(struct applicable *a)
{
	for (size_t i = 0; i < a->n; i++)
		json_decref(a->values[i]);
}

static void find_applicable(json_t *root, json_t *scenario, const char *transport, struct applicable *a)
{
	memset(a, 0, sizeof *a);
	size_t i;
	json_t *name;
	json_array_foreach(json_object_get(scenario, "axes"), i, name)
	{
		json_t *axis = axis_named(root, json_string_value(name));
		if (axis == NULL || !runs_over(axis, transport))
			continue;
		json_t *values = json_array();
		size_t k;
		json_t *value;
		json_array_foreach(json_object_get(axis, "values"), k, value)
		{
			if (runs_over(value, transport))
				json_array_append(values, value);
		}
		a->axis[a->n] = axis;
		a->values[a->n] = values;
		a->sizes[a->n++] = json_array_size(values);
	}
}

/* Every combination, the first axis varying slowest; *rows as kx_pairwise gives them. */
static int product_rows(const size_t *sizes, size_t k, size_t **rows, size_t *n)
{
	size_t total = 1;
	for (size_t i = 0; i < k; i++)
		total *= sizes[i];
	*rows = malloc((total * k + 1) * sizeof **rows);
	*n = total;
	if (*rows == NULL)
		return -1;
	for (size_t r = 0; r < total; r++)
		for (size_t i = k, rest = r; i-- > 0;) {
			(*rows)[r * k + i] = rest % sizes[i];
			rest /= sizes[i];
		}
	return 0;
}

int kx_axes_combinations(json_t *root, json_t *scenario, const char *transport, enum kx_profile profile,
                         struct kx_axes_combo **combos, size_t *n)
{
	struct applicable a;
	find_applicable(root, scenario, transport, &a);
	size_t *rows = NULL, n_rows = 1;
	int ret = profile == KX_PROFILE_FULL       ? product_rows(a.sizes, a.n, &rows, &n_rows)
	          : profile == KX_PROFILE_PAIRWISE ? kx_pairwise(a.sizes, a.n, &rows, &n_rows)
	                                           : 0;
	if (profile == KX_PROFILE_FAST)
		rows = calloc(a.n + 1, sizeof *rows); /* one row: every axis at its default */
	*combos = ret == 0 && rows != NULL ? calloc(n_rows, sizeof **combos) : NULL;
	*n = *combos != NULL ? n_rows : 0;
	for (size_t r = 0; r < *n; r++) {
		(*combos)[r].n = a.n;
		for (size_t i = 0; i < a.n; i++) {
			(*combos)[r].axis[i] = a.axis[i];
			(*combos)[r].value[i] = json_array_get(a.values[i], rows[r * a.n + i]);
		}
	}
	free(rows);
	applicable_free(&a); /* the values stay referenced by the suite's own arrays */
	return *combos != NULL ? 0 : -1;
}

/* 1 if value is its axis's default (the first of its values). */
static int is_default(json_t *axis, json_t *value)
{
	return json_array_get(json_object_get(axis, "values"), 0) == value;
}

void kx_axes_suffix(const struct kx_axes_combo *combo, char *out, size_t len)
{
	out[0] = '\0';
	for (size_t i = 0; i < combo->n; i++)
		if (!is_default(combo->axis[i], combo->value[i]))
			kx_appendf(out, len, "+%s=%s", kx_json_get_string(combo->axis[i], "name"),
			           kx_json_get_string(combo->value[i], "name"));
}

json_t *kx_axes_json(const struct kx_axes_combo *combo)
{
	if (combo->n == 0)
		return NULL;
	json_t *axes = json_object();
	for (size_t i = 0; i < combo->n; i++)
		json_object_set_new(axes, kx_json_get_string(combo->axis[i], "name"),
		                    json_string(kx_json_get_string(combo->value[i], "name")));
	return axes;
}

void kx_axes_overlay(const struct kx_axes_combo *combo, const char *end, json_t *config)
{
	for (size_t i = 0; i < combo->n; i++)
		json_object_update(config, json_object_get(combo->value[i], end));
}

json_t *kx_axes_relay(const struct kx_axes_combo *combo)
{
	json_t *relay = json_object();
	for (size_t i = 0; i < combo->n; i++)
		json_object_update(relay, json_object_get(combo->value[i], "relay"));
	return relay;
}

json_t *kx_axes_needs(const struct kx_axes_combo *combo)
{
	json_t *needs = NULL;
	for (size_t i = 0; i < combo->n; i++) {
		size_t k;
		json_t *name;
		json_array_foreach(json_object_get(combo->value[i], "needs"), k, name)
		{
			if (needs == NULL)
				needs = json_array();
			if (!kx_json_array_has_string(needs, json_string_value(name)))
				json_array_append(needs, name);
		}
	}
	return needs;
}
