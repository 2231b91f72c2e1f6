/* report_html_values.h - the values a case's ends derived, in a case of
 * reports/index.html: the exported keying material and its split, the key
 * identifier in every reading, the end-to-end keys, and the judge's verdict
 * on every value. Each writes nothing when the case has no such member. */
#ifndef KX_REPORT_HTML_VALUES_H
#define KX_REPORT_HTML_VALUES_H

#include <jansson.h>
#include <stdio.h>

/* Writes case c's exported keying material: each end against the reference, then the split. */
void kx_html_write_exported(FILE *out, json_t *c);

/* Writes case c's key identifier in every reading, the initiator's marked and judged. */
void kx_html_write_key_identifier(FILE *out, json_t *c);

/* Writes case c's end-to-end keys (Kpsa, then per hash Ke2e_master and T(1)..T(4)) on both ends
 * and the reference. */
void kx_html_write_e2e(FILE *out, json_t *c);

/* Writes case c's verdicts table: every value each end produced and its verdict, a value's rows
 * together, a wrong value with the reference below it. */
void kx_html_write_verdicts(FILE *out, json_t *c);

#endif
