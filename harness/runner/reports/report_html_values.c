/* report_html_values.c - the values a case's ends derived, in a case of
 * reports/index.html (report_html_values.h). Each end is shown against the
 * reference the reference drivers recomputed, so that a wrong end is the one
 * marked, whichever end it is; without a reference, the ends can only be
 * compared with each other. */
#include "runner/reports/report_html_values.h"
#include "runner/reports/report_html_emit.h"

#include <string.h>
#include <strings.h>

/* A hex value and whether it equals the one it is compared with. */
static void write_compared(FILE *out, const char *label, json_t *value, json_t *reference, const char *same)
{
	kx_html_emit(out, "<tr><th>%s</th><td class=\"hex\">%j</td>", label, value);
	if (value == NULL)
		kx_html_emit(out, "<td class=\"differs\">missing</td>");
	else if (reference == NULL)
		kx_html_emit(out, "<td></td>");
	else if (json_is_string(value) && json_is_string(reference) &&
	         strcasecmp(json_string_value(value), json_string_value(reference)) == 0)
		kx_html_emit(out, "<td class=\"same\">\xE2\x9C\x93 %s</td>", same);
	else
		kx_html_emit(out, "<td class=\"differs\">\xE2\x9C\x97 differs</td>");
	kx_html_emit(out, "</tr>\n");
}

/* The split of the export (TS-0003 10.3.1) into the key id and the key, by their names. */
static void write_split(FILE *out, json_t *x)
{
	kx_html_emit(out,
	             "<p>Split (TS-0003 10.3.1): the first 16 bytes are <strong>%s</strong>, the next 32 "
	             "<strong>%s</strong>.</p>\n<table class=\"keys\">\n"
	             "<tr><th>%s</th><td class=\"hex\">%s</td><td>bytes 0..15</td></tr>\n"
	             "<tr><th>%s</th><td class=\"hex\">%s</td><td>bytes 16..47</td></tr>\n</table>\n",
	             kx_html_str(x, "key_id_name"), kx_html_str(x, "key_name"), kx_html_str(x, "key_id_name"),
	             kx_html_str(x, "key_id"), kx_html_str(x, "key_name"), kx_html_str(x, "key"));
}

void kx_html_write_exported(FILE *out, json_t *c)
{
	json_t *x = json_object_get(c, "exported");
	if (x == NULL)
		return;
	json_t *initiator = json_object_get(x, "initiator");
	char label[160];
	kx_html_emit(
	    out,
	    "<h4>Exported keying material</h4>\n<p><code>%s</code>, %j bytes (TLS 1.2 PRF of the master "
	    "secret over the label and both randoms, RFC 5705).</p>\n<table class=\"keys\">\n",
	    kx_html_str(x, "label"), json_object_get(x, "length"));
	/* recomputed is the reference (the reference drivers' PRF over the session's secrets). */
	json_t *reference = json_object_get(x, "recomputed");
	int has_reference = json_is_string(reference) && json_object_get(x, "recomputed_by") != NULL;
	snprintf(label, sizeof label, "initiator (%s)", kx_html_str(c, "initiator"));
	write_compared(out, label, initiator, has_reference ? reference : NULL, "same as the reference");
	snprintf(label, sizeof label, "terminator (%s)", kx_html_str(c, "terminator"));
	write_compared(out, label, json_object_get(x, "terminator"), has_reference ? reference : initiator,
	               has_reference ? "same as the reference" : "same as the initiator");
	if (json_object_get(x, "recomputed_by") != NULL) {
		snprintf(label, sizeof label, "reference (recomputed by %s)",
		         kx_html_str(x, "recomputed_by"));
		write_compared(out, label, reference, NULL, "");
	}
	kx_html_emit(out, "</table>\n");
	if (json_object_get(x, "key_id") != NULL)
		write_split(out, x);
}

