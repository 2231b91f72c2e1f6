/* json_doc.c - JSON text read into one array of nodes, strings decoded in place, for large vector files and the driver's requests (json_doc.h). */
#include <stdlib.h>
#include <string.h>

#include "json_doc.h"
#include "json_scan.h"

/* Large vector files (a file of 50,000 tests is 2.5 million jansson values,
 * two allocations each, about 200 MB) and the driver's requests are read
 * into one array of nodes instead, with their strings decoded in place in
 * the text: building and releasing jansson values was most of the runner's
 * CPU and a third of the driver's (bench/RESULTS.md, "Vector checking").
 * The document reader shares the scanning of strings and numbers with
 * kx_json_parse and checks the same things, so it accepts exactly what
 * kx_json_parse accepts. */

struct doc_reader {
	struct kx_json_scanner r;
	struct kx_json_doc *doc;
	size_t n_keys;  /* keys of the objects being read, on doc->keys */
};

/* Appends a node of the given type at *index; 0, or -1 with the error recorded. */
static int new_node(struct doc_reader *dr, json_type type, size_t *index)
{
	struct kx_json_doc *doc = dr->doc;
	if (doc->n == doc->cap) {
		size_t cap = doc->cap ? 2 * doc->cap : 64;
		struct kx_json_node *more = cap <= UINT32_MAX ? realloc(doc->nodes, cap * sizeof *more) : NULL;
		if (more == NULL)
			return kx_json_scan_fail(&dr->r, dr->r.p, "out of memory"), -1;
		doc->nodes = more;
		doc->cap = cap;
	}
	*index = doc->n++;
	memset(&doc->nodes[*index], 0, sizeof doc->nodes[*index]);
	doc->nodes[*index].type = type;
	return 0;
}

static int same_key(const struct kx_json_doc *doc, size_t a, size_t b)
{
	return doc->nodes[a].count == doc->nodes[b].count &&
	       memcmp(doc->nodes[a].value.string, doc->nodes[b].value.string, doc->nodes[a].count) == 0;
}

struct key_view {
	const char *bytes;
	size_t len;
};

