/* report_html_emit.h - how every part of reports/index.html writes: one
 * printf-like writer whose %s escapes what came from the report (a driver's
 * error message, a vendor's driver name, a NOTIFY primitive), and the few
 * ways the parts read the report's members. */
#ifndef KX_REPORT_HTML_EMIT_H
#define KX_REPORT_HTML_EMIT_H

#include <jansson.h>
#include <stdio.h>

/* The results a case can have, in the order the page lists them. */
#define KX_HTML_RESULTS 5
extern const char *const kx_html_results[KX_HTML_RESULTS];

/* Writes fmt to out with each %s replaced by its (const char *) argument escaped, %S by its
 * argument as is (markup), %j by a json_t value escaped (strings as text, others as compact
 * JSON, NULL as nothing), %U by a string percent-encoded for a URL, %P by a relative path
 * percent-encoded for a URL ('/' kept), %z by a size_t, %d by an int. */
void kx_html_emit(FILE *out, const char *fmt, ...);

/* Writes a duration of ms milliseconds as a person reads it ("12.34 ms", "1.50 s", "2 min 3 s"). */
void kx_html_duration(FILE *out, double ms);

/* The string member key of obj, or "" when it is missing or not a string. */
const char *kx_html_str(json_t *obj, const char *key);

/* Whether the string member key of obj is value. */
int kx_html_is(json_t *obj, const char *key, const char *value);

/* Whether the case c met its expectation (its "met" member is true). */
int kx_html_met(json_t *c);

/* Appends text to the array of strings set unless it is there already. */
void kx_html_add_unique(json_t *set, const char *text);

#endif
