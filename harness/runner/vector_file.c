/* vector_file.c - reads a vector file with jansson and checks the shared
 * Wycheproof layout: algorithm, schema, numberOfTests, notes with bugType and
 * description, testGroups with type and tests, and per test a unique integer
 * tcId, comment, flags defined in notes, and result. The kind-specific fields
 * are checked by the kind's checker (vector_checks.c). */
#include "runner/vector_file.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add_problem(struct kx_vector_file *file, long long tc_id, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void add_problem(struct kx_vector_file *file, long long tc_id, const char *fmt, ...)
{
	struct kx_vector_problem *more = realloc(file->problems, (file->n_problems + 1) * sizeof *more);
	if (more == NULL)
		return;
	file->problems = more;
	struct kx_vector_problem *p = &file->problems[file->n_problems++];
	p->tc_id = tc_id;
	va_list args;
	va_start(args, fmt);
	vsnprintf(p->text, sizeof p->text, fmt, args);
	va_end(args);
}

static int file_error(struct kx_vector_file *file, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int file_error(struct kx_vector_file *file, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	vsnprintf(file->error, sizeof file->error, fmt, args);
	va_end(args);
	return -1;
}

static int is_result(const char *s)
{
	return s != NULL && (strcmp(s, "valid") == 0 || strcmp(s, "invalid") == 0 || strcmp(s, "acceptable") == 0);
}

static int notes_ok(struct kx_vector_file *file, json_t *notes)
{
	const char *flag;
	json_t *note;
	json_object_foreach(notes, flag, note)
	{
		if (!json_is_string(json_object_get(note, "bugType")) ||
		    !json_is_string(json_object_get(note, "description")))
			return file_error(file, "note \"%s\" lacks a string bugType or description", flag);
	}
	return 0;
}

/* Checks one test's shared fields; returns its problem text or NULL. */
static const char *test_problem(json_t *test, json_t *notes, long long *tc_id, char *buf, size_t buflen)
{
	json_t *id = json_object_get(test, "tcId");
	*tc_id = json_is_integer(id) ? json_integer_value(id) : 0;
	if (!json_is_object(test))
		return "a test is not a JSON object";
	if (!json_is_integer(id) || json_integer_value(id) < 1)
		return "a test has no positive integer tcId";
	if (!json_is_string(json_object_get(test, "comment")))
		return "no string \"comment\"";
	if (!is_result(json_string_value(json_object_get(test, "result"))))
		return "\"result\" is not valid, invalid or acceptable";
	json_t *flags = json_object_get(test, "flags");
	if (!json_is_array(flags))
		return "\"flags\" is not an array";
	size_t i;
	json_t *flag;
	json_array_foreach(flags, i, flag)
	{
		if (!json_is_string(flag))
			return "a flag is not a string";
		if (json_object_get(notes, json_string_value(flag)) == NULL) {
			snprintf(buf, buflen, "flag \"%s\" is not defined in notes", json_string_value(flag));
			return buf;
		}
	}
	return NULL;
}

/* The tcIds seen so far, in an open-addressing table: a linear scan per test
 * made loading quadratic (1.25e9 comparisons for a 50,000-test file). */
struct id_set {
	long long *slots; /* 0 = empty (tcIds are >= 1) */
	size_t mask;
};

/* Adds id; returns 1 if it was already there. */
static int id_set_add(struct id_set *set, long long id)
{
	size_t i = (size_t)((unsigned long long)id * 0x9E3779B97F4A7C15ull) & set->mask;
	while (set->slots[i] != 0) {
		if (set->slots[i] == id)
			return 1;
		i = (i + 1) & set->mask;
	}
	set->slots[i] = id;
	return 0;
}

int kx_vector_file_load(const char *path, struct kx_vector_file *file)
{
	memset(file, 0, sizeof *file);
	snprintf(file->path, sizeof file->path, "%s", path);
	const char *slash = strrchr(file->path, '/');
	file->name = slash != NULL ? slash + 1 : file->path;

	json_error_t error;
	file->root = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
	if (file->root == NULL)
		return file_error(file, "not readable as JSON: %s (line %d, column %d)", error.text, error.line,
				  error.column);
	if (!json_is_object(file->root))
		return file_error(file, "the top level is not a JSON object");
	if (!json_is_string(json_object_get(file->root, "algorithm")))
		return file_error(file, "no string \"algorithm\"");
	file->schema = json_string_value(json_object_get(file->root, "schema"));
	if (file->schema == NULL)
		return file_error(file, "no string \"schema\"");
	json_t *notes = json_object_get(file->root, "notes");
	if (!json_is_object(notes))
		return file_error(file, "no \"notes\" object");
	if (notes_ok(file, notes) != 0)
		return -1;
	json_t *groups = json_object_get(file->root, "testGroups");
	if (!json_is_array(groups))
		return file_error(file, "no \"testGroups\" array");

	size_t total = 0, gi, ti;
	json_t *group, *test;
	json_array_foreach(groups, gi, group) total += json_array_size(json_object_get(group, "tests"));
	file->tests = calloc(total ? total : 1, sizeof *file->tests);
	if (file->tests == NULL)
		return file_error(file, "out of memory");

	size_t counted = 0, size = 16;
	while (size < 2 * total)
		size *= 2;
	struct id_set ids = {calloc(size, sizeof(long long)), size - 1};
	if (ids.slots == NULL)
		return file_error(file, "out of memory");
	json_array_foreach(groups, gi, group)
	{
		json_t *tests = json_object_get(group, "tests");
		if (!json_is_object(group) || !json_is_string(json_object_get(group, "type")) ||
		    !json_is_array(tests)) {
			add_problem(file, 0, "test group %zu lacks a string \"type\" or a \"tests\" array", gi + 1);
			continue;
		}
		json_array_foreach(tests, ti, test)
		{
			counted++;
			long long tc_id;
			char buf[200];
			const char *problem = test_problem(test, notes, &tc_id, buf, sizeof buf);
			if (problem == NULL && id_set_add(&ids, tc_id))
				problem = "tcId used twice";
			if (problem != NULL) {
				add_problem(file, tc_id, "%s", problem);
				continue;
			}
			struct kx_vector_test *t = &file->tests[file->n_tests++];
			t->group = group;
			t->test = test;
			t->tc_id = tc_id;
			t->result = json_string_value(json_object_get(test, "result"));
		}
	}
	free(ids.slots);
	json_t *declared = json_object_get(file->root, "numberOfTests");
	if (!json_is_integer(declared) || (size_t)json_integer_value(declared) != counted)
		add_problem(file, 0, "numberOfTests says %lld, the file holds %zu tests",
			    json_is_integer(declared) ? (long long)json_integer_value(declared) : -1LL, counted);
	return 0;
}

void kx_vector_file_free(struct kx_vector_file *file)
{
	json_decref(file->root);
	free(file->tests);
	free(file->problems);
	memset(file, 0, sizeof *file);
}
