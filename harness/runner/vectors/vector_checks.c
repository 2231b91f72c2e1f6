/* vector_checks.c - one table entry per vector file kind: the request a test
 * becomes and the outputs its answer must match.
 *
 * Judging follows Wycheproof's results: a valid or acceptable test passes when
 * the driver's reference computation gives exactly the test's outputs. An
 * invalid test records a known mistake: it passes when the reference
 * computation does NOT give its outputs and the harness's model of the named
 * mistake (the request's "variant") does, which is what lets the harness name
 * that mistake in a vendor's output later. */
#include "runner/vectors/vector_checks.h"

#include "core/errors.h"
#include "core/exporter_split.h"
#include "core/hex.h"
#include "core/json_io.h"
#include "core/json_write.h"
#include "core/json_doc.h"
#include "core/keyid.h"
#include "core/nfkc.h"
#include "runner/judge/judge_keyid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One output: a member of the driver's response (index >= 0 picks an array
 * element) that must equal a member of the test. */
struct field {
	const char *response_key;
	int index;
	const char *test_key;
};

#define MAX_FIELDS 5
#define MAX_INPUTS 3

/* Where a request's members go: into a jansson object (kx_vector_requests) or
 * straight into the text of a request line (kx_vector_write_requests). The
 * kinds below describe their inputs once, through put_string and
 * put_integer, for both. The text form exists for speed: building an object
 * per request only to serialise it cost more than the rest of preparing a
 * request (bench/RESULTS.md, "Vector checking"). */
struct sink {
	json_t *object;        /* when set, members are set here */
	struct kx_text *text;  /* otherwise ",\"key\":value" is appended here */
	int failed;            /* out of memory */
};

/* Starts a member of a request line: ,"key": (keys are plain ASCII here). */
static int put_key(struct sink *sink, const char *key)
{
	return kx_text_put_literal(sink->text, ",\"") != 0 || kx_text_put(sink->text, key, strlen(key)) != 0 ||
	       kx_text_put_literal(sink->text, "\":") != 0;
}

/* Puts the string at a node of the file's document (valid UTF-8, no NUL). */
static void put_string(struct sink *sink, const char *key, const struct kx_json_doc *doc, size_t node)
{
	const char *value = doc->nodes[node].value.string;
	size_t value_len = doc->nodes[node].count;
	if (sink->object != NULL)
		sink->failed |= json_object_set_new(sink->object, key, json_stringn_nocheck(value, value_len)) != 0;
	else
		sink->failed |= put_key(sink, key) || kx_json_write_string(sink->text, value, value_len) != 0;
}

/* Like put_string, for a C string (valid UTF-8). */
static void put_text(struct sink *sink, const char *key, const char *value)
{
	if (sink->object != NULL)
		sink->failed |= json_object_set_new(sink->object, key, json_string(value)) != 0;
	else
		sink->failed |= put_key(sink, key) || kx_json_write_string(sink->text, value, strlen(value)) != 0;
}

static void put_integer(struct sink *sink, const char *key, long long value)
{
	char digits[32];
	int n = snprintf(digits, sizeof digits, "%lld", value);
	if (sink->object != NULL)
		sink->failed |= json_object_set_new(sink->object, key, json_integer(value)) != 0;
	else
		sink->failed |= put_key(sink, key) || kx_text_put(sink->text, digits, (size_t)n) != 0;
}

