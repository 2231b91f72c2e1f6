/* report_html_summary.c - the counts of reports/index.html
 * (report_html_summary.h): the summary table, the unmet cases by diagnosis,
 * and the pairing matrices whose cells link the unmet cases by the case id,
 * which is every case's anchor. */
#include "runner/reports/report_html_summary.h"
#include "runner/reports/report_html_emit.h"
#include "runner/reports/report_view.h"

#include <string.h>

/* Cases counted: met or not, and by result in the order of kx_html_results. */
struct tally {
	size_t cases, met, unmet, results[KX_HTML_RESULTS];
};

static void count(struct tally *t, const struct kx_case_row *c)
{
	t->cases++;
	if (c->met)
		t->met++;
	else
		t->unmet++;
	for (size_t r = 0; r < KX_HTML_RESULTS; r++)
		t->results[r] += strcmp(c->result, kx_html_results[r]) == 0;
}

/* A scenario's row of the summary table, its cases counted into all too. */
static void write_scenario_row(FILE *out, const struct kx_report_cases *cases, json_t *name, struct tally *all)
{
	struct tally t = {0};
	const char *clauses = "";
	for (size_t i = 0; i < cases->n; i++) {
		const struct kx_case_row *c = &cases->rows[i];
		if (strcmp(c->scenario, json_string_value(name)) != 0)
			continue;
		count(&t, c);
		count(all, c);
		clauses = c->clauses;
	}
	kx_html_emit(out,
	             "<tr class=\"%S\"><td><a href=\"#matrix-%U\"><strong>%j</strong></a></td><td>%s</td>"
	             "<td class=\"num\">%z</td><td class=\"num\">%z</td><td class=\"num\">%z</td>",
	             t.unmet ? "bad" : "ok", json_string_value(name), name, clauses, t.cases, t.met, t.unmet);
	for (size_t r = 0; r < KX_HTML_RESULTS; r++)
		kx_html_emit(out, "<td class=\"num\">%z</td>", t.results[r]);
	kx_html_emit(out, "</tr>\n");
}

/* The summary table: a row per scenario, all of them in its foot, whose counts it returns. */
static struct tally write_summary_table(FILE *out, const struct kx_report_cases *cases, json_t *scenarios)
{
	kx_html_emit(out, "<table id=\"summary-table\" class=\"summary\">\n<thead><tr><th>Scenario</th>"
	                  "<th>Clauses</th><th class=\"num\">Cases</th><th class=\"num\">Met</th>"
	                  "<th class=\"num\">Unmet</th>");
	for (size_t r = 0; r < KX_HTML_RESULTS; r++)
		kx_html_emit(out, "<th class=\"num\">%s</th>", kx_html_results[r]);
	kx_html_emit(out, "</tr></thead>\n<tbody>\n");
	struct tally all = {0};
	size_t s;
	json_t *name;
	json_array_foreach(scenarios, s, name)
	{
		write_scenario_row(out, cases, name, &all);
	}
	kx_html_emit(out,
	             "</tbody>\n<tfoot><tr class=\"%S\"><th>All</th><th></th><th class=\"num\">%z</th>"
	             "<th class=\"num\">%z</th><th class=\"num\">%z</th>",
	             all.unmet ? "bad" : "ok", all.cases, all.met, all.unmet);
	for (size_t r = 0; r < KX_HTML_RESULTS; r++)
		kx_html_emit(out, "<th class=\"num\">%z</th>", all.results[r]);
	kx_html_emit(out, "</tr></tfoot>\n</table>\n");
	return all;
}

/* The unmet cases grouped by diagnosis: a driver that crashes fails every case it plays with the
 * same words. */
static void write_unmet_groups(FILE *out, const struct kx_report_cases *cases, size_t unmet)
{
	json_t *groups = kx_report_unmet_groups(cases);
	kx_html_emit(
	    out,
	    "<h3 id=\"unmet\">Cases that did not meet their expectation</h3>\n<p>%z cases, by diagnosis "
	    "(%z):</p>\n<ul id=\"unmet-groups\">\n",
	    unmet, json_array_size(groups));
	size_t g;
	json_t *group;
	json_array_foreach(groups, g, group)
	{
		json_t *ids = json_object_get(group, "ids");
		kx_html_emit(out, "<li><strong>%z case%S</strong>, result <strong>%s</strong>: %s<br>",
		             json_array_size(ids), json_array_size(ids) == 1 ? "" : "s",
		             kx_html_str(group, "result"), kx_html_str(group, "diagnosis"));
		size_t k;
		json_t *id;
		json_array_foreach(ids, k, id)
		{
			kx_html_emit(out, "%S<a href=\"#%U\">%s</a>", k > 0 ? ", " : "",
			             json_string_value(id), json_string_value(id));
		}
		kx_html_emit(out, "</li>\n");
	}
	kx_html_emit(out, "</ul>\n");
	json_decref(groups);
}

