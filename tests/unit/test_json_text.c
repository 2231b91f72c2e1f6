/* test_json_text.c - unit tests of the core's own JSON reader and writer
 * (json_parse.c, json_doc.c, json_write.c): their contract is to accept and
 * write exactly what jansson does, so every case here is checked against
 * jansson itself rather than against a written-down answer. */
#include "unit.h"

#include "core/json_doc.h"
#include "core/json_parse.h"
#include "core/json_write.h"

/* Texts jansson reads: every kind of value, escapes, UTF-8 of each length,
 * numbers at the edges of json_int_t, nesting, white space. */
static const char *const accepted[] = {
	"{}",
	"[]",
	"{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
	" \t\r\n[1, -0, 2.5, -1e3, 1E-2, 0.0]\n",
	"[\"plain\",\"\\\"\\\\\\/\\b\\f\\n\\r\\t\",\"\\u00e9\\u20ac\\ud83d\\ude00\"]",
	"[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"]",
	"[9223372036854775807,-9223372036854775808]",
	"{\"long\":\"0123456789abcdef0123456789abcdef0123456789abcdef\"}",
	"[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]",
	"{\"k\":1,\"k\":2}",
};

/* Texts jansson refuses: bad syntax, bad escapes, bad UTF-8, \u0000,
 * numbers too large, trailing garbage, a bare value at the top. */
static const char *const refused[] = {
	"",
	"{",
	"[1,]",
	"{\"a\" 1}",
	"[01]",
	"[1.]",
	"[\"\\x\"]",
	"[\"\\ud800\"]",
	"[\"\\u0000\"]",
	"[\"\xc0\xaf\"]",
	"[\"\xed\xa0\x80\"]",
	"[\"\x01\"]",
	"[9223372036854775808]",
	"[] x",
	"1",
	"\"s\"",
	"[tru]",
};

static void test_parse_accepts_what_jansson_accepts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
		json_error_t error;
		json_t *ours = kx_json_parse(accepted[i], strlen(accepted[i]), 0, &error);
		json_t *theirs = json_loadb(accepted[i], strlen(accepted[i]), 0, NULL);
		assert_non_null(theirs);
		assert_non_null(ours);
		assert_true(json_equal(ours, theirs));
		json_decref(ours);
		json_decref(theirs);
	}
}

static void test_parse_refuses_what_jansson_refuses(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		json_error_t error;
		json_t *theirs = json_loadb(refused[i], strlen(refused[i]), 0, NULL);
		assert_null(theirs);
		assert_null(kx_json_parse(refused[i], strlen(refused[i]), 0, &error));
		assert_true(error.text[0] != '\0');
	}
}

static void test_duplicate_keys_refused_when_asked(void **state)
{
	const char *text = "{\"k\":1,\"k\":2}";
	json_error_t error;
	struct kx_json_doc doc = {0};
	char copy[32];

	(void)state;
	assert_null(kx_json_parse(text, strlen(text), JSON_REJECT_DUPLICATES, &error));
	strcpy(copy, text);
	assert_int_equal(kx_json_doc_parse(&doc, copy, strlen(copy), JSON_REJECT_DUPLICATES, &error), -1);
	strcpy(copy, text);
	assert_int_equal(kx_json_doc_parse(&doc, copy, strlen(copy), 0, &error), 0);
	json_int_t last = doc.nodes[kx_json_doc_get(&doc, 0, "k")].value.integer;
	assert_int_equal(last, 2); /* the value jansson keeps */
	kx_json_doc_free(&doc);
}

static void test_document_reader_agrees_with_the_parser(void **state)
{
	struct kx_json_doc doc = {0};

	(void)state;
	for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
		char *copy = strdup(accepted[i]);
		assert_int_equal(kx_json_doc_parse(&doc, copy, strlen(copy), 0, NULL), 0);
		free(copy);
	}
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		char *copy = strdup(refused[i]);
		assert_int_equal(kx_json_doc_parse(&doc, copy, strlen(copy), 0, NULL), -1);
		free(copy);
	}
	kx_json_doc_free(&doc);
}

static void test_document_strings_are_decoded_in_place(void **state)
{
	char text[] = "{\"name\":\"caf\\u00e9\",\"list\":[\"a\",\"b\"]}";
	struct kx_json_doc doc = {0};

	(void)state;
	assert_int_equal(kx_json_doc_parse(&doc, text, strlen(text), 0, NULL), 0);
	assert_string_equal(kx_json_doc_string(&doc, kx_json_doc_get(&doc, 0, "name")), "caf\xc3\xa9");
	size_t list = kx_json_doc_get(&doc, 0, "list");
	size_t first = kx_json_doc_first(&doc, list);
	assert_string_equal(kx_json_doc_string(&doc, first), "a");
	assert_string_equal(kx_json_doc_string(&doc, kx_json_doc_next(&doc, first)), "b");
	assert_int_equal(kx_json_doc_get(&doc, 0, "missing"), 0);
	kx_json_doc_free(&doc);
}

static void test_writer_writes_what_jansson_dumps(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
		json_t *value = json_loadb(accepted[i], strlen(accepted[i]), 0, NULL);
		char *theirs = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
		struct kx_text ours = {NULL, 0, 0};
		assert_int_equal(kx_json_write(&ours, value), 0);
		assert_int_equal(ours.len, strlen(theirs));
		assert_memory_equal(ours.data, theirs, ours.len);
		free(ours.data);
		free(theirs);
		json_decref(value);
	}
}

static void test_writer_refuses_a_string_that_is_not_utf8(void **state)
{
	struct kx_text out = {NULL, 0, 0};

	(void)state;
	assert_int_equal(kx_json_write_string(&out, "ok\xff", 3), -1);
	assert_int_equal(out.len, 0);
	assert_int_equal(kx_json_write_string(&out, "a\"b", 3), 0);
	assert_int_equal(out.len, 6);
	assert_memory_equal(out.data, "\"a\\\"b\"", 6);
	free(out.data);
}

KX_UNIT_MAIN(
	cmocka_unit_test(test_parse_accepts_what_jansson_accepts),
	cmocka_unit_test(test_parse_refuses_what_jansson_refuses),
	cmocka_unit_test(test_duplicate_keys_refused_when_asked),
	cmocka_unit_test(test_document_reader_agrees_with_the_parser),
	cmocka_unit_test(test_document_strings_are_decoded_in_place),
	cmocka_unit_test(test_writer_writes_what_jansson_dumps),
	cmocka_unit_test(test_writer_refuses_a_string_that_is_not_utf8))