struct kx_vector_kind {
	/* The Wycheproof v1 schema name the generator writes, and the name the
	 * same layout had before v1: files a vendor wrote for the earlier schemas
	 * hold every member the checks read (v1 added group "source" and note
	 * "effect"/"links" and dropped "generatorVersion", none of which a check
	 * reads), so they keep working. */
	const char *schema, *earlier_schema;
	const char *op;
	/* The request's inputs: string members of the group, then of the test, as pairs (the vector's
	 * name, the request's), each list ended by NULL; every one must be there. */
	const char *group_inputs[2 * MAX_INPUTS + 1];
	const char *test_inputs[2 * MAX_INPUTS + 1];
	/* The request's "length": the byte length of the test's hex member length_of_hex, or the test's
	 * integer member length_member; neither when both are NULL. */
	const char *length_of_hex, *length_member;
	/* Inputs that depend on the test, after the others (e2e's salt); 0, or -1 with reason. */
	int (*more_inputs)(const struct kx_json_doc *doc, size_t test, struct sink *request, char *reason,
			   size_t len);
	struct field outputs[MAX_FIELDS];
	/* Optional check without a backend (see kx_vector_check_core). */
	int (*core)(const struct kx_vector_test *test, char *reason, size_t len);
	/* Replaces the generic request and verdict when set (key identifiers):
	 * puts the one request's members, returns 1, 0 (no request) or -1. */
	int (*request)(const struct kx_vector_test *test, struct sink *request, char *reason, size_t len);
	int (*verify)(const struct kx_vector_test *test, json_t **responses, int n, char *reason, size_t len);
};

/* The string member key of the object at node, or NULL. */
static const char *get_string(const struct kx_json_doc *doc, size_t node, const char *key)
{
	return kx_json_doc_string(doc, kx_json_doc_get(doc, node, key));
}

/* The same for a member of a test. */
static const char *test_string(const struct kx_vector_test *test, const char *key)
{
	return get_string(test->doc, test->test_node, key);
}

/* An integer member of the object at node, or -1 when it is missing or not an integer. */
static long long get_integer(const struct kx_json_doc *doc, size_t node, const char *key)
{
	size_t member = kx_json_doc_get(doc, node, key);
	return member != 0 && doc->nodes[member].type == JSON_INTEGER ? doc->nodes[member].value.integer : -1;
}

/* Copies string members of the object at src to dst, renaming each pair's first name to its second
 * (pairs ends with NULL); -1 if one is missing. */
static int copy_strings(const struct kx_json_doc *doc, size_t src, struct sink *dst, const char *const *pairs,
			char *reason, size_t len)
{
	for (size_t i = 0; pairs[i] != NULL; i += 2) {
		size_t value = kx_json_doc_get(doc, src, pairs[i]);
		if (kx_json_doc_string(doc, value) == NULL)
			return kx_errorf(reason, len, "no string \"%s\"", pairs[i]);
		put_string(dst, pairs[i + 1], doc, value);
	}
	return 0;
}

/* The byte length of a hex string member, for a request's "length"; -1 if absent or odd. */
static long long hex_len(const struct kx_json_doc *doc, size_t obj, const char *key)
{
	const char *hex = get_string(doc, obj, key);
	if (hex == NULL || strlen(hex) % 2 != 0 || !kx_is_hex(hex, strlen(hex)))
		return -1;
	return (long long)strlen(hex) / 2;
}

static int set_length(struct sink *request, long long length, const char *what, char *reason, size_t len)
{
	if (length < 1)
		return kx_errorf(reason, len, "\"%s\" is missing, empty or not hex", what);
	put_integer(request, "length", length);
	return 0;
}

/* Puts the kind's inputs from group and test (nodes of doc) into request; -1 with reason if malformed. */
static int put_inputs(const struct kx_vector_kind *kind, const struct kx_json_doc *doc, size_t group, size_t test,
		      struct sink *request, char *reason, size_t len)
{
	if (copy_strings(doc, group, request, kind->group_inputs, reason, len) != 0 ||
	    copy_strings(doc, test, request, kind->test_inputs, reason, len) != 0)
		return -1;
	if (kind->length_of_hex != NULL)
		return set_length(request, hex_len(doc, test, kind->length_of_hex), kind->length_of_hex, reason, len);
	if (kind->length_member != NULL)
		return set_length(request, get_integer(doc, test, kind->length_member), kind->length_member, reason,
				  len);
	return kind->more_inputs != NULL ? kind->more_inputs(doc, test, request, reason, len) : 0;
}

