/* report_html_facets.c - the filters above the cases of reports/index.html
 * (report_html_facets.h). Each facet offers the values the cases have, in the
 * order they first appear (results in their usual order), with how many
 * cases have each. */
#include "runner/reports/report_html_facets.h"
#include "runner/reports/report_html_emit.h"

#include <string.h>

/* A facet's values in the order they first appear, and how many cases have each. */
struct facet {
	json_t *values, *counts;
};

/* Counts a case's value of a facet, adding the value to its values the first time. */
static void facet_count(struct facet *f, const char *value)
{
	json_t *n = json_object_get(f->counts, value);
	if (n == NULL)
		json_array_append_new(f->values, json_string(value));
	json_object_set_new(f->counts, value, json_integer(json_integer_value(n) + 1));
}

/* A facet's select: every value the cases have, with how many have it. */
static void write_facet(FILE *out, const char *name, const char *label, const struct facet *f)
{
	kx_html_emit(out, "<label>%s <select id=\"facet-%s\"><option value=\"\">all</option>", label, name);
	size_t i;
	json_t *value;
	json_array_foreach(f->values, i, value)
	{
		kx_html_emit(out, "<option value=\"%j\">%j (%j)</option>", value, value,
		             json_object_get(f->counts, json_string_value(value)));
	}
	kx_html_emit(out, "</select></label>");
}

/* A facet per axis the cases have (facet-axis-NAME), its values in the order they first appear: a
 * case without the axis (another transport) matches only "all". */
static void write_axis_facets(FILE *out, const struct kx_report_cases *cases)
{
	json_t *axes = json_object(); /* name: [values, counts] */
	for (size_t i = 0; i < cases->n; i++) {
		const char *axis;
		json_t *value;
		json_object_foreach(cases->rows[i].axes, axis, value)
		{
			json_t *pair = json_object_get(axes, axis);
			if (pair == NULL) {
				pair = json_pack("[[], {}]");
				json_object_set_new(axes, axis, pair);
			}
			struct facet f = {json_array_get(pair, 0), json_array_get(pair, 1)};
			facet_count(&f, json_string_value(value));
		}
	}
	const char *axis;
	json_t *pair;
	json_object_foreach(axes, axis, pair)
	{
		char name[200];
		snprintf(name, sizeof name, "axis-%s", axis);
		struct facet f = {json_array_get(pair, 0), json_array_get(pair, 1)};
		write_facet(out, name, axis, &f);
	}
	json_decref(axes);
}

/* The four facets every case has, in the order of names below: its result (offered in the usual
 * order of results, those no case has left out), scenario, pairing, and both its drivers. */
enum { RESULT, SCENARIO, PAIRING, DRIVER, FACETS };
static const char *const names[FACETS] = {"result", "scenario", "pairing", "driver"};

static void count_facets(const struct kx_report_cases *cases, struct facet facets[FACETS])
{
	for (int f = 0; f < FACETS; f++)
		facets[f] = (struct facet){json_array(), json_object()};
	for (size_t i = 0; i < cases->n; i++) {
		const struct kx_case_row *c = &cases->rows[i];
		char pairing[300];
		snprintf(pairing, sizeof pairing, "%s-%s", c->initiator, c->terminator);
		facet_count(&facets[RESULT], c->result);
		facet_count(&facets[SCENARIO], c->scenario);
		facet_count(&facets[PAIRING], pairing);
		facet_count(&facets[DRIVER], c->initiator);
		if (strcmp(c->initiator, c->terminator) != 0)
			facet_count(&facets[DRIVER], c->terminator);
	}
	json_array_clear(facets[RESULT].values);
	for (size_t r = 0; r < KX_HTML_RESULTS; r++)
		if (json_object_get(facets[RESULT].counts, kx_html_results[r]) != NULL)
			json_array_append_new(facets[RESULT].values, json_string(kx_html_results[r]));
}

void kx_html_write_case_filters(FILE *out, const struct kx_report_cases *cases)
{
	struct facet facets[FACETS];
	count_facets(cases, facets);
	kx_html_emit(out,
	             "<div id=\"controls\" hidden><input type=\"search\" id=\"filter\" placeholder=\"filter: "
	             "words in the id, result or diagnosis\" aria-label=\"filter cases\">");
	for (int f = 0; f < FACETS; f++)
		write_facet(out, names[f], names[f], &facets[f]);
	write_axis_facets(out, cases);
	kx_html_emit(out, "<label><input type=\"checkbox\" id=\"unmet-only\"> unmet only</label><button "
	                  "type=\"button\" id=\"expand\">expand all</button><button type=\"button\" "
	                  "id=\"collapse\">collapse all</button><span id=\"shown\"></span></div>\n");
	for (int f = 0; f < FACETS; f++) {
		json_decref(facets[f].values);
		json_decref(facets[f].counts);
	}
}