static int compare_key_views(const void *a, const void *b)
{
	const struct key_view *x = a, *y = b;
	int c = memcmp(x->bytes, y->bytes, x->len < y->len ? x->len : y->len);
	return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

/* Whether the n keys of an object (node indexes in keys) hold one twice,
 * for objects too large to compare pairwise: sorted, so that no object can
 * make the check quadratic. 1, 0, or -1 when out of memory. */
static int has_duplicate(const struct kx_json_doc *doc, const size_t *keys, size_t n)
{
	struct key_view *views = malloc(n * sizeof *views);
	if (views == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		views[i] = (struct key_view){doc->nodes[keys[i]].value.string, doc->nodes[keys[i]].count};
	qsort(views, n, sizeof *views, compare_key_views);
	int found = 0;
	for (size_t i = 1; i < n && !found; i++)
		found = compare_key_views(&views[i], &views[i - 1]) == 0;
	free(views);
	return found;
}

/* Objects up to this many members are checked for a repeated key pairwise, as the keys come. */
#define PAIRWISE_KEYS 16

/* A string of the document, decoded in place and NUL-terminated (where its
 * closing quote was). */
static int doc_string(struct doc_reader *dr, size_t node)
{
	const char *begin, *end;
	int escaped;
	if (kx_json_scan_string(&dr->r, &begin, &end, &escaped) != 0)
		return -1;
	/* The document's text is the caller's own, writable (kx_json_doc_parse takes char *). */
	char *text = (char *)begin;
	size_t len = escaped ? kx_json_scan_decode(begin, end, text) : (size_t)(end - begin);
	text[len] = '\0';
	if (len > UINT32_MAX)
		return kx_json_scan_fail(&dr->r, begin, "string too long"), -1;
	dr->doc->nodes[node].count = (uint32_t)len;
	dr->doc->nodes[node].value.string = text;
	return 0;
}

static int doc_value(struct doc_reader *dr);

static int doc_container(struct doc_reader *dr, int object)
{
	struct kx_json_scanner *r = &dr->r;
	struct kx_json_doc *doc = dr->doc;
	if (++r->depth > JSON_PARSER_MAX_DEPTH)
		return kx_json_scan_fail(r, r->p, "maximum parsing depth reached"), -1;
	size_t self;
	if (new_node(dr, object ? JSON_OBJECT : JSON_ARRAY, &self) != 0)
		return -1;
	size_t first_key = dr->n_keys, count = 0;
	r->p++;
	kx_json_scan_space(r);
	char close = object ? '}' : ']';
	if (r->p < r->end && *r->p == close) {
		r->p++;
	} else {
		for (;;) {
			if (object) {
				if (r->p >= r->end || *r->p != '"')
					return kx_json_scan_fail(r, r->p, "string or '}' expected"), -1;
				const char *key_at = r->p;
				size_t key;
				if (new_node(dr, JSON_STRING, &key) != 0 || doc_string(dr, key) != 0)
					return -1;
				if (r->flags & JSON_REJECT_DUPLICATES) {
					if (dr->n_keys == doc->keys_cap) {
						size_t cap = doc->keys_cap ? 2 * doc->keys_cap : 64;
						size_t *more = realloc(doc->keys, cap * sizeof *more);
						if (more == NULL)
							return kx_json_scan_fail(r, key_at, "out of memory"), -1;
						doc->keys = more;
						doc->keys_cap = cap;
					}
					doc->keys[dr->n_keys++] = key;
					for (size_t k = first_key; count < PAIRWISE_KEYS && k + 1 < dr->n_keys; k++)
						if (same_key(doc, doc->keys[k], key))
							return kx_json_scan_fail(r, key_at, "duplicate object key"), -1;
				}
				kx_json_scan_space(r);
				if (r->p >= r->end || *r->p != ':')
					return kx_json_scan_fail(r, r->p, "':' expected"), -1;
				r->p++;
				kx_json_scan_space(r);
			}
			if (doc_value(dr) != 0)
				return -1;
			count++;
			kx_json_scan_space(r);
			if (r->p < r->end && *r->p == ',') {
				r->p++;
				kx_json_scan_space(r);
				continue;
			}
			if (r->p < r->end && *r->p == close) {
				r->p++;
				break;
			}
			return kx_json_scan_fail(r, r->p, object ? "',' or '}' expected" : "',' or ']' expected"), -1;
		}
	}
	if (object && count > PAIRWISE_KEYS && (r->flags & JSON_REJECT_DUPLICATES)) {
		int found = has_duplicate(doc, doc->keys + first_key, count);
		if (found != 0)
			return kx_json_scan_fail(r, r->p, found > 0 ? "duplicate object key" : "out of memory"), -1;
	}
	dr->n_keys = first_key;
	if (count > UINT32_MAX || doc->n > UINT32_MAX)
		return kx_json_scan_fail(r, r->p, "too many values"), -1;
	doc->nodes[self].count = (uint32_t)count;
	doc->nodes[self].next = (uint32_t)doc->n;
	r->depth--;
	return 0;
}

static int doc_value(struct doc_reader *dr)
{
	struct kx_json_scanner *r = &dr->r;
	if (r->p >= r->end)
		return kx_json_scan_fail(r, r->p, "premature end of input"), -1;
	char c = *r->p;
	if (c == '{' || c == '[')
		return doc_container(dr, c == '{');
	size_t node;
	if (new_node(dr, JSON_NULL, &node) != 0)
		return -1;
	struct kx_json_node *n = &dr->doc->nodes[node];
	if (c == '"') {
		n->type = JSON_STRING;
		if (doc_string(dr, node) != 0)
			return -1;
	} else if (c == 't' || c == 'f' || c == 'n') {
		const char *word = c == 't' ? "true" : c == 'f' ? "false" : "null";
		size_t len = strlen(word);
		if ((size_t)(r->end - r->p) < len || memcmp(r->p, word, len) != 0)
			return kx_json_scan_fail(r, r->p, "invalid token"), -1;
		r->p += len;
		n->type = c == 't' ? JSON_TRUE : c == 'f' ? JSON_FALSE : JSON_NULL;
	} else if (c == '-' || (c >= '0' && c <= '9')) {
		int is_real;
		json_int_t integer = 0;
		double real = 0;
		if (kx_json_scan_number(r, &is_real, &integer, &real) != 0)
			return -1;
		n = &dr->doc->nodes[node];
		n->type = is_real ? JSON_REAL : JSON_INTEGER;
		if (is_real)
			n->value.real = real;
		else
			n->value.integer = integer;
	} else {
		return kx_json_scan_fail(r, r->p, "invalid token"), -1;
	}
	dr->doc->nodes[node].next = (uint32_t)dr->doc->n;
	return 0;
}

int kx_json_doc_parse(struct kx_json_doc *doc, char *text, size_t len, int flags, json_error_t *error)
{
	struct doc_reader dr = {{text, text, text + len, flags, 0, error, 0}, doc, 0};
	doc->n = 0;
	doc->unique_keys = (flags & JSON_REJECT_DUPLICATES) != 0;
	if (error != NULL) {
		memset(error, 0, sizeof *error);
		snprintf(error->source, sizeof error->source, "<buffer>");
	}
	kx_json_scan_space(&dr.r);
	if (!(flags & JSON_DECODE_ANY) && (dr.r.p >= dr.r.end || (*dr.r.p != '{' && *dr.r.p != '[')))
		return kx_json_scan_fail(&dr.r, dr.r.p, "'[' or '{' expected"), -1;
	if (doc_value(&dr) != 0)
		return -1;
	kx_json_scan_space(&dr.r);
	if (dr.r.p != dr.r.end)
		return kx_json_scan_fail(&dr.r, dr.r.p, "end of file expected"), -1;
	return 0;
}

void kx_json_doc_free(struct kx_json_doc *doc)
{
	free(doc->nodes);
	free(doc->keys);
	memset(doc, 0, sizeof *doc);
}

size_t kx_json_doc_get(const struct kx_json_doc *doc, size_t object, const char *key)
{
	if (object >= doc->n || doc->nodes[object].type != JSON_OBJECT)
		return 0;
	size_t key_len = strlen(key), found = 0, k = object + 1;
	/* A repeated key counts for its last value, as in jansson, so every
	 * member is looked at, unless the document was read rejecting them. */
	for (uint32_t i = 0; i < doc->nodes[object].count; i++) {
		const struct kx_json_node *name = &doc->nodes[k];
		if (name->count == key_len && name->value.string[0] == key[0] &&
		    memcmp(name->value.string, key, key_len) == 0) {
			found = k + 1;
			if (doc->unique_keys)
				break;
		}
		k = doc->nodes[k + 1].next;
	}
	return found;
}

const char *kx_json_doc_string(const struct kx_json_doc *doc, size_t node)
{
	return node != 0 && node < doc->n && doc->nodes[node].type == JSON_STRING ? doc->nodes[node].value.string
										     : NULL;
}

size_t kx_json_doc_first(const struct kx_json_doc *doc, size_t container)
{
	return container < doc->n && doc->nodes[container].count > 0 &&
			       (doc->nodes[container].type == JSON_OBJECT || doc->nodes[container].type == JSON_ARRAY)
		       ? container + 1
		       : 0;
}

size_t kx_json_doc_next(const struct kx_json_doc *doc, size_t node)
{
	return doc->nodes[node].next;
}