/* With an Enrolee-B-ID the driver must normalise it into the salt itself. */
static int e2e_salt(const struct kx_json_doc *doc, size_t test, struct sink *request, char *reason, size_t len)
{
	static const char *const salt[] = {"salt", "salt", NULL};
	static const char *const enrolee[] = {"enroleeBId", "enrolee_b_id", NULL};
	return copy_strings(doc, test, request, kx_json_doc_get(doc, test, "enroleeBId") != 0 ? enrolee : salt,
			    reason, len);
}

/* NFKC of the text member text_key, in hex, must equal the hex member hex_key. */
static int nfkc_matches(const struct kx_vector_test *test, const char *text_key, const char *hex_key, char *reason,
			size_t len)
{
	const char *text = test_string(test, text_key);
	const char *expected = test_string(test, hex_key);
	if (text == NULL)
		return 0;
	if (expected == NULL)
		return kx_errorf(reason, len, "no string \"%s\"", hex_key);
	uint8_t *normalized = NULL;
	size_t n = 0;
	if (kx_nfkc(text, strlen(text), &normalized, &n) != 0)
		return kx_errorf(reason, len, "\"%s\" is not well-formed UTF-8", text_key);
	char *hex = malloc(2 * n + 1);
	int ok = hex != NULL;
	if (ok) {
		kx_hex_encode(normalized, n, hex, 0);
		ok = strcasecmp(hex, expected) == 0;
		if (!ok)
			kx_errorf(reason, len, "NFKC of \"%s\" (libunistring) is %s, the test says %s", text_key, hex,
			      expected);
	}
	free(hex);
	free(normalized);
	return ok ? 1 : -1;
}

static int e2e_core(const struct kx_vector_test *test, char *reason, size_t len)
{
	return nfkc_matches(test, "enroleeBId", "salt", reason, len);
}

static int enrolment_core(const struct kx_vector_test *test, char *reason, size_t len)
{
	return nfkc_matches(test, "identifier", "normalizedIdentifier", reason, len);
}

/* TR-0038 A.4 as a whole: the 48 bytes of keying material split into the identifier and the key as
 * TS-0003 10.3.1 says (tests without keyingMaterial have nothing to check); 0, or -1 with reason. */
static int keying_material_splits(const struct kx_vector_test *test, const uint8_t id[KX_KEY_ID_LEN],
				  char *reason, size_t len)
{
	const char *material_hex = test_string(test, "keyingMaterial");
	const char *key_hex = test_string(test, "key");
	uint8_t material[KX_EXPORT_LEN], key[KX_KEY_LEN], split_id[KX_KEY_ID_LEN], split_key[KX_KEY_LEN];
	size_t n = 0, k = 0;
	if (material_hex == NULL)
		return 0;
	if (kx_hex_decode(material_hex, strlen(material_hex), material, sizeof material, &n) != 0 ||
	    n != sizeof material || key_hex == NULL ||
	    kx_hex_decode(key_hex, strlen(key_hex), key, sizeof key, &k) != 0 || k != sizeof key)
		return kx_errorf(reason, len, "\"keyingMaterial\" needs 48 bytes of hex and \"key\" 32");
	kx_split_exporter(material, split_id, split_key);
	if (memcmp(split_id, id, sizeof split_id) != 0 || memcmp(split_key, key, sizeof split_key) != 0)
		return kx_errorf(reason, len,
				 "the keying material does not split into keyIdBytes (first 16 bytes) and key (last 32) "
				 "as TS-0003 10.3.1 says");
	return 0;
}