void kx_html_write_key_identifier(FILE *out, json_t *c)
{
	json_t *k = json_object_get(c, "key_identifier");
	if (k == NULL)
		return;
	const char *chosen = kx_html_str(k, "initiator_reading");
	kx_html_emit(
	    out,
	    "<h4>Key identifier</h4>\n<p>RelativeKeyID@FQDN with FQDN <code>%s</code>, in every reading "
	    "of the specification; the reference is the base64 of the 16 key-id bytes.</p>\n"
	    "<table class=\"keyid\">\n<tr><th>Reading</th><th>Key identifier</th><th></th></tr>\n",
	    kx_html_str(k, "fqdn"));
	const char *key;
	json_t *text;
	json_object_foreach(json_object_get(k, "readings"), key, text)
	{
		int mine = strcmp(key, chosen) == 0;
		kx_html_emit(out, "<tr%S><td>%s</td><td class=\"hex\">%j</td><td>%S</td></tr>\n",
		             mine ? " class=\"chosen\"" : "", key, text,
		             mine ? "\xE2\x86\x90 the initiator's" : "");
	}
	kx_html_emit(out, "</table>\n");
	if (json_object_get(k, "initiator") != NULL) {
		int reference = strcmp(chosen, "reference") == 0;
		int reading = json_object_get(json_object_get(k, "readings"), chosen) != NULL;
		const char *verdict = !reading ? "."
		                      : reference
		                          ? " reading, which is the reference. "
		                            "<span class=\"same\">\xE2\x9C\x93</span>"
		                          : " reading, <span class=\"differs\">not the reference.</span>";
		kx_html_emit(
		    out, "<p>The initiator's driver built <code>%s</code>: %S <strong>%s</strong>%S</p>\n",
		    kx_html_str(k, "initiator"), reading ? "the" : "malformed,", chosen, verdict);
	}
	if (json_object_get(k, "note") != NULL)
		kx_html_emit(out, "<p>Accepted: %s.</p>\n", kx_html_str(k, "note"));
}

/* One derived value on the three sides: each end against the reference (recomputed by the
 * reference drivers; the initiator's when there is none), which is shown in full. */
static void write_e2e_row(FILE *out, const char *label, json_t *sides[3])
{
	json_t *reference = sides[2] != NULL ? sides[2] : sides[0];
	kx_html_emit(out, "<tr><th>%s</th>", label);
	for (int s = 0; s < 2; s++) {
		if (sides[s] == NULL)
			kx_html_emit(out, "<td class=\"differs\">missing</td>");
		else if (sides[s] == reference)
			kx_html_emit(out, "<td class=\"hex\">%j</td>", sides[s]);
		else if (reference != NULL && json_equal(reference, sides[s]))
			kx_html_emit(out, "<td class=\"same\">\xE2\x9C\x93 same</td>");
		else
			kx_html_emit(out, "<td class=\"hex differs\">%j</td>", sides[s]);
	}
	if (sides[2] != NULL)
		kx_html_emit(out, "<td class=\"hex\">%j</td>", sides[2]);
	else
		kx_html_emit(out, "<td class=\"differs\">missing</td>");
	kx_html_emit(out, "</tr>\n");
}

/* A hash's rows: Ke2e_master, then T(1)..T(4). */
static void write_e2e_hash(FILE *out, json_t *sides[3], const char *hash)
{
	json_t *values[3];
	char label[64];
	for (int s = 0; s < 3; s++)
		values[s] = json_object_get(json_object_get(sides[s], hash), "ke2e_master");
	snprintf(label, sizeof label, "%s Ke2e_master", hash);
	write_e2e_row(out, label, values);
	for (size_t t = 0; t < 4; t++) {
		for (int s = 0; s < 3; s++)
			values[s] = json_array_get(json_object_get(json_object_get(sides[s], hash), "t"), t);
		snprintf(label, sizeof label, "%s T(%zu)", hash, t + 1);
		write_e2e_row(out, label, values);
	}
}

/* The hashes any side derived (its "SHA-..." members), in the order they first appear: a new array. */
static json_t *derived_hashes(json_t *sides[3])
{
	json_t *hashes = json_array();
	for (int s = 0; s < 3; s++) {
		const char *key;
		json_t *value;
		json_object_foreach(sides[s], key, value)
		{
			if (strncmp(key, "SHA-", 4) == 0)
				kx_html_add_unique(hashes, key);
		}
	}
	return hashes;
}

void kx_html_write_e2e(FILE *out, json_t *c)
{
	json_t *e = json_object_get(c, "e2e");
	if (e == NULL)
		return;
	static const char *const names[3] = {"initiator", "terminator", "recomputed"};
	json_t *sides[3], *values[3];
	for (int s = 0; s < 3; s++)
		sides[s] = json_object_get(e, names[s]);
	kx_html_emit(out,
	             "<h4>End-to-end keys (TS-0003 10.3.6)</h4>\n<p>From Ke (the export's last 32 bytes) "
	             "<code class=\"hex\">%s</code> and Enrolee-B-ID <code>%s</code>: Kpsa, then per hash "
	             "Ke2e_master and T(1)..T(4).</p>\n",
	             kx_html_str(e, "ke"), kx_html_str(e, "enrolee_b_id"));
	for (int s = 0; s < 3; s++)
		if (json_object_get(sides[s], "error") != NULL)
			kx_html_emit(out, "<p class=\"differs\">The %s's driver could not derive: %s</p>\n",
			             names[s], kx_html_str(sides[s], "error"));
	kx_html_emit(out,
	             "<table class=\"keys\">\n<tr><th></th><th>initiator (%s)</th><th>terminator (%s)</th>"
	             "<th>reference (recomputed by %s)</th></tr>\n",
	             kx_html_str(c, "initiator"), kx_html_str(c, "terminator"),
	             kx_html_str(e, "recomputed_by"));
	for (int s = 0; s < 3; s++)
		values[s] = json_object_get(sides[s], "kpsa");
	write_e2e_row(out, "Kpsa", values);
	json_t *hashes = derived_hashes(sides);
	size_t h;
	json_t *hash;
	json_array_foreach(hashes, h, hash)
	{
		write_e2e_hash(out, sides, json_string_value(hash));
	}
	json_decref(hashes);
	kx_html_emit(out, "</table>\n");
}

