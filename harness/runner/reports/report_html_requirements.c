/* report_html_requirements.c - the requirements section of reports/index.html
 * (report_html_requirements.h): the totals per status in a line, a status
 * filter the page's script shows, and a row per requirement, each anchored
 * as "req-" and its id so that a case's links and junit.xml point at it. */
#include "runner/reports/report_html_requirements.h"
#include "runner/reports/report_html_emit.h"

#include <string.h>

/* The statuses of docs/reports.md, "Requirements", in the order the status is chosen: the order a
 * reader wants them in too, what failed first. */
static const char *const req_statuses[] = {"unmet",      "xfail", "met",     "not-run",
                                           "untestable", "gap",   "vectors", "unchecked"};
#define N_REQ_STATUSES (sizeof req_statuses / sizeof req_statuses[0])

static const char *req_badge(const char *status)
{
	if (strcmp(status, "unmet") == 0)
		return "bad";
	if (strcmp(status, "met") == 0 || strcmp(status, "xfail") == 0 || strcmp(status, "vectors") == 0)
		return "ok";
	return "none";
}

/* The last cell of a row: the cases that did not meet the requirement, or why none checks it, then
 * the vector files that check it. */
static void write_why(FILE *out, json_t *entry, const char *status)
{
	size_t i;
	json_t *item;
	if (json_array_size(json_object_get(entry, "unmet_cases")) > 0) {
		kx_html_emit(out, "not met by ");
		json_array_foreach(json_object_get(entry, "unmet_cases"), i, item)
		{
			kx_html_emit(out, "%S<a href=\"#%U\">%j</a>", i ? ", " : "", json_string_value(item),
			             item);
		}
	} else if (strcmp(status, "untestable") == 0 || strcmp(status, "gap") == 0) {
		kx_html_emit(out, "%s", kx_html_str(entry, status));
	} else if (strcmp(status, "not-run") == 0) {
		kx_html_emit(out, "%j cases of the suite check it; none ran here",
		             json_object_get(entry, "suite_cases"));
	} else if (strcmp(status, "unchecked") == 0) {
		kx_html_emit(out, "no case, vector file or reason checks it");
	}
	if (json_array_size(json_object_get(entry, "vectors")) > 0) {
		kx_html_emit(out, "%Svectors: ", strcmp(status, "vectors") == 0 ? "" : "<br>");
		json_array_foreach(json_object_get(entry, "vectors"), i, item)
		{
			kx_html_emit(out, "%S<code>%j</code>", i ? ", " : "", item);
		}
	}
}

static void write_row(FILE *out, json_t *entry)
{
	const char *status = kx_html_str(entry, "status");
	/* The anchor is "req-" and the id: a case's links and junit.xml's details line point here. */
	kx_html_emit(
	    out,
	    "<tr class=\"req %s\" id=\"req-%s\" data-status=\"%s\"><td><code>%s</code></td><td>%s<br><span "
	    "class=\"why\">%s</span></td><td>%s</td><td><span class=\"badge %S\">%s</span></td>"
	    "<td class=\"num\"><strong>%j/%j</strong>",
	    status, kx_html_str(entry, "id"), status, kx_html_str(entry, "id"), kx_html_str(entry, "clause"),
	    kx_html_str(entry, "document"), kx_html_str(entry, "kind"), req_badge(status), status,
	    json_object_get(entry, "met"), json_object_get(entry, "cases"));
	if (json_integer_value(json_object_get(entry, "skipped")) > 0)
		kx_html_emit(out, "<br><span class=\"why\">%j skipped</span>",
		             json_object_get(entry, "skipped"));
	if (json_integer_value(json_object_get(entry, "xfail")) > 0)
		kx_html_emit(out, "<br>%j xfail", json_object_get(entry, "xfail"));
	kx_html_emit(out, "</td><td><q>%s</q>", kx_html_str(entry, "text"));
	if (json_object_get(entry, "note") != NULL)
		kx_html_emit(out, "<br><span class=\"why\">%s</span>", kx_html_str(entry, "note"));
	kx_html_emit(out, "</td><td>");
	write_why(out, entry, status);
	kx_html_emit(out, "</td></tr>\n");
}

/* The totals in a line, each status with its count, then the filter by status (hidden until the
 * page's script shows it) offering the statuses some entry has. */
static void write_totals(FILE *out, json_t *totals)
{
	for (size_t k = 0; k < N_REQ_STATUSES; k++) {
		json_int_t n = json_integer_value(json_object_get(totals, req_statuses[k]));
		kx_html_emit(out, "%S <span class=\"%S\" data-status=\"%s\">%j %s</span>", k ? "," : "",
		             n > 0 && k == 0 ? "bad"
		             : n > 0         ? ""
		                             : "none",
		             req_statuses[k], json_object_get(totals, req_statuses[k]), req_statuses[k]);
	}
	kx_html_emit(out, ".</p>\n<div id=\"req-controls\" hidden><label>status <select id=\"req-status\">"
	                  "<option value=\"\">all</option>");
	for (size_t k = 0; k < N_REQ_STATUSES; k++) {
		json_int_t n = json_integer_value(json_object_get(totals, req_statuses[k]));
		if (n > 0)
			kx_html_emit(out, "<option value=\"%s\">%s (%j)</option>", req_statuses[k],
			             req_statuses[k], json_object_get(totals, req_statuses[k]));
	}
	kx_html_emit(out, "</select></label><span id=\"req-shown\"></span></div>\n");
}

void kx_html_write_requirements(FILE *out, json_t *report)
{
	json_t *table = json_object_get(report, "requirements");
	json_t *entries = json_object_get(table, "entries"), *totals = json_object_get(table, "totals");
	if (!json_is_array(entries))
		return;
	kx_html_emit(
	    out,
	    "<section id=\"requirements\">\n<h2>Requirements</h2>\n<p>Which statements of the catalogue "
	    "<code>%s</code> this report's cases checked, and whether they met them. Met/checked counts "
	    "the cases that list the requirement (a skipped or xfail case checked nothing).</p>\n"
	    "<p id=\"requirements-totals\"><strong>%j requirements</strong>:",
	    kx_html_str(table, "catalogue"), json_object_get(totals, "requirements"));
	write_totals(out, totals);
	kx_html_emit(out,
	             "<table class=\"requirements\" id=\"requirements-table\">\n<thead><tr><th>Id</th>"
	             "<th>Clause</th><th>Kind</th><th>Status</th><th class=\"num\">Cases met/checked</th>"
	             "<th>Text</th><th>Why</th></tr></thead>\n<tbody>\n");
	/* What failed is what the reader came for: unmet rows first, the rest in the catalogue's order. */
	for (int unmet_pass = 1; unmet_pass >= 0; unmet_pass--) {
		size_t i;
		json_t *entry;
		json_array_foreach(entries, i, entry)
		{
			if (kx_html_is(entry, "status", "unmet") == unmet_pass)
				write_row(out, entry);
		}
	}
	kx_html_emit(out, "</tbody>\n</table>\n</section>\n");
}