static int keyid_core(const struct kx_vector_test *test, char *reason, size_t len)
{
	const char *keyid = test_string(test, "keyId");
	const char *id_hex = test_string(test, "keyIdBytes");
	uint8_t id[KX_KEY_ID_LEN];
	size_t id_len = 0;
	if (keyid == NULL || id_hex == NULL ||
	    kx_hex_decode(id_hex, strlen(id_hex), id, sizeof id, &id_len) != 0 || id_len != sizeof id)
		return kx_errorf(reason, len, "needs a string \"keyId\" and 16 bytes of hex \"keyIdBytes\"");
	if (keying_material_splits(test, id, reason, len) != 0)
		return -1;
	struct kx_keyid parsed;
	enum kx_keyid_error error = kx_keyid_classify(keyid, strlen(keyid), id, &parsed);
	const char *want_error = test_string(test, "error");
	const char *want_reading = test_string(test, "reading");
	const char *got = error == KX_KEYID_OK ? kx_keyid_reading_name(parsed.reading) : kx_keyid_error_name(error);
	const char *want = want_error != NULL ? want_error : want_reading;
	if (want == NULL)
		return kx_errorf(reason, len, "has neither \"reading\" nor \"error\"");
	if (strcmp(got, want) != 0)
		return kx_errorf(reason, len, "the harness classifies \"%s\" as %s, the test says %s", keyid, got, want);
	return 1;
}

static int keyid_request(const struct kx_vector_test *test, struct sink *request, char *reason, size_t len)
{
	/* Only readings can be built; an invalid identifier is the classifier's business. */
	if (test_string(test, "reading") == NULL)
		return 0;
	if (test_string(test, "keyId") == NULL)
		return kx_errorf(reason, len, "no string \"keyId\"");
	static const char *const fields[] = {"keyIdBytes", "key_id", "fqdn", "fqdn", "reading", "reading", NULL};
	return copy_strings(test->doc, test->test_node, request, fields, reason, len) == 0 ? 1 : -1;
}

static int keyid_verify(const struct kx_vector_test *test, json_t **responses, int n, char *reason, size_t len)
{
	(void)n;
	if (!json_is_true(json_object_get(responses[0], "ok")))
		return kx_errorf(reason, len, "driver error: %s", kx_json_get_string(responses[0], "error"));
	const char *built = kx_json_get_string(responses[0], "keyid");
	const char *expected = test_string(test, "keyId");
	const char *reading = test_string(test, "reading");
	const char *id_hex = test_string(test, "keyIdBytes");
	uint8_t id[KX_KEY_ID_LEN];
	size_t id_len = 0;
	if (built == NULL)
		return kx_errorf(reason, len, "the driver's answer has no \"keyid\"");
	if (expected == NULL || reading == NULL || id_hex == NULL ||
	    kx_hex_decode(id_hex, strlen(id_hex), id, sizeof id, &id_len) != 0 || id_len != sizeof id)
		return kx_errorf(reason, len, "the test needs \"keyId\", \"reading\" and 16 bytes of hex \"keyIdBytes\"");
	struct kx_keyid parsed;
	enum kx_keyid_error error = kx_keyid_classify(built, strlen(built), id, &parsed);
	const char *expected_at = strrchr(expected, '@');
	int right_fqdn = error == KX_KEYID_OK && expected_at != NULL && strcmp(parsed.fqdn, expected_at + 1) == 0;
	if (error == KX_KEYID_OK && strcmp(kx_keyid_reading_name(parsed.reading), reading) == 0 && right_fqdn)
		return 0;
	/* Wrong: named as the judge names a key identifier in a handshake. A reading allows several
	 * spellings (hex case, base64url padding), so the classification, not the text, decides. */
	struct kx_naming naming = {{0}, {0}};
	kx_name_keyid(built, id, expected_at != NULL ? expected_at + 1 : "", &parsed, &naming);
	if (error == KX_KEYID_OK && strcmp(kx_keyid_reading_name(parsed.reading), reading) != 0)
		return kx_errorf(reason, len, "asked for reading %s, the driver built \"%s\", which reads as %s%s%s", reading,
			     built, kx_keyid_reading_name(parsed.reading), naming.name[0] ? "; mistake " : "", naming.name);
	return kx_errorf(reason, len, "the driver built \"%s\", the test says \"%s\"%s%s%s%s", built, expected,
		     naming.name[0] ? "; mistake " : "", naming.name, naming.name[0] ? ": " : "",
		     naming.name[0] ? naming.explanation : "");
}

