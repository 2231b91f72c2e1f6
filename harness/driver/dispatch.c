/* dispatch.c - routes a request to its operation and describes the driver in
 * its hello: operations, the mistakes it can model, the suites its library
 * negotiates, and the roles and transports it plays. */
#include "driver/ops.h"

#include "core/keyid.h"
#include "core/tls_suites.h"
#include "derive/e2e_kdf.h"

#include <stdio.h>
#include <string.h>

static json_t *string_array(const char *const *names, size_t n)
{
	json_t *array = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(array, json_string(names[i]));
	return array;
}

static json_t *operation_names(void)
{
	json_t *array = json_array();
	for (size_t i = 0; i < kx_n_derive_operations; i++)
		json_array_append_new(array, json_string(kx_derive_operations[i].name));
	for (size_t i = 0; i < kx_n_session_operations; i++)
		json_array_append_new(array, json_string(kx_session_operations[i].name));
	return array;
}

/* The suites a scenario may ask for (the core table's) that the library can negotiate. */
static json_t *suites(const struct kx_backend *backend, int dtls)
{
	json_t *array = json_array();
	const struct kx_tls_suite *suite;
	for (size_t i = 0; (suite = kx_tls_suite_at(i)) != NULL; i++)
		if (suite->scenario && backend->suite_available(suite->id, dtls)) {
			char name[8];
			snprintf(name, sizeof name, "0x%04X", suite->id);
			json_array_append_new(array, json_string(name));
		}
	return array;
}

json_t *kx_driver_capabilities(const struct kx_backend *backend)
{
	const char *readings[KX_READING_COUNT];
	for (int i = 0; i < KX_READING_COUNT; i++)
		readings[i] = kx_keyid_reading_name((enum kx_keyid_reading)i);
	/* The reference only: the judge models the mistakes. The key identifier readings are
	 * encodings a driver builds on request, for the vectors of each reading. */
	static const char *const reference[] = {"reference"};
	static const char *const roles[] = {"client", "server"};
	static const char *const transports[] = {"tls", "dtls"};

	/* notify-endpoint: its ESCertKE sessions carry their messages in NOTIFY primitives themselves;
	 * dtls-timeout: the runner can fire its DTLS retransmission timer (op "timeout"). */
	static const char *const features[] = {"notify-endpoint", "dtls-timeout"};
	size_t n_config = 0;
	while (kx_session_config_members[n_config] != NULL)
		n_config++;
	/* No list of scenario names: the runner works out what a scenario needs (roles, transports,
	 * suites, configuration members), so a scenario added to a suite needs no driver change. */
	return json_pack("{s:o, s:o, s:{s:o, s:o, s:o, s:o}, s:{s:o, s:o}, s:o, s:o, s:o}", "features",
			 string_array(features, backend->session_timeout != NULL ? 2 : 1), "operations",
			 operation_names(), "variants", "exporter", string_array(reference, 1), "e2e",
			 string_array(reference, 1), "enrolment", string_array(reference, 1), "keyid",
			 string_array(readings, KX_READING_COUNT),
			 "suites", "tls", suites(backend, 0), "dtls", suites(backend, 1), "config",
			 string_array(kx_session_config_members, n_config), "roles", string_array(roles, 2), "transports",
			 string_array(transports, 2));
}

json_t *kx_driver_hello(const struct kx_backend *backend)
{
	return json_pack("{s:s, s:i, s:s, s:s, s:o}", "type", "hello", "protocol", KX_PROTOCOL_VERSION, "driver",
			 backend->name, "implementation", backend->library_version(), "capabilities",
			 kx_driver_capabilities(backend));
}

static const struct kx_operation *find(const char *op)
{
	for (size_t i = 0; i < kx_n_derive_operations; i++)
		if (strcmp(kx_derive_operations[i].name, op) == 0)
			return &kx_derive_operations[i];
	for (size_t i = 0; i < kx_n_session_operations; i++)
		if (strcmp(kx_session_operations[i].name, op) == 0)
			return &kx_session_operations[i];
	return NULL;
}

