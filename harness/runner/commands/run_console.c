/* run_console.c - the run's terminal output (run_console.h). */
#include "runner/commands/run_console.h"

#include "core/errors.h"
#include "core/json_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* The ids of a group of unmet cases listed in the summary; the rest are counted. */
#define SUMMARY_IDS 8

/* The terminal's width in columns when out is one, else 0 (a log, a pipe: nothing is cut or wrapped). */
int kx_console_width(FILE *out)
{
	struct winsize size;
	if (!isatty(fileno(out)) || ioctl(fileno(out), TIOCGWINSZ, &size) != 0 || size.ws_col == 0)
		return 0;
	return size.ws_col;
}

/* Bytes of text that fill at most columns (one per character; a UTF-8 sequence is never split). */
size_t kx_console_fit(const char *text, size_t columns)
{
	size_t bytes = 0, used = 0;
	while (text[bytes] != '\0' && used < columns) {
		bytes++;
		while (((unsigned char)text[bytes] & 0xC0) == 0x80)
			bytes++;
		used++;
	}
	return bytes;
}

/* Characters (not bytes) of text. */
size_t kx_console_columns(const char *text)
{
	size_t n = 0;
	for (; *text != '\0'; text++)
		n += ((unsigned char)*text & 0xC0) != 0x80;
	return n;
}

/* Writes text to out broken at spaces into lines of at most width columns, the first after
 * `first` columns already used, the next indented by indent spaces; width 0 writes it whole. Ends
 * with a newline. */
void kx_console_print_wrapped(FILE *out, const char *text, int width, size_t first, size_t indent)
{
	size_t used = first;
	const char *p = text;
	if (width <= 0 || (size_t)width <= indent + 10) {
		fprintf(out, "%s\n", text);
		return;
	}
	while (*p != '\0') {
		size_t room = (size_t)width - 1 > used ? (size_t)width - 1 - used : 0;
		if (kx_console_columns(p) <= room) {
			fputs(p, out);
			break;
		}
		/* The last space that keeps the line within the width; a word longer than a line is cut. */
		size_t cut = kx_console_fit(p, room), at = cut;
		while (at > 0 && p[at] != ' ')
			at--;
		if (at == 0 && used > indent) {
			fprintf(out, "\n%*s", (int)indent, "");
			used = indent;
			continue;
		}
		size_t take = at > 0 ? at : (cut > 0 ? cut : 1);
		fwrite(p, 1, take, out);
		p += take;
		while (*p == ' ')
			p++;
		fprintf(out, "\n%*s", (int)indent, "");
		used = indent;
	}
	fputc('\n', out);
}

/* The closing summary: counts, the unmet cases grouped by diagnosis (one line per cause, with the
 * count and the ids), and where the files are (written: whether the reports were). On a terminal
 * every line wraps at its width. */
void kx_run_print_summary(json_t *report, const struct kx_report_cases *cases, const struct kx_report_counts *n,
                          const char *output, int written)
{
	int width = kx_console_width(stdout);
	char line[4096];
	printf("\n");
	snprintf(line, sizeof line,
	         "kxconform run: %zu cases, %zu met their expectation, %zu did not "
	         "(results: %zu pass, %zu fail, %zu error, %zu not-implemented, %zu skip)",
	         n->cases, n->cases - n->unmet, n->unmet, n->pass, n->fail, n->error, n->not_implemented, n->skip);
	kx_console_print_wrapped(stdout, line, width, 0, 2);
	json_t *groups = kx_report_unmet_groups(cases);
	if (json_array_size(groups) > 1 || (json_array_size(groups) == 1 && n->unmet > 1))
		printf("unmet, by diagnosis (%zu diagnos%s):\n", json_array_size(groups),
		       json_array_size(groups) == 1 ? "is" : "es");
	size_t i;
	json_t *group;
	json_array_foreach(groups, i, group)
	{
		json_t *ids = json_object_get(group, "ids");
		const char *result = kx_json_get_string(group, "result"), *diagnosis = kx_json_get_string(group, "diagnosis");
		if (json_array_size(ids) == 1) {
			snprintf(line, sizeof line, "  unmet: %s [%s]: %s", json_string_value(json_array_get(ids, 0)), result,
			         diagnosis);
			kx_console_print_wrapped(stdout, line, width, 0, 4);
			continue;
		}
		snprintf(line, sizeof line, "  unmet, %zu cases [%s]: %s", json_array_size(ids), result, diagnosis);
		kx_console_print_wrapped(stdout, line, width, 0, 4);
		snprintf(line, sizeof line, "     ");
		size_t k;
		json_t *id;
		json_array_foreach(ids, k, id)
		{
			if (k == SUMMARY_IDS) {
				kx_appendf(line, sizeof line, " and %zu more (reports/index.html lists them)",
				           json_array_size(ids) - SUMMARY_IDS);
				break;
			}
			kx_appendf(line, sizeof line, "%s%s", k > 0 ? ", " : " ", json_string_value(id));
		}
		kx_console_print_wrapped(stdout, line, width, 0, 6);
	}
	json_decref(groups);
	json_t *vectors = json_object_get(report, "vectors");
	json_t *totals = json_object_get(vectors, "summary");
	if (vectors != NULL && json_object_get(vectors, "error") == NULL) {
		snprintf(line, sizeof line,
		         "vectors: %s/reports/vectors.json (kxconform vectors, started %s): %lld tests, %lld failed, "
		         "%lld malformed; shown in index.html",
		         output, kx_json_get_string(vectors, "started") ? kx_json_get_string(vectors, "started") : "?",
		         (long long)json_integer_value(json_object_get(totals, "tests")),
		         (long long)json_integer_value(json_object_get(totals, "failed")),
		         (long long)json_integer_value(json_object_get(totals, "malformed")));
		kx_console_print_wrapped(stdout, line, width, 0, 2);
	}
	if (written)
		snprintf(line, sizeof line, "reports: %s/reports/ (report.json, junit.xml, index.html)", output);
	else
		snprintf(line, sizeof line, "reports: none written (the error is on standard error)");
	kx_console_print_wrapped(stdout, line, width, 0, 2);
	snprintf(line, sizeof line,
	         "captures: %s/captures/ (<case-id>.pcapng and .keylog; open a .pcapng in Wireshark as it is)", output);
	kx_console_print_wrapped(stdout, line, width, 0, 2);
}