static const struct kx_vector_kind kinds[] = {
	{.schema = "tls12_prf_test_schema_v1.json",
	 .earlier_schema = "tls12_prf_test_schema.json",
	 .op = "prf",
	 .group_inputs = {"hash", "hash"},
	 .test_inputs = {"secret", "secret", "label", "label", "seed", "seed"},
	 .length_of_hex = "output",
	 .outputs = {{"out", -1, "output"}}},
	{.schema = "hkdf_test_schema_v1.json",
	 .earlier_schema = "hkdf_test_schema.json",
	 .op = "hkdf",
	 .group_inputs = {"hash", "hash"},
	 .test_inputs = {"ikm", "ikm", "salt", "salt", "info", "info"},
	 .length_member = "size",
	 .outputs = {{"prk", -1, "prk"}, {"okm", -1, "okm"}}},
	{.schema = "onem2m_exporter_test_schema_v1.json",
	 .earlier_schema = "onem2m_exporter_test_schema.json",
	 .op = "exporter",
	 .group_inputs = {"hash", "hash", "label", "label"},
	 .test_inputs = {"masterSecret", "master_secret", "clientRandom", "client_random", "serverRandom",
			 "server_random"},
	 .length_member = "length",
	 .outputs = {{"out", -1, "output"}, {"key_id", -1, "keyId"}, {"key", -1, "key"}}},
	{.schema = "e2e_derivation_test_schema_v1.json",
	 .earlier_schema = "e2e_derivation_test_schema.json",
	 .op = "e2e",
	 .group_inputs = {"hash", "hash"},
	 .test_inputs = {"kpsa", "kpsa"},
	 .more_inputs = e2e_salt,
	 .outputs = {{"master", -1, "ke2eMaster"}, {"t", 0, "t1"}, {"t", 1, "t2"}, {"t", 2, "t3"}, {"t", 3, "t4"}},
	 .core = e2e_core},
	{.schema = "enrolment_derivation_test_schema_v1.json",
	 .earlier_schema = "enrolment_derivation_test_schema.json",
	 .op = "enrolment",
	 .group_inputs = {"derivation", "derivation"},
	 .test_inputs = {"ke", "ke", "identifier", "identifier"},
	 .outputs = {{"out", -1, "output"}},
	 .core = enrolment_core},
	{.schema = "keyid_test_schema_v1.json",
	 .earlier_schema = "keyid_test_schema.json",
	 .op = "keyid",
	 .core = keyid_core,
	 .request = keyid_request,
	 .verify = keyid_verify},
};

const struct kx_vector_kind *kx_vector_kind_for(const char *schema)
{
	for (size_t i = 0; schema != NULL && i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kinds[i].schema, schema) == 0 || strcmp(kinds[i].earlier_schema, schema) == 0)
			return &kinds[i];
	return NULL;
}

const char *kx_vector_test_variant(const struct kx_vector_test *test)
{
	return test_string(test, "variant");
}

const char *kx_vector_kind_op(const struct kx_vector_kind *kind)
{
	return kind->op;
}

int kx_vector_check_core(const struct kx_vector_kind *kind, const struct kx_vector_test *test, char *reason,
			 size_t len)
{
	return kind->core != NULL ? kind->core(test, reason, len) : 0;
}

/* Puts the members of the test's request number `which` (0: the reference,
 * 1: the named mistake of an invalid test) after "op"; returns how many
 * requests the test makes (0 to 2), or -1 with reason. */
static int put_request(const struct kx_vector_kind *kind, const struct kx_vector_test *test, int which,
		       struct sink *request, char *reason, size_t len)
{
	if (kind->request != NULL)
		return kind->request(test, request, reason, len);
	const char *variant = test_string(test, "variant");
	int invalid = strcmp(test->result, "invalid") == 0;
	if (invalid && variant == NULL)
		return kx_errorf(reason, len, "an invalid test needs a \"variant\" naming the mistake");
	put_text(request, "variant", which == 0 ? "reference" : variant);
	if (put_inputs(kind, test->doc, test->group_node, test->test_node, request, reason, len) != 0)
		return -1;
	/* One request: a wrong answer is named by the judge's models (vector_naming.c), not by asking
	 * the driver to model the mistake. */
	return 1;
}

