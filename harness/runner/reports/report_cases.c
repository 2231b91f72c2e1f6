/* report_cases.c - a case's row, and a report held in memory as a case source
 * (report_cases.h). A row's strings share one allocation: a full run keeps
 * thousands of rows, and a dozen small blocks each would cost more than the
 * strings. */
#include "runner/reports/report_cases.h"

#include "core/json_io.h"

#include <stdlib.h>
#include <string.h>

/* The string members a row copies, in the order of the pointers they fill. */
enum { ID, SCENARIO, TRANSPORT, INITIATOR, TERMINATOR, KIND, CLAUSES, RESULT, VARIANT, EXPECTATION, DIAGNOSIS,
       STRINGS };

void kx_case_row_free(struct kx_case_row *row)
{
	json_decref(row->axes);
	json_decref(row->requirements);
	free(row->text);
	memset(row, 0, sizeof *row);
}

int kx_case_row_set(struct kx_case_row *row, json_t *c)
{
	kx_case_row_free(row);
	int met = json_is_true(json_object_get(c, "met"));
	const char *from[STRINGS] = {
	    [ID] = kx_json_get_string(c, "id"),
	    [SCENARIO] = kx_json_get_string(c, "scenario"),
	    [TRANSPORT] = kx_json_get_string(c, "transport"),
	    [INITIATOR] = kx_json_get_string(c, "initiator"),
	    [TERMINATOR] = kx_json_get_string(c, "terminator"),
	    [KIND] = kx_json_get_string(c, "kind"),
	    [CLAUSES] = kx_json_get_string(c, "clauses"),
	    [RESULT] = kx_json_get_string(c, "result"),
	    [VARIANT] = kx_json_get_string(json_object_get(c, "variant"), "name"),
	    [EXPECTATION] = kx_json_get_string(c, "expectation"),
	    [DIAGNOSIS] = met ? NULL : kx_json_get_string(c, "diagnosis"),
	};
	/* Which members stay NULL when the case lacks them; the others read as "". */
	const int nullable[STRINGS] = {[ID] = 1, [EXPECTATION] = 1, [DIAGNOSIS] = met};
	size_t total = 0, len[STRINGS];
	for (int s = 0; s < STRINGS; s++) {
		len[s] = from[s] != NULL ? strlen(from[s]) : 0;
		total += len[s] + 1;
	}
	char *text = malloc(total), *p = text;
	if (text == NULL)
		return -1;
	const char *to[STRINGS];
	for (int s = 0; s < STRINGS; s++) {
		memcpy(p, from[s] != NULL ? from[s] : "", len[s] + 1);
		to[s] = from[s] == NULL && nullable[s] ? NULL : p;
		p += len[s] + 1;
	}
	row->text = text;
	row->id = to[ID];
	row->scenario = to[SCENARIO];
	row->transport = to[TRANSPORT];
	row->initiator = to[INITIATOR];
	row->terminator = to[TERMINATOR];
	row->kind = to[KIND];
	row->clauses = to[CLAUSES];
	row->result = to[RESULT];
	row->variant = to[VARIANT];
	row->expectation = to[EXPECTATION];
	row->diagnosis = to[DIAGNOSIS];
	row->met = met;
	row->duration_ms = json_number_value(json_object_get(c, "duration_ms"));
	row->axes = json_incref(json_object_get(c, "axes"));
	row->requirements = json_incref(json_object_get(c, "requirements"));
	return 0;
}

static json_t *array_load(void *ctx, size_t k, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	return json_incref(json_array_get(ctx, k));
}

int kx_report_cases_of(struct kx_report_cases *cases, json_t *report)
{
	json_t *array = json_object_get(report, "cases");
	memset(cases, 0, sizeof *cases);
	if (!json_is_array(array))
		return -1;
	size_t n = json_array_size(array);
	cases->rows = calloc(n ? n : 1, sizeof *cases->rows);
	if (cases->rows == NULL)
		return -1;
	cases->n = n;
	cases->load = array_load;
	cases->ctx = array;
	for (size_t k = 0; k < n; k++)
		if (kx_case_row_set(&cases->rows[k], json_array_get(array, k)) != 0) {
			kx_report_cases_free(cases);
			return -1;
		}
	return 0;
}

void kx_report_cases_free(struct kx_report_cases *cases)
{
	for (size_t k = 0; cases->rows != NULL && k < cases->n; k++)
		kx_case_row_free(&cases->rows[k]);
	free(cases->rows);
	memset(cases, 0, sizeof *cases);
}