void kx_html_write_summary(FILE *out, json_t *report, const struct kx_report_cases *cases, json_t *scenarios)
{
	kx_html_emit(
	    out, "<section id=\"summary\">\n<h2>Summary</h2>\n"
	         "<p>A case <em>meets its expectation</em> when its result is the one the suite expects: a "
	         "positive case must pass; a negative or fault case must fail (the handshake is refused, by "
	         "the end the suite names), so its result is <code>fail</code> and it counts as met. "
	         "<code>not-implemented</code> means a driver cannot play the case; <code>skip</code>, that "
	         "the misbehaving end cannot be set up on that library.</p>\n");
	(void)report;
	struct tally all = write_summary_table(out, cases, scenarios);
	if (all.unmet > 0)
		write_unmet_groups(out, cases, all.unmet);
	kx_html_emit(out, "</section>\n");
}

/* A cell of a matrix: the scenario, transport and pairing its cases share. */
struct cell {
	const char *scenario, *transport, *initiator, *terminator;
};

static int in_cell(const struct kx_case_row *c, const struct cell *cell)
{
	return strcmp(c->scenario, cell->scenario) == 0 && strcmp(c->transport, cell->transport) == 0 &&
	       strcmp(c->initiator, cell->initiator) == 0 && strcmp(c->terminator, cell->terminator) == 0;
}

/* What distinguishes a case within its pairing: the variant, or "positive". */
static const char *short_name(const struct kx_case_row *c)
{
	return c->variant[0] != '\0' ? c->variant : c->kind;
}

/* A cell: its cases met of all, those not run, and a link to each unmet one. Every id attribute
 * and fragment is the case id itself: links from CI logs can be built by hand. */
static void write_matrix_cell(FILE *out, const struct kx_report_cases *cases, const struct cell *cell)
{
	struct tally t = {0};
	for (size_t i = 0; i < cases->n; i++)
		if (in_cell(&cases->rows[i], cell))
			count(&t, &cases->rows[i]);
	if (t.cases == 0) {
		kx_html_emit(out, "<td class=\"none\">no cases</td>");
		return;
	}
	kx_html_emit(out, "<td class=\"%S\"><strong>%z/%z</strong> met", t.unmet ? "bad" : "ok", t.met,
	             t.cases);
	size_t skipped = t.results[3] + t.results[4]; /* not-implemented and skip */
	if (skipped > 0)
		kx_html_emit(out, " (%z not run)", skipped);
	if (t.unmet > 0) {
		kx_html_emit(out, "<br>unmet: ");
		for (size_t i = 0; i < cases->n; i++) {
			const struct kx_case_row *c = &cases->rows[i];
			if (!c->met && in_cell(c, cell))
				kx_html_emit(out, "<a href=\"#%U\">%s</a>", c->id != NULL ? c->id : "", short_name(c));
		}
	}
	kx_html_emit(out, "</td>");
}

/* The matrix of one scenario over one transport: initiators down, terminators across. */
static void write_matrix(FILE *out, const struct kx_report_cases *cases, const char *scenario, json_t *transport,
                         json_t *names)
{
	kx_html_emit(out,
	             "<table class=\"matrix\"><caption>over %j</caption>\n<tr><th>initiator \xE2\x86\x93 / "
	             "terminator \xE2\x86\x92</th>",
	             transport);
	size_t a, b;
	json_t *ini, *ter;
	json_array_foreach(names, b, ter)
	{
		kx_html_emit(out, "<th>%j</th>", ter);
	}
	kx_html_emit(out, "</tr>\n");
	json_array_foreach(names, a, ini)
	{
		kx_html_emit(out, "<tr><th>%j</th>", ini);
		json_array_foreach(names, b, ter)
		{
			struct cell cell = {scenario, json_string_value(transport), json_string_value(ini),
			                    json_string_value(ter)};
			write_matrix_cell(out, cases, &cell);
		}
		kx_html_emit(out, "</tr>\n");
	}
	kx_html_emit(out, "</table>\n");
}

void kx_html_write_matrices(FILE *out, const struct kx_report_cases *cases, json_t *scenarios, json_t *names)
{
	kx_html_emit(
	    out, "<section id=\"matrix\">\n<h2>Pairings</h2>\n<p>Per scenario and transport: rows are the "
	         "initiating end's driver, columns the terminating end's; each cell counts the cases of that "
	         "pairing that met their expectation.</p>\n");
	size_t s;
	json_t *scenario;
	json_array_foreach(scenarios, s, scenario)
	{
		const char *name = json_string_value(scenario);
		/* The scenario's transports in the order its cases have them. */
		json_t *transports = json_array();
		for (size_t i = 0; i < cases->n; i++)
			if (strcmp(cases->rows[i].scenario, name) == 0)
				kx_html_add_unique(transports, cases->rows[i].transport);
		kx_html_emit(out, "<h3 id=\"matrix-%s\">%s</h3>\n<div class=\"matrices\">\n", name, name);
		size_t t;
		json_t *transport;
		json_array_foreach(transports, t, transport)
		{
			write_matrix(out, cases, name, transport, names);
		}
		kx_html_emit(out, "</div>\n");
		json_decref(transports);
	}
	kx_html_emit(out, "</section>\n");
}
