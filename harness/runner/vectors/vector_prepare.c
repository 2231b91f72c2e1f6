/* vector_prepare.c - a vector file made ready for the drivers
 * (vector_prepare.h): read, its schema's checker found, every test checked
 * by the core where the core can, and every request written as a protocol
 * line, so that the drivers only answer. Nothing here talks to a driver,
 * which is what lets the loader thread (vector_loader.c) prepare the next
 * file while the drivers answer this one. */
#include "runner/vectors/vector_prepare.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends a printf-formatted line to text (silently dropped when out of memory). */
void kx_vector_add_line(struct kx_text *text, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	int n = vsnprintf(NULL, 0, fmt, args);
	va_end(args);
	if (n < 0 || kx_text_reserve(text, (size_t)n + 1) != 0)
		return;
	va_start(args, fmt);
	vsnprintf(text->data + text->len, (size_t)n + 1, fmt, args);
	va_end(args);
	text->len += (size_t)n;
}

/* text as a JSON string; bytes that are not UTF-8 (a reason quoting a malformed file) become '?'. */
json_t *kx_vector_text_json(const char *text)
{
	json_t *value = json_string(text);
	if (value != NULL)
		return value;
	char *copy = strdup(text);
	for (char *c = copy; c != NULL && *c != '\0'; c++)
		if ((unsigned char)*c >= 0x80)
			*c = '?';
	value = json_string(copy != NULL ? copy : "");
	free(copy);
	return value;
}

/* A problem with the file or one of its tests (tc_id 0: the file's): an ERROR line, and an entry
 * of the vectors report. */
static void add_problem(struct kx_prepared_file *p, const char *name, long long tc_id, const char *text)
{
	json_t *entry = json_pack("{s:o}", "text", kx_vector_text_json(text));
	if (tc_id > 0) {
		kx_vector_add_line(&p->report, "ERROR %s tcId %lld: %s\n", name, tc_id, text);
		json_object_set_new(entry, "tcId", json_integer(tc_id));
	} else {
		kx_vector_add_line(&p->report, "ERROR %s: %s\n", name, text);
	}
	json_array_append_new(p->problems, entry);
	p->tally.malformed++;
}

/* Loads path and does everything about it that needs no driver. */
void kx_vector_prepare(const char *path, struct kx_prepared_file *p)
{
	char reason[512];
	memset(p, 0, sizeof *p);
	p->path = path;
	p->problems = json_array();
	p->core_failures = json_array();
	if (kx_vector_file_read(path, &p->file) != 0) {
		add_problem(p, path, 0, p->file.error);
		return;
	}
	p->kind = kx_vector_kind_for(p->file.schema);
	if (p->kind == NULL) {
		snprintf(reason, sizeof reason, "unknown schema \"%s\": this kxconform has no checker for it",
		         p->file.schema);
		add_problem(p, path, 0, reason);
		return;
	}
	const struct kx_vector_file *file = &p->file;
	for (size_t i = 0; i < file->n_problems; i++)
		add_problem(p, file->name, file->problems[i].tc_id, file->problems[i].text);
	p->first = calloc(file->n_tests + 1, sizeof *p->first);
	p->count = calloc(file->n_tests + 1, sizeof *p->count);
	if (p->first == NULL || p->count == NULL) {
		add_problem(p, path, 0, "out of memory");
		p->kind = NULL;
		return;
	}
	for (size_t t = 0; t < file->n_tests; t++) {
		const struct kx_vector_test *test = &file->tests[t];
		p->tally.tests++;
		int core = kx_vector_check_core(p->kind, test, reason, sizeof reason);
		if (core != 0)
			p->tally.core_checked++;
		if (core < 0) {
			kx_vector_add_line(&p->report, "FAIL %s tcId %lld [core]: %s\n", file->name,
			                   test->tc_id, reason);
			json_array_append_new(p->core_failures,
			                      json_pack("{s:I, s:o}", "tcId", (json_int_t)test->tc_id,
			                                "reason", kx_vector_text_json(reason)));
			p->tally.core_failed++;
		}
		p->first[t] = p->n_requests;
		int n = kx_vector_write_requests(p->kind, test, (long long)p->n_requests, &p->requests,
		                                 reason, sizeof reason);
		if (n < 0) {
			add_problem(p, file->name, test->tc_id, reason);
			n = 0;
		}
		p->count[t] = n;
		p->n_requests += (size_t)n;
	}
}

void kx_vector_release(struct kx_prepared_file *p)
{
	kx_vector_file_free(&p->file);
	free(p->report.data);
	free(p->requests.data);
	free(p->first);
	free(p->count);
	json_decref(p->problems);
	json_decref(p->core_failures);
	memset(p, 0, sizeof *p);
}
