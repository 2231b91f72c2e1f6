/* report_html_vectors.c - the vectors in reports/index.html
 * (report_html_vectors.h): a verdict beside the run's, since `make
 * conformance` fails when either does, and a section with the counts per
 * vector file and driver and every FAIL and ERROR line. */
#include "runner/reports/report_html_vectors.h"
#include "runner/reports/report_html_emit.h"

void kx_html_write_vectors_verdict(FILE *out, json_t *vectors)
{
	json_t *summary = json_object_get(vectors, "summary");
	if (vectors == NULL)
		return;
	if (json_object_get(vectors, "error") != NULL)
		kx_html_emit(
		    out,
		    "<p class=\"verdict bad\">The <a href=\"#vectors\">vectors</a> could not be checked: "
		    "%s</p>\n",
		    kx_html_str(vectors, "error"));
	else if (json_is_true(json_object_get(summary, "passed")))
		kx_html_emit(
		    out,
		    "<p class=\"verdict ok\">All %j <a href=\"#vectors\">vector tests</a> passed on every "
		    "driver.</p>\n",
		    json_object_get(summary, "tests"));
	else
		kx_html_emit(
		    out,
		    "<p class=\"verdict bad\">The <a href=\"#vectors\">vectors</a> did not all pass: "
		    "%j failed, %j malformed.</p>\n",
		    json_object_get(summary, "failed"), json_object_get(summary, "malformed"));
}

/* One count cell of the vectors table: "passed/checked", with what else there is to say. */
static void write_cell(FILE *out, json_t *d)
{
	json_int_t failed = json_integer_value(json_object_get(d, "failed"));
	json_int_t accepted = json_integer_value(json_object_get(d, "accepted"));
	json_int_t missing = json_integer_value(json_object_get(d, "not_implemented"));
	kx_html_emit(out, "<td class=\"num %S\"><strong>%j/%j</strong> passed", failed ? "bad" : "ok",
	             json_object_get(d, "passed"), json_object_get(d, "checked"));
	if (accepted > 0)
		kx_html_emit(out, "<br>%j accepted in the declared reading", json_object_get(d, "accepted"));
	if (failed > 0)
		kx_html_emit(out, "<br>%j failed", json_object_get(d, "failed"));
	if (missing > 0)
		kx_html_emit(out, "<br><span class=\"why\">%j not implemented</span>",
		             json_object_get(d, "not_implemented"));
	kx_html_emit(out, "</td>");
}

/* A file's row: its tests, what the harness's own checks (core, models) found, a cell per driver. */
static void write_file_row(FILE *out, json_t *file)
{
	json_t *core = json_object_get(file, "core"), *models = json_object_get(file, "models");
	size_t problems = json_array_size(json_object_get(file, "problems"));
	kx_html_emit(out, "<tr><td><code>%s</code></td><td class=\"num\">%j</td><td>",
	             kx_html_str(file, "name"), json_object_get(file, "tests"));
	if (problems > 0)
		kx_html_emit(out, "<span class=\"differs\">%z malformed</span><br>", problems);
	if (core != NULL && json_integer_value(json_object_get(core, "checked")) > 0)
		kx_html_emit(out, "core %j failed of %j<br>", json_object_get(core, "failed"),
		             json_object_get(core, "checked"));
	if (models != NULL)
		kx_html_emit(out, "models %j failed of %j", json_object_get(models, "failed"),
		             json_object_get(models, "checked"));
	kx_html_emit(out, "</td>");
	size_t d;
	json_t *driver;
	json_array_foreach(json_object_get(file, "drivers"), d, driver)
	{
		write_cell(out, driver);
	}
	kx_html_emit(out, "</tr>\n");
}

/* The table: a row per file, a column per driver, the totals in its foot. */
static void write_table(FILE *out, json_t *vectors)
{
	json_t *summary = json_object_get(vectors, "summary");
	kx_html_emit(out, "<table id=\"vectors-table\">\n<thead><tr><th>File</th><th class=\"num\">Tests</th>"
	                  "<th>Harness checks</th>");
	size_t i;
	json_t *item;
	json_array_foreach(json_object_get(vectors, "drivers"), i, item)
	{
		kx_html_emit(out, "<th>%s <span class=\"why\">(%s)</span></th>", kx_html_str(item, "name"),
		             kx_html_str(item, "implementation"));
	}
	kx_html_emit(out, "</tr></thead>\n<tbody>\n");
	json_array_foreach(json_object_get(vectors, "files"), i, item)
	{
		write_file_row(out, item);
	}
	kx_html_emit(
	    out, "</tbody>\n<tfoot><tr><th>All</th><th class=\"num\">%j</th><th>%j failed, %j malformed</th>",
	    json_object_get(summary, "tests"), json_object_get(summary, "failed"),
	    json_object_get(summary, "malformed"));
	json_array_foreach(json_object_get(summary, "drivers"), i, item)
	{
		write_cell(out, item);
	}
	kx_html_emit(out, "</tr></tfoot>\n</table>\n");
}