/* The error text of a failed request as a JSON string: the library's texts
 * are not always UTF-8, and a response must still go out. */
static const char *error_text(const struct kx_request *req)
{
	return req->err[0] ? req->err : "failed";
}
#define UNPRINTABLE_ERROR "failed (unprintable error text)"

int kx_driver_answer_doc(const struct kx_backend *backend, const struct kx_json_doc *request, struct kx_text *out)
{
	const char *op = kx_json_doc_string(request, kx_json_doc_get(request, 0, "op"));
	const struct kx_operation *operation = NULL;
	for (size_t i = 0; op != NULL && i < kx_n_derive_operations; i++)
		if (strcmp(kx_derive_operations[i].name, op) == 0)
			operation = &kx_derive_operations[i];
	size_t id_node = kx_json_doc_get(request, 0, "id");
	const struct kx_json_node *id = id_node != 0 ? &request->nodes[id_node] : NULL;
	/* An "id" that is an object or an array is echoed by the jansson path. */
	if (operation == NULL || (id != NULL && (id->type == JSON_OBJECT || id->type == JSON_ARRAY)))
		return 0;

	/* The members in the order kx_driver_answer gives them: "id", the
	 * operation's, "ok", "error". */
	size_t mark = out->len;
	struct kx_request req = {.doc = request, .text = out, .err = ""};
	int failed = kx_text_put_literal(out, "{\"id\":") != 0;
	if (id == NULL || id->type == JSON_NULL)
		failed |= kx_text_put_literal(out, "null") != 0;
	else if (id->type == JSON_STRING)
		failed |= kx_json_write_string(out, id->value.string, id->count) != 0;
	else {
		json_t *value = id->type == JSON_INTEGER ? json_integer(id->value.integer)
				: id->type == JSON_REAL  ? json_real(id->value.real)
							 : json_boolean(id->type == JSON_TRUE);
		failed |= kx_json_write(out, value) != 0;
		json_decref(value);
	}
	int ret = failed ? -1 : operation->handle(backend, &req);
	if (ret == 0) {
		failed |= kx_text_put_literal(out, ",\"ok\":true}") != 0;
	} else if (!failed) {
		failed |= kx_text_put_literal(out, ",\"ok\":false,\"error\":") != 0;
		if (!failed && kx_json_write_string(out, error_text(&req), strlen(error_text(&req))) != 0)
			failed |= kx_json_write_string(out, UNPRINTABLE_ERROR, strlen(UNPRINTABLE_ERROR)) != 0;
		failed |= kx_text_put_literal(out, "}") != 0;
	}
	if (failed) {
		/* Out of memory: let the jansson path answer, as it can. */
		out->len = mark;
		return 0;
	}
	return 1;
}

json_t *kx_driver_answer(const struct kx_backend *backend, json_t *request)
{
	struct kx_request req = {.json = request, .response = json_object(), .err = ""};
	json_t *id = json_object_get(request, "id");
	json_object_set(req.response, "id", id != NULL ? id : json_null());

	const char *op = json_string_value(json_object_get(request, "op"));
	const struct kx_operation *operation = op != NULL ? find(op) : NULL;
	int ret;
	if (op == NULL)
		ret = kx_req_fail(&req, "missing or non-string \"op\"");
	else if (operation == NULL)
		ret = kx_req_fail(&req, "unknown operation \"%s\"", op);
	else
		ret = operation->handle(backend, &req);

	json_object_set_new(req.response, "ok", json_boolean(ret == 0));
	if (ret != 0) {
		json_t *text = json_string(error_text(&req));
		json_object_set_new(req.response, "error", text != NULL ? text : json_string(UNPRINTABLE_ERROR));
	}
	return req.response;
}
