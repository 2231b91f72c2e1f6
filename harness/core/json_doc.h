/* json_doc.h - reads JSON text into one array of nodes, with no value
 * allocated apiece and strings decoded in place, for large vector files
 * and the driver's requests; it accepts exactly what kx_json_parse accepts. */
#ifndef KX_JSON_DOC_H
#define KX_JSON_DOC_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* One value of a document read by kx_json_doc_parse. The nodes of a document
 * are its values in the order of the text: an object's node is followed by
 * its members, each a key (a JSON_STRING node) then its value; an array's by
 * its elements. */
struct kx_json_node {
	json_type type;
	uint32_t count;   /* object: members; array: elements; string: its length in bytes */
	uint32_t next;    /* the index of the node after this value and all it holds */
	union {
		const char *string; /* NUL-terminated, decoded, in the document's text */
		json_int_t integer;
		double real;
	} value;
};

/* A JSON document as one array of nodes; {0} is an empty one, reusable from
 * one parse to the next. Its strings point into the text it was read from. */
struct kx_json_doc {
	struct kx_json_node *nodes; /* nodes[0] is the top value */
	size_t n, cap;
	size_t *keys, keys_cap;     /* scratch for the duplicate key check */
	int unique_keys;            /* read with JSON_REJECT_DUPLICATES */
};

/* Reads len bytes of text into doc (its earlier content is dropped), accepting
 * exactly what kx_json_parse(text, len, flags, error) accepts. The strings are
 * decoded in place: text is changed, and must outlive the document's use.
 * 0, or -1 with error (may be NULL) saying why, as kx_json_parse says it. */
int kx_json_doc_parse(struct kx_json_doc *doc, char *text, size_t len, int flags, json_error_t *error);

/* Releases what doc holds (not the text). */
void kx_json_doc_free(struct kx_json_doc *doc);

/* The value of member key of the object at node `object` (the last when the
 * key is repeated, which is the one jansson keeps), or 0 when there is none
 * or `object` is not an object. (0 is the top value, never a member.) */
size_t kx_json_doc_get(const struct kx_json_doc *doc, size_t object, const char *key);

/* The string at node (NUL-terminated; nodes[node].count bytes), or NULL when node is 0 or not a string. */
const char *kx_json_doc_string(const struct kx_json_doc *doc, size_t node);

/* The first element of an array or the first key of an object, or 0 when it has none. */
size_t kx_json_doc_first(const struct kx_json_doc *doc, size_t container);

/* The node after the value at node and all it holds: the next element of an
 * array, or after a member's value, the object's next key. */
size_t kx_json_doc_next(const struct kx_json_doc *doc, size_t node);

#endif