/* How many FAIL and ERROR lines the files hold: their problems, and the failures of the harness's
 * checks and of every driver. */
static size_t count_failures(json_t *vectors)
{
	size_t total = 0, i, d;
	json_t *file, *driver;
	json_array_foreach(json_object_get(vectors, "files"), i, file)
	{
		total += json_array_size(json_object_get(file, "problems")) +
		         json_array_size(json_object_get(json_object_get(file, "core"), "failures")) +
		         json_array_size(json_object_get(json_object_get(file, "models"), "failures"));
		json_array_foreach(json_object_get(file, "drivers"), d, driver)
		{
			total += json_array_size(json_object_get(driver, "failures"));
		}
	}
	return total;
}

/* A file's FAIL and ERROR lines, as `kxconform vectors` prints them: its problems, the harness's
 * checks' failures, then each driver's with its named mistake. */
static void write_file_failures(FILE *out, json_t *file)
{
	size_t k, d;
	json_t *entry, *driver;
	json_array_foreach(json_object_get(file, "problems"), k, entry)
	{
		kx_html_emit(out, "<li><strong>ERROR</strong> <code>%s</code>", kx_html_str(file, "name"));
		if (json_object_get(entry, "tcId") != NULL)
			kx_html_emit(out, " tcId %j", json_object_get(entry, "tcId"));
		kx_html_emit(out, ": %s</li>\n", kx_html_str(entry, "text"));
	}
	static const char *const checks[] = {"core", "models"};
	for (size_t c = 0; c < 2; c++)
		json_array_foreach(json_object_get(json_object_get(file, checks[c]), "failures"), k, entry)
		{
			kx_html_emit(out, "<li><strong>FAIL</strong> <code>%s</code> tcId %j [%S]: %s</li>\n",
			             kx_html_str(file, "name"), json_object_get(entry, "tcId"), checks[c],
			             kx_html_str(entry, "reason"));
		}
	json_array_foreach(json_object_get(file, "drivers"), d, driver)
	{
		json_array_foreach(json_object_get(driver, "failures"), k, entry)
		{
			kx_html_emit(out, "<li><strong>FAIL</strong> <code>%s</code> tcId %j [%s]: %s",
			             kx_html_str(file, "name"), json_object_get(entry, "tcId"),
			             kx_html_str(driver, "driver"), kx_html_str(entry, "reason"));
			if (json_is_string(json_object_get(entry, "mistake")))
				kx_html_emit(out, "; mistake <strong>%s</strong>: %s",
				             kx_html_str(entry, "mistake"),
				             kx_html_str(entry, "explanation"));
			else if (json_object_get(entry, "explanation") != NULL)
				kx_html_emit(out, "; %s", kx_html_str(entry, "explanation"));
			kx_html_emit(out, "</li>\n");
		}
	}
}

void kx_html_write_vectors(FILE *out, json_t *report)
{
	json_t *vectors = json_object_get(report, "vectors");
	if (vectors == NULL)
		return;
	kx_html_emit(
	    out,
	    "<section id=\"vectors\">\n<h2>Vectors</h2>\n<p>What <code>kxconform vectors</code> found in "
	    "<a href=\"%s\">%s</a> (started %s; its JUnit view is "
	    "<a href=\"junit-vectors.xml\">junit-vectors.xml</a>): "
	    "every test of every vector file on every driver.</p>\n",
	    kx_html_str(vectors, "report"), kx_html_str(vectors, "report"), kx_html_str(vectors, "started"));
	if (json_object_get(vectors, "error") != NULL) {
		kx_html_emit(out, "<p class=\"diagnosis\">%s</p>\n</section>\n",
		             kx_html_str(vectors, "error"));
		return;
	}
	write_table(out, vectors);
	/* Every failure and problem, as the FAIL and ERROR lines say them; a long list folded. */
	size_t total = count_failures(vectors), i;
	json_t *file;
	if (total > 0)
		kx_html_emit(
		    out,
		    "<details%S><summary><strong>%z failures</strong> (FAIL and ERROR lines)</summary>\n"
		    "<ul id=\"vector-failures\">\n",
		    total <= 20 ? " open" : "", total);
	json_array_foreach(json_object_get(vectors, "files"), i, file)
	{
		write_file_failures(out, file);
	}
	if (total > 0)
		kx_html_emit(out, "</ul>\n</details>\n");
	kx_html_emit(out, "</section>\n");
}
