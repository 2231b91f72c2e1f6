/* json_io.h - the jansson helpers the driver and the runner share: hex
 * byte-string members, one-line serialisation, and a fast reader and writer
 * of JSON text for the paths that carry a lot of it (vector files, the
 * driver protocol). */
#ifndef KX_JSON_IO_H
#define KX_JSON_IO_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Decodes the hex string member `key` of obj (either case) into a malloc'd buffer
 * (*out, caller frees, non-NULL even when empty) of *len bytes; returns 0, or -1 with
 * a message naming the key in err (capacity errlen) if missing, not a string or not hex. */
int kx_json_get_hex(json_t *obj, const char *key, uint8_t **out, size_t *len, char *err, size_t errlen);

/* Returns the string member `key` of obj, or NULL if it is missing or not a string. */
const char *kx_json_get_string(json_t *obj, const char *key);

/* 1 if array (any JSON value; not an array: none) holds the string value, else 0. */
int kx_json_array_has_string(json_t *array, const char *value);

/* Sets member `key` of obj to the lower-case hex of len bytes; returns 0, or -1 on failure. */
int kx_json_set_hex(json_t *obj, const char *key, const uint8_t *buf, size_t len);

/* Returns obj (an object or an array) as compact one-line JSON (no newline) in a
 * malloc'd string (caller frees), the bytes json_dumps(obj, JSON_COMPACT) gives; or NULL. */
char *kx_json_line(json_t *obj);

/* A growable byte buffer; {NULL, 0, 0} is an empty one. The owner frees data. */
struct kx_text {
	char *data;
	size_t len, cap;
};

/* Makes room for `more` bytes after len; 0, or -1 when out of memory. */
int kx_text_reserve(struct kx_text *text, size_t more);

/* Appends len bytes; 0 or -1. */
int kx_text_put(struct kx_text *text, const char *bytes, size_t len);

/* Appends a string literal (its length counted by the compiler); 0 or -1. */
#define kx_text_put_literal(text, literal) kx_text_put((text), "" literal, sizeof(literal) - 1)

/* Appends value as compact JSON (the bytes of json_dumps with JSON_COMPACT |
 * JSON_ENCODE_ANY: members in insertion order, no line break, non-ASCII as UTF-8);
 * 0, or -1 (nothing appended) for a string that is not UTF-8 or out of memory. */
int kx_json_write(struct kx_text *out, json_t *value);

/* Appends the len bytes at s as a JSON string, escaped as kx_json_write escapes;
 * 0, or -1 (nothing appended) when they are not UTF-8 or out of memory. */
int kx_json_write_string(struct kx_text *out, const char *s, size_t len);

/* Parses len bytes of JSON text into a new jansson value, accepting exactly what
 * json_loadb(text, len, flags, error) accepts for flags 0, JSON_REJECT_DUPLICATES
 * and JSON_DECODE_ANY: RFC 8259, an object or array at the top unless
 * JSON_DECODE_ANY, strings of well-formed UTF-8 without \u0000, integers that fit
 * json_int_t, nesting up to JSON_PARSER_MAX_DEPTH, nothing but white space after
 * the value. Returns NULL on error, with text, line, column and byte position in
 * *error (may be NULL). Several times faster than json_loadb (json_io.c says why). */
json_t *kx_json_parse(const char *text, size_t len, int flags, json_error_t *error);

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
