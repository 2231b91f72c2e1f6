/* requirements.c - the coverage table of a run: per catalogue entry, the report's cases that
 * check it and whether they met it, or the catalogue's reason why no case does. The table copies
 * what it shows of each entry (its text, clause, reason), so a report, and a merge of reports,
 * is read without the catalogue. */
#include "runner/reports/requirements.h"

#include "core/errors.h"
#include "core/json_io.h"

#include <stdlib.h>
#include <string.h>

/* What a table entry carries over from its catalogue entry, when the catalogue has it. */
static const char *const copied[] = {"id", "document", "clause", "kind", "text", "untestable", "gap", "note"};

/* The members every catalogue entry must have as strings: the table and its readers rely on them. */
static const char *const required[] = {"id", "document", "clause", "kind", "text"};

struct catalogue {
	json_t *root;
	json_t *index; /* id -> the entry's position in root["entries"] */
};

static void catalogue_free(struct catalogue *cat)
{
	json_decref(cat->root);
	json_decref(cat->index);
}

/* Reads the catalogue at path; 0, or -1 with err naming the file and what is wrong with it. */
static int catalogue_load(const char *path, struct catalogue *cat, char *err, size_t errlen)
{
	json_error_t error;
	cat->index = json_object();
	cat->root = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
	/* jansson says "unable to open PATH: ..." with no line when the file cannot be read. */
	if (cat->root == NULL && error.line < 1)
		return kx_errorf(err, errlen, "requirements catalogue: %s (--requirements FILE)", error.text);
	if (cat->root == NULL)
		return kx_errorf(err, errlen, "requirements catalogue %s: not readable as JSON: %s (line %d)",
		                 path, error.text, error.line);
	json_t *entries = json_object_get(cat->root, "entries");
	if (!json_is_array(entries) || json_array_size(entries) == 0)
		return kx_errorf(err, errlen, "requirements catalogue %s: no \"entries\" array", path);
	size_t i;
	json_t *entry;
	json_array_foreach(entries, i, entry)
	{
		for (size_t k = 0; k < sizeof required / sizeof required[0]; k++)
			if (!json_is_string(json_object_get(entry, required[k])))
				return kx_errorf(err, errlen,
				                 "requirements catalogue %s: entry %zu has no string \"%s\"",
				                 path, i + 1, required[k]);
		const char *id = kx_json_get_string(entry, "id");
		if (json_object_get(cat->index, id) != NULL)
			return kx_errorf(err, errlen, "requirements catalogue %s: the id %s is there twice",
			                 path, id);
		json_object_set_new(cat->index, id, json_integer((json_int_t)i));
	}
	return 0;
}

/* Checks one suite entry's "requirements" (absent, or an array of ids the catalogue has); 0, or -1
 * with err saying where (what, e.g. "negative case wrong-name") and which id. */
static int check_list(json_t *entry, const char *scenario, const char *what, const char *path,
                      const struct catalogue *cat, char *err, size_t errlen)
{
	json_t *list = json_object_get(entry, "requirements");
	if (list == NULL)
		return 0;
	if (!json_is_array(list))
		return kx_errorf(err, errlen, "scenario %s, %s: \"requirements\" must be an array of ids",
		                 scenario, what);
	size_t i;
	json_t *id;
	json_array_foreach(list, i, id)
	{
		if (!json_is_string(id))
			return kx_errorf(err, errlen, "scenario %s, %s: requirement %zu is not a string",
			                 scenario, what, i + 1);
		if (json_object_get(cat->index, json_string_value(id)) == NULL)
			return kx_errorf(err, errlen,
			                 "scenario %s, %s: requirement %s is not in the catalogue %s",
			                 scenario, what, json_string_value(id), path);
	}
	return 0;
}

