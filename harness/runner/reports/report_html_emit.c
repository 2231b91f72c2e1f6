/* report_html_emit.c - the writer every part of reports/index.html writes
 * through (report_html_emit.h): HTML escaping by kx_xml_escape, which also
 * replaces the characters HTML cannot carry, percent-encoding for links, and
 * the report's members read as text. */
#include "runner/reports/report_html_emit.h"
#include "runner/reports/report_junit.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *const kx_html_results[KX_HTML_RESULTS] = {"pass", "fail", "error", "not-implemented", "skip"};

/* A JSON value as escaped text: a string as it is, anything else as compact JSON, NULL as nothing. */
static void put_json(FILE *out, json_t *value)
{
	if (value == NULL)
		return;
	if (json_is_string(value)) {
		kx_xml_escape(out, json_string_value(value), json_string_length(value), 1);
		return;
	}
	char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
	if (text != NULL)
		kx_xml_escape(out, text, strlen(text), 1);
	free(text);
}

/* RFC 3986 unreserved bytes stay (and '/' in a path), the rest is %XX: a vendor's driver names its
 * own cases. */
static void put_url(FILE *out, const char *text, int path)
{
	for (const unsigned char *p = (const unsigned char *)text; p != NULL && *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p) != NULL || (path && *p == '/'))
			fputc(*p, out);
		else
			fprintf(out, "%%%02X", *p);
	}
}

void kx_html_emit(FILE *out, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	for (const char *p = fmt; *p != '\0'; p++) {
		if (*p != '%') {
			size_t literal = strcspn(p, "%");
			fwrite(p, 1, literal, out);
			p += literal - 1;
			continue;
		}
		const char *text;
		switch (*++p) {
		case 's':
			text = va_arg(args, const char *);
			if (text != NULL)
				kx_xml_escape(out, text, strlen(text), 1);
			break;
		case 'S':
			text = va_arg(args, const char *);
			if (text != NULL)
				fputs(text, out);
			break;
		case 'j':
			put_json(out, va_arg(args, json_t *));
			break;
		case 'U':
			put_url(out, va_arg(args, const char *), 0);
			break;
		case 'P':
			put_url(out, va_arg(args, const char *), 1);
			break;
		case 'z':
			fprintf(out, "%zu", va_arg(args, size_t));
			break;
		case 'd':
			fprintf(out, "%d", va_arg(args, int));
			break;
		default:
			/* "%%", or a mistake in a format of the page's writers: shown, not skipped. */
			fputc('%', out);
			if (*p != '%' && *p != '\0')
				fputc(*p, out);
			if (*p == '\0')
				p--;
		}
	}
	va_end(args);
}

const char *kx_html_str(json_t *obj, const char *key)
{
	const char *text = json_string_value(json_object_get(obj, key));
	return text != NULL ? text : "";
}

int kx_html_is(json_t *obj, const char *key, const char *value)
{
	return strcmp(kx_html_str(obj, key), value) == 0;
}

int kx_html_met(json_t *c)
{
	return json_is_true(json_object_get(c, "met"));
}

void kx_html_add_unique(json_t *set, const char *text)
{
	size_t i;
	json_t *item;
	json_array_foreach(set, i, item)
	{
		if (strcmp(json_string_value(item), text) == 0)
			return;
	}
	json_array_append_new(set, json_string(text));
}

void kx_html_duration(FILE *out, double ms)
{
	if (ms < 1000.0)
		fprintf(out, "%.2f ms", ms);
	else if (ms < 60000.0)
		fprintf(out, "%.2f s", ms / 1000.0);
	else
		fprintf(out, "%d min %.0f s", (int)(ms / 60000.0),
		        (ms - 60000.0 * (int)(ms / 60000.0)) / 1000.0);
}
