/* report_view.c - counts, grouped diagnoses and view files of a report
 * (report_view.h): the JSON, JUnit and HTML writers all read the report
 * through these, so the three files cannot count differently. */
#include "runner/reports/report_view.h"

#include "core/errors.h"
#include "core/json_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void kx_report_summarize_cases(json_t *report, const struct kx_report_cases *cases,
                                struct kx_report_counts *counts)
{
	memset(counts, 0, sizeof *counts);
	for (size_t k = 0; k < cases->n; k++) {
		const struct kx_case_row *c = &cases->rows[k];
		counts->cases++;
		counts->unmet += !c->met;
		counts->pass += strcmp(c->result, "pass") == 0;
		counts->fail += strcmp(c->result, "fail") == 0;
		counts->error += strcmp(c->result, "error") == 0;
		counts->not_implemented += strcmp(c->result, "not-implemented") == 0;
		counts->skip += strcmp(c->result, "skip") == 0;
	}
	json_object_set_new(report, "summary",
			    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "cases", (json_int_t)counts->cases, "unmet",
				      (json_int_t)counts->unmet, "pass", (json_int_t)counts->pass, "fail",
				      (json_int_t)counts->fail, "error", (json_int_t)counts->error, "not-implemented",
				      (json_int_t)counts->not_implemented, "skip", (json_int_t)counts->skip));
}

void kx_report_summarize(json_t *report, struct kx_report_counts *counts)
{
	struct kx_report_cases cases;
	/* A report without cases counts none, as it always has. */
	int have = kx_report_cases_of(&cases, report) == 0;
	if (!have)
		memset(&cases, 0, sizeof cases);
	kx_report_summarize_cases(report, &cases, counts);
	if (have)
		kx_report_cases_free(&cases);
}

/* 1 for a byte of hex or base64 (and base64url). */
static int value_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' || c == '/' ||
	       c == '=' || c == '_' || c == '-';
}

/* diagnosis with each value that is likely a key or an identifier replaced by "...": a run of 16
 * or more hex or base64 characters holding a digit, not starting with '/' (a path). */
static char *mask_values(const char *diagnosis)
{
	size_t len = strlen(diagnosis);
	char *out = malloc(len + 1);
	if (out == NULL)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < len;) {
		size_t j = i;
		int digit = 0;
		while (j < len && value_char((unsigned char)diagnosis[j])) {
			digit |= diagnosis[j] >= '0' && diagnosis[j] <= '9';
			j++;
		}
		if (j - i >= 16 && digit && diagnosis[i] != '/') {
			memcpy(out + n, "...", 3);
			n += 3;
		} else if (j > i) {
			memcpy(out + n, diagnosis + i, j - i);
			n += j - i;
		}
		if (j == i)
			out[n++] = diagnosis[j++];
		i = j;
	}
	out[n] = '\0';
	return out;
}

json_t *kx_report_unmet_groups(const struct kx_report_cases *cases)
{
	json_t *groups = json_array(), *index = json_object();
	for (size_t k = 0; k < cases->n; k++) {
		const struct kx_case_row *c = &cases->rows[k];
		if (c->met)
			continue;
		const char *result = c->result, *diagnosis = c->diagnosis != NULL ? c->diagnosis : "";
		const char *id = c->id;
		char *masked = mask_values(diagnosis);
		if (masked == NULL || id == NULL) {
			free(masked);
			continue;
		}
		size_t keylen = strlen(result) + strlen(masked) + 2;
		char *key = malloc(keylen);
		if (key == NULL) {
			free(masked);
			continue;
		}
		snprintf(key, keylen, "%s\n%s", result, masked);
		json_t *group = json_object_get(index, key);
		if (group == NULL) {
			group = json_pack("{s:s, s:s, s:s, s:[]}", "result", result, "diagnosis", diagnosis, "masked", masked, "ids");
			json_array_append_new(groups, group);
			json_object_set(index, key, group);
		} else if (strcmp(kx_json_get_string(group, "diagnosis"), diagnosis) != 0) {
			/* The cases differ only in their values: say so rather than show one case's. */
			json_object_set_new(group, "diagnosis", json_string(masked));
		}
		json_array_append_new(json_object_get(group, "ids"), json_string(id));
		free(key);
		free(masked);
	}
	size_t i;
	json_t *c;
	json_array_foreach(groups, i, c)
	{
		json_object_del(c, "masked");
	}
	json_decref(index);
	return groups;
}

FILE *kx_report_view_open(json_t *report, const char *path, char *err, size_t errlen)
{
	if (!json_is_array(json_object_get(report, "cases"))) {
		kx_errorf(err, errlen, "cannot write %s: the report has no cases array", path);
		return NULL;
	}
	FILE *out = fopen(path, "w");
	if (out == NULL)
		kx_errorf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	return out;
}

int kx_report_view_close(FILE *out, const char *path, char *err, size_t errlen)
{
	/* A full disk may only show when the buffer is flushed, or (delayed allocation) at fsync. */
	errno = 0;
	int failed = ferror(out) || fflush(out) != 0 || fsync(fileno(out)) != 0;
	int saved = errno;
	if (fclose(out) != 0 || failed)
		return kx_errorf(err, errlen, "cannot write %s: %s", path,
		                 strerror(saved ? saved : errno ? errno : EIO));
	return 0;
}