int kx_vector_requests(const struct kx_vector_kind *kind, const struct kx_vector_test *test,
		       json_t *requests[KX_MAX_REQUESTS_PER_TEST], char *reason, size_t len)
{
	int n = 1;
	for (int i = 0; i < n; i++) {
		requests[i] = json_pack("{s:s}", "op", kind->op);
		struct sink sink = {requests[i], NULL, requests[i] == NULL};
		int made = put_request(kind, test, i, &sink, reason, len);
		if (made > 0 && sink.failed)
			made = kx_errorf(reason, len, "out of memory");
		if (made <= 0) {
			for (int j = 0; j <= i; j++)
				json_decref(requests[j]);
			return made;
		}
		n = made;
	}
	return n;
}

int kx_vector_write_requests(const struct kx_vector_kind *kind, const struct kx_vector_test *test,
			     long long first_id, struct kx_text *out, char *reason, size_t len)
{
	size_t mark = out->len;
	int n = 1;
	for (int i = 0; i < n; i++) {
		struct sink sink = {NULL, out, 0};
		/* The members in the order of the object kx_vector_requests makes,
		 * then "id", where kx_driver_call puts it. */
		sink.failed |= kx_text_put_literal(out, "{\"op\":\"") != 0 ||
			       kx_text_put(out, kind->op, strlen(kind->op)) != 0 || kx_text_put_literal(out, "\"") != 0;
		int made = put_request(kind, test, i, &sink, reason, len);
		put_integer(&sink, "id", first_id + i);
		sink.failed |= kx_text_put_literal(out, "}\n") != 0;
		if (made > 0 && sink.failed)
			made = kx_errorf(reason, len, "out of memory");
		if (made <= 0) {
			out->len = mark;
			return made;
		}
		n = made;
	}
	return n;
}

/* Compares every output field; returns 1 if all match, else 0 with the first difference in reason. */
static int outputs_match(const struct kx_vector_kind *kind, json_t *response, const struct kx_vector_test *test,
			 char *reason, size_t len)
{
	for (int i = 0; i < MAX_FIELDS && kind->outputs[i].response_key != NULL; i++) {
		const struct field *f = &kind->outputs[i];
		json_t *value = json_object_get(response, f->response_key);
		if (f->index >= 0)
			value = json_array_get(value, (size_t)f->index);
		const char *got = json_string_value(value);
		const char *want = test_string(test, f->test_key);
		if (want == NULL) {
			kx_errorf(reason, len, "the test has no string \"%s\"", f->test_key);
			return 0;
		}
		if (got == NULL || strcasecmp(got, want) != 0) {
			kx_errorf(reason, len, "%s is %s, expected %s", f->test_key, got != NULL ? got : "missing", want);
			return 0;
		}
	}
	return 1;
}

int kx_vector_verify(const struct kx_vector_kind *kind, const struct kx_vector_test *test, json_t **responses,
		     int n, char *reason, size_t len)
{
	if (kind->verify != NULL)
		return kind->verify(test, responses, n, reason, len);
	if (!json_is_true(json_object_get(responses[0], "ok")))
		return kx_errorf(reason, len, "driver error: %s", kx_json_get_string(responses[0], "error"));
	char diff[384];
	int reference_matches = outputs_match(kind, responses[0], test, diff, sizeof diff);
	if (strcmp(test->result, "invalid") != 0)
		return reference_matches ? 0 : kx_errorf(reason, len, "%s", diff);

	/* An invalid test's outputs are a named mistake: the reference answer must differ from them.
	 * The judge's own model of the mistake is checked by `kxconform vectors --check-models`. */
	if (reference_matches)
		return kx_errorf(reason, len, "the answer to the reference request is the known mistake %s",
				 test_string(test, "variant"));
	return 0;
}