/* The value a verdict is about, as a reader names it: "t2 (SHA-256)", "keyid (hexbinary)". */
static void verdict_value(char *buf, size_t len, json_t *v)
{
	snprintf(buf, len, "%s", kx_html_str(v, "name"));
	if (json_is_string(json_object_get(v, "hash")))
		snprintf(buf + strlen(buf), len - strlen(buf), " (%s)", kx_html_str(v, "hash"));
}

/* The heading, how many verdicts of each kind, and the table's head. */
static void write_verdicts_head(FILE *out, json_t *verdicts)
{
	size_t counts[4] = {0};
	static const char *const kinds[4] = {"agree", "accepted", "disagree", "malformed"};
	size_t i;
	json_t *v;
	json_array_foreach(verdicts, i, v)
	{
		for (size_t k = 0; k < 4; k++)
			counts[k] += kx_html_is(v, "verdict", kinds[k]);
	}
	kx_html_emit(
	    out,
	    "<h4>Verdicts</h4>\n<p>Every value each end produced, judged against the reference of the "
	    "two reference libraries: %z agree, %z accepted, %z disagree, %z malformed. A wrong value "
	    "shows the reference in the row below it; hover over a value for both.</p>\n"
	    "<table class=\"verdicts\">\n<tr><th>Value</th><th>End</th><th>Claimed</th><th>Source</th>"
	    "<th>Verdict</th><th>Mistake</th><th>Explanation</th></tr>\n",
	    counts[0], counts[1], counts[2], counts[3]);
}

/* A verdict's row (value is its name as verdict_value gives it); a wrong or accepted value has the
 * reference in a row below it. */
static void write_verdict_row(FILE *out, json_t *v, const char *value)
{
	int wrong = kx_html_is(v, "verdict", "disagree") || kx_html_is(v, "verdict", "malformed");
	int accepted = kx_html_is(v, "verdict", "accepted");
	int reading = json_is_string(json_object_get(v, "reading"));
	kx_html_emit(
	    out,
	    "<tr class=\"verdict-%s\"><td>%s%S%s%S</td><td>%s</td><td class=\"hex\" title=\"claimed: "
	    "%s&#10;expected: %s\">%s</td><td>%s</td><td class=\"%S\"><strong>%s</strong></td><td>%s</td>"
	    "<td>%s</td></tr>\n",
	    kx_html_str(v, "verdict"), value, reading ? " (" : "", kx_html_str(v, "reading"),
	    reading ? " reading)" : "", kx_html_str(v, "end"), kx_html_str(v, "claimed"),
	    kx_html_str(v, "expected"), kx_html_str(v, "claimed"), kx_html_str(v, "source"),
	    wrong      ? "differs"
	    : accepted ? ""
	               : "same",
	    kx_html_str(v, "verdict"), kx_html_str(v, "mistake"), kx_html_str(v, "explanation"));
	if ((wrong || accepted) && json_is_string(json_object_get(v, "expected")))
		kx_html_emit(out,
		             "<tr class=\"expected\"><td></td><td>the reference</td><td class=\"hex\">%s</td>"
		             "<td colspan=\"4\"></td></tr>\n",
		             kx_html_str(v, "expected"));
}

void kx_html_write_verdicts(FILE *out, json_t *c)
{
	json_t *verdicts = json_object_get(c, "verdicts");
	if (json_array_size(verdicts) == 0)
		return;
	write_verdicts_head(out, verdicts);
	/* The values in the order they first appear, each with all its rows, so that the odd end out
	 * shows beside the other. */
	json_t *order = json_array();
	char value[96];
	size_t i;
	json_t *v;
	json_array_foreach(verdicts, i, v)
	{
		verdict_value(value, sizeof value, v);
		kx_html_add_unique(order, value);
	}
	size_t o;
	json_t *name;
	json_array_foreach(order, o, name)
	{
		json_array_foreach(verdicts, i, v)
		{
			verdict_value(value, sizeof value, v);
			if (strcmp(value, json_string_value(name)) == 0)
				write_verdict_row(out, v, value);
		}
	}
	json_decref(order);
	kx_html_emit(out, "</table>\n");
}