/* Every list of the suite, the entries no case expands from included (a transport filter). */
static int check_suite(const struct kx_suite *suite, const char *path, const struct catalogue *cat, char *err,
                       size_t errlen)
{
	char why[800], what[200];
	size_t i, k;
	json_t *scenario, *entry;
	json_array_foreach(json_object_get(suite->root, "scenarios"), i, scenario)
	{
		const char *name = kx_json_get_string(scenario, "name");
		int failed = check_list(scenario, name, "its positive cases", path, cat, why, sizeof why);
		json_array_foreach(json_object_get(scenario, "negative"), k, entry)
		{
			snprintf(what, sizeof what, "negative case %s", kx_json_get_string(entry, "name"));
			failed = failed || check_list(entry, name, what, path, cat, why, sizeof why);
		}
		json_array_foreach(json_object_get(scenario, "faults"), k, entry)
		{
			snprintf(what, sizeof what, "fault %s of flight %lld",
			         kx_json_get_string(entry, "fault"),
			         (long long)json_integer_value(json_object_get(entry, "flight")));
			failed = failed || check_list(entry, name, what, path, cat, why, sizeof why);
		}
		if (failed)
			return kx_errorf(err, errlen, "%s: %s", suite->path, why);
	}
	return 0;
}

int kx_requirements_check(const char *path, const struct kx_suite *suite, char *err, size_t errlen)
{
	struct catalogue cat;
	int status = catalogue_load(path, &cat, err, errlen);
	if (status == 0)
		status = check_suite(suite, path, &cat, err, errlen);
	catalogue_free(&cat);
	return status;
}

/* The ids a case of the suite checks (borrowed; NULL when its entry lists none). */
static json_t *case_ids(const struct kx_case *c)
{
	return json_object_get(c->kind == KX_CASE_POSITIVE ? c->scenario : c->variant, "requirements");
}

/* The table's entries before counting: what each shows of the catalogue, and how many cases of the
 * whole suite check it, which tells a requirement this report did not run from one no case checks. */
static json_t *table_entries(const struct catalogue *cat, const struct kx_suite *suite)
{
	json_t *entries = json_object_get(cat->root, "entries");
	size_t n = json_array_size(entries);
	json_int_t *suite_cases = calloc(n + 1, sizeof *suite_cases);
	for (size_t i = 0; suite_cases != NULL && i < suite->n_cases; i++) {
		size_t k;
		json_t *id;
		json_array_foreach(case_ids(&suite->cases[i]), k, id)
		{
			json_t *pos = json_object_get(cat->index, json_string_value(id));
			if (pos != NULL)
				suite_cases[json_integer_value(pos)]++;
		}
	}
	json_t *table = json_array();
	size_t i;
	json_t *entry;
	json_array_foreach(entries, i, entry)
	{
		json_t *row = json_object();
		for (size_t k = 0; k < sizeof copied / sizeof copied[0]; k++)
			if (json_is_string(json_object_get(entry, copied[k])))
				json_object_set(row, copied[k], json_object_get(entry, copied[k]));
		if (json_is_array(json_object_get(entry, "checked_by_vectors")))
			json_object_set(row, "vectors", json_object_get(entry, "checked_by_vectors"));
		json_object_set_new(row, "suite_cases",
		                    json_integer(suite_cases != NULL ? suite_cases[i] : 0));
		json_array_append_new(table, row);
	}
	free(suite_cases);
	return table;
}

int kx_requirements_report(json_t *report, struct kx_report_cases *cases, const char *path,
                           const struct kx_suite *suite, char *err, size_t errlen)
{
	struct catalogue cat;
	if (catalogue_load(path, &cat, err, errlen) != 0 ||
	    check_suite(suite, path, &cat, err, errlen) != 0) {
		catalogue_free(&cat);
		return -1;
	}
	/* The suite's case of each report case, by id (the first, should the suite repeat one). */
	json_t *by_id = json_object();
	for (size_t i = suite->n_cases; i-- > 0;)
		json_object_set_new(by_id, suite->cases[i].id, json_integer((json_int_t)i));
	for (size_t k = 0; k < cases->n; k++) {
		struct kx_case_row *c = &cases->rows[k];
		json_t *pos = c->id != NULL ? json_object_get(by_id, c->id) : NULL;
		json_t *ids = pos != NULL ? case_ids(&suite->cases[json_integer_value(pos)]) : NULL;
		if (json_array_size(ids) > 0) {
			json_decref(c->requirements);
			c->requirements = json_incref(ids);
		}
	}
	json_decref(by_id);
	json_object_set_new(report, "requirements",
	                    json_pack("{s:s, s:{}, s:o}", "catalogue", path, "totals", "entries",
	                              table_entries(&cat, suite)));
	catalogue_free(&cat);
	kx_requirements_recount_cases(report, cases);
	return 0;
}

