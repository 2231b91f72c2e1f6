/* vector_file.c - reads a vector file into a document (kx_json_doc_parse,
 * core/json_io.c), and into jansson values when asked, and checks the shared
 * Wycheproof layout: algorithm, schema, numberOfTests, notes with bugType and
 * description, testGroups with type and tests, and per test a unique integer
 * tcId, comment, flags defined in notes, and result. The kind-specific fields
 * are checked by the kind's checker (vector_checks.c). */
#include "runner/vectors/vector_file.h"

#include "core/growable.h"
#include "core/json_io.h"
#include "core/json_parse.h"
#include "core/json_doc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

static void add_problem(struct kx_vector_file *file, long long tc_id, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void add_problem(struct kx_vector_file *file, long long tc_id, const char *fmt, ...)
{
	if (KX_GROW(file->problems, file->cap_problems, file->n_problems + 1) != 0)
		return;
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

static int is_string(const struct kx_json_doc *doc, size_t node)
{
	return kx_json_doc_string(doc, node) != NULL;
}

static int is_type(const struct kx_json_doc *doc, size_t node, json_type type)
{
	return node != 0 && doc->nodes[node].type == type;
}

static int notes_ok(struct kx_vector_file *file, size_t notes)
{
	const struct kx_json_doc *doc = file->doc;
	size_t key = kx_json_doc_first(doc, notes);
	for (uint32_t i = 0; i < doc->nodes[notes].count; i++, key = kx_json_doc_next(doc, key + 1)) {
		if (!is_string(doc, kx_json_doc_get(doc, key + 1, "bugType")) ||
		    !is_string(doc, kx_json_doc_get(doc, key + 1, "description")))
			return file_error(file, "note \"%s\" lacks a string bugType or description",
					  doc->nodes[key].value.string);
	}
	return 0;
}

/* Checks one test's shared fields; returns its problem text or NULL. */
static const char *test_problem(const struct kx_json_doc *doc, size_t test, size_t notes, long long *tc_id,
				char *buf, size_t buflen)
{
	size_t id = kx_json_doc_get(doc, test, "tcId");
	*tc_id = is_type(doc, id, JSON_INTEGER) ? doc->nodes[id].value.integer : 0;
	if (!is_type(doc, test, JSON_OBJECT))
		return "a test is not a JSON object";
	if (!is_type(doc, id, JSON_INTEGER) || doc->nodes[id].value.integer < 1)
		return "a test has no positive integer tcId";
	if (!is_string(doc, kx_json_doc_get(doc, test, "comment")))
		return "no string \"comment\"";
	if (!is_result(kx_json_doc_string(doc, kx_json_doc_get(doc, test, "result"))))
		return "\"result\" is not valid, invalid or acceptable";
	size_t flags = kx_json_doc_get(doc, test, "flags");
	if (!is_type(doc, flags, JSON_ARRAY))
		return "\"flags\" is not an array";
	size_t flag = kx_json_doc_first(doc, flags);
	for (uint32_t i = 0; i < doc->nodes[flags].count; i++, flag = kx_json_doc_next(doc, flag)) {
		const char *name = kx_json_doc_string(doc, flag);
		if (name == NULL)
			return "a flag is not a string";
		if (kx_json_doc_get(doc, notes, name) == 0) {
			snprintf(buf, buflen, "flag \"%s\" is not defined in notes", name);
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

/* The file's bytes in a malloc'd buffer (*len of them), or NULL with errno set. */
static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 1 << 16, used = 0;
	char *text = malloc(cap);
	struct stat st;
	/* Sized from the file when it says (regular files), grown otherwise. */
	if (text != NULL && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size >= cap) {
		free(text);
		cap = (size_t)st.st_size + 1;
		text = malloc(cap);
	}
	while (text != NULL) {
		used += fread(text + used, 1, cap - used, f);
		if (used < cap)
			break;
		char *bigger = realloc(text, cap * 2);
		if (bigger == NULL) {
			free(text);
			text = NULL;
			errno = ENOMEM;
			break;
		}
		text = bigger;
		cap *= 2;
	}
	int failed = ferror(f);
	int saved = errno;
	fclose(f);
	if (text != NULL && failed) {
		free(text);
		text = NULL;
		errno = saved ? saved : EIO;
	}
	*len = used;
	return text;
}

static int load(const char *path, struct kx_vector_file *file, int with_values)
{
	memset(file, 0, sizeof *file);
	snprintf(file->path, sizeof file->path, "%s", path);
	const char *slash = strrchr(file->path, '/');
	file->name = slash != NULL ? slash + 1 : file->path;

	/* The whole file in memory, then read as a document (in place); the
	 * jansson values, when asked for, from the same bytes first. */
	size_t len = 0;
	file->text = read_all(path, &len);
	if (file->text == NULL)
		return file_error(file, "not readable as JSON: cannot read it: %s", strerror(errno));
	json_error_t error;
	if (with_values) {
		file->root = kx_json_parse(file->text, len, JSON_REJECT_DUPLICATES, &error);
		if (file->root == NULL)
			return file_error(file, "not readable as JSON: %s (line %d, column %d)", error.text,
					  error.line, error.column);
	}
	file->doc = calloc(1, sizeof *file->doc);
	if (file->doc == NULL)
		return file_error(file, "out of memory");
	if (kx_json_doc_parse(file->doc, file->text, len, JSON_REJECT_DUPLICATES, &error) != 0)
		return file_error(file, "not readable as JSON: %s (line %d, column %d)", error.text, error.line,
				  error.column);
	const struct kx_json_doc *doc = file->doc;
	if (doc->nodes[0].type != JSON_OBJECT)
		return file_error(file, "the top level is not a JSON object");
	if (!is_string(doc, kx_json_doc_get(doc, 0, "algorithm")))
		return file_error(file, "no string \"algorithm\"");
	file->schema = kx_json_doc_string(doc, kx_json_doc_get(doc, 0, "schema"));
	if (file->schema == NULL)
		return file_error(file, "no string \"schema\"");
	size_t notes = kx_json_doc_get(doc, 0, "notes");
	if (!is_type(doc, notes, JSON_OBJECT))
		return file_error(file, "no \"notes\" object");
	if (notes_ok(file, notes) != 0)
		return -1;
	size_t groups = kx_json_doc_get(doc, 0, "testGroups");
	if (!is_type(doc, groups, JSON_ARRAY))
		return file_error(file, "no \"testGroups\" array");
	json_t *groups_json = json_object_get(file->root, "testGroups");

	size_t total = 0, group = kx_json_doc_first(doc, groups);
	for (uint32_t gi = 0; gi < doc->nodes[groups].count; gi++, group = kx_json_doc_next(doc, group)) {
		size_t tests = kx_json_doc_get(doc, group, "tests");
		total += is_type(doc, tests, JSON_ARRAY) ? doc->nodes[tests].count : 0;
	}
	file->tests = calloc(total ? total : 1, sizeof *file->tests);
	if (file->tests == NULL)
		return file_error(file, "out of memory");

	size_t counted = 0, size = 16;
	while (size < 2 * total)
		size *= 2;
	struct id_set ids = {calloc(size, sizeof(long long)), size - 1};
	if (ids.slots == NULL)
		return file_error(file, "out of memory");
	group = kx_json_doc_first(doc, groups);
	for (uint32_t gi = 0; gi < doc->nodes[groups].count; gi++, group = kx_json_doc_next(doc, group)) {
		size_t tests = kx_json_doc_get(doc, group, "tests");
		if (!is_type(doc, group, JSON_OBJECT) || !is_string(doc, kx_json_doc_get(doc, group, "type")) ||
		    !is_type(doc, tests, JSON_ARRAY)) {
			add_problem(file, 0, "test group %u lacks a string \"type\" or a \"tests\" array", gi + 1);
			continue;
		}
		/* The jansson values have the same shape: both readers accept the same text. */
		json_t *group_json = json_array_get(groups_json, gi);
		json_t *tests_json = json_object_get(group_json, "tests");
		size_t test = kx_json_doc_first(doc, tests);
		for (uint32_t ti = 0; ti < doc->nodes[tests].count; ti++, test = kx_json_doc_next(doc, test)) {
			counted++;
			long long tc_id;
			char buf[200];
			const char *problem = test_problem(doc, test, notes, &tc_id, buf, sizeof buf);
			if (problem == NULL && id_set_add(&ids, tc_id))
				problem = "tcId used twice";
			if (problem != NULL) {
				add_problem(file, tc_id, "%s", problem);
				continue;
			}
			struct kx_vector_test *t = &file->tests[file->n_tests++];
			t->doc = doc;
			t->group_node = group;
			t->test_node = test;
			t->tc_id = tc_id;
			t->result = kx_json_doc_string(doc, kx_json_doc_get(doc, test, "result"));
			t->group = group_json;
			t->test = json_array_get(tests_json, ti);
		}
	}
	free(ids.slots);
	size_t declared = kx_json_doc_get(doc, 0, "numberOfTests");
	int declared_ok = is_type(doc, declared, JSON_INTEGER);
	if (!declared_ok || (size_t)doc->nodes[declared].value.integer != counted)
		add_problem(file, 0, "numberOfTests says %lld, the file holds %zu tests",
			    declared_ok ? (long long)doc->nodes[declared].value.integer : -1LL, counted);
	return 0;
}

int kx_vector_file_load(const char *path, struct kx_vector_file *file)
{
	return load(path, file, 1);
}

int kx_vector_file_read(const char *path, struct kx_vector_file *file)
{
	return load(path, file, 0);
}

void kx_vector_file_free(struct kx_vector_file *file)
{
	json_decref(file->root);
	if (file->doc != NULL)
		kx_json_doc_free(file->doc);
	free(file->doc);
	free(file->text);
	free(file->tests);
	free(file->problems);
	memset(file, 0, sizeof *file);
}