/* What the cases of a report did for one requirement. */
struct tally {
	json_int_t cases, met, skipped, xfail;
	json_t *unmet; /* the ids of the cases that did not meet their expectation */
};

static void count_case(struct tally *t, const struct kx_case_row *c)
{
	const char *result = c->result, *expectation = c->expectation;
	t->cases++;
	if (!c->met) {
		if (c->id != NULL)
			json_array_append_new(t->unmet, json_string(c->id));
	} else if (strcmp(result, "skip") == 0)
		t->skipped++; /* met, but it checked nothing */
	else if (expectation != NULL && strcmp(expectation, "xfail") == 0)
		t->xfail++; /* met only because the expectations file says the implementation fails it */
	else
		t->met++;
}

/* The one word a reader filters on, most telling first: a case that did not meet it, a failure
 * the vendor declared, cases that met it, cases that did not run, then why none checks it. */
static const char *status_of(const struct tally *t, json_t *row)
{
	if (json_array_size(t->unmet) > 0)
		return "unmet";
	if (t->xfail > 0)
		return "xfail";
	if (t->met > 0)
		return "met";
	if (json_integer_value(json_object_get(row, "suite_cases")) > 0)
		return "not-run";
	if (json_object_get(row, "untestable") != NULL)
		return "untestable";
	if (json_object_get(row, "gap") != NULL)
		return "gap";
	if (json_array_size(json_object_get(row, "vectors")) > 0)
		return "vectors";
	return "unchecked";
}

static const char *const statuses[] = {"met",        "unmet", "xfail",   "not-run",
                                       "untestable", "gap",   "vectors", "unchecked"};

void kx_requirements_recount_cases(json_t *report, const struct kx_report_cases *cases)
{
	json_t *table = json_object_get(report, "requirements");
	json_t *rows = json_object_get(table, "entries");
	if (!json_is_array(rows))
		return;
	size_t n = json_array_size(rows);
	struct tally *tallies = calloc(n + 1, sizeof *tallies);
	json_t *index = json_object();
	if (tallies == NULL || index == NULL) {
		free(tallies);
		json_decref(index);
		return;
	}
	size_t i, k;
	json_t *row, *id;
	json_array_foreach(rows, i, row)
	{
		tallies[i].unmet = json_array();
		if (json_is_string(json_object_get(row, "id")))
			json_object_set_new(index, kx_json_get_string(row, "id"),
			                    json_integer((json_int_t)i));
	}
	for (size_t c = 0; c < cases->n; c++) {
		json_array_foreach(cases->rows[c].requirements, k, id)
		{
			json_t *pos = json_object_get(index, json_string_value(id));
			if (pos != NULL)
				count_case(&tallies[json_integer_value(pos)], &cases->rows[c]);
		}
	}
	json_t *totals = json_object();
	json_object_set_new(totals, "requirements", json_integer((json_int_t)n));
	for (size_t s = 0; s < sizeof statuses / sizeof statuses[0]; s++)
		json_object_set_new(totals, statuses[s], json_integer(0));
	json_array_foreach(rows, i, row)
	{
		const struct tally *t = &tallies[i];
		const char *status = status_of(t, row);
		json_object_set_new(row, "status", json_string(status));
		json_object_set_new(row, "cases", json_integer(t->cases));
		json_object_set_new(row, "met", json_integer(t->met));
		json_object_set_new(row, "skipped", json_integer(t->skipped));
		json_object_set_new(row, "xfail", json_integer(t->xfail));
		json_object_set_new(row, "unmet_cases", t->unmet);
		json_object_set_new(totals, status,
		                    json_integer(json_integer_value(json_object_get(totals, status)) + 1));
	}
	json_object_set_new(table, "totals", totals);
	free(tallies);
	json_decref(index);
}

void kx_requirements_recount(json_t *report)
{
	struct kx_report_cases cases;
	if (kx_report_cases_of(&cases, report) != 0)
		memset(&cases, 0, sizeof cases);
	kx_requirements_recount_cases(report, &cases);
	kx_report_cases_free(&cases);
}
