/* cmd_http.c - `kxconform http`: ESCertKE over the oneM2M HTTP binding
 * (TS-0001 11.4.3, TS-0009) between the harness and a vendor's end-point.
 *
 *   kxconform http initiate --url URL   the harness is the Initiating End-Point: it POSTs
 *                                       messages 1 and 3 and reads 2 and 4 from the answers
 *   kxconform http listen [--bind A:P]  the harness is the Terminating End-Point: it answers
 *                                       the first NOTIFY with message 2, the second with 4
 *
 * The harness's end is a driver session (kx-driver-openssl or -wolfssl, or a
 * vendor driver), configured from the escertke scenario of the suite, as in
 * the matrix; the exchange that carries its flights in HTTP is
 * cases/http_exchange.c, and this file is the command: options, set-up, the
 * judging of a completed handshake and the report. Every message
 * is checked against Table 8.7.2.2-1 and every NOTIFY as the matrix checks
 * it (kx_notify_parse), plus what HTTP adds (http_receive.c). A vendor's
 * request the harness refuses gets the Response Status Code TS-0004 defines
 * and ends the case, named in the report. When the handshake completes, the
 * harness's export is checked as a matrix case checks it: recomputed by
 * another driver from the session secrets, split, its key identifier
 * readings, and the values the vendor claims (--claim).
 *
 * One case, one report (reports/report.json, same layout as `kxconform run`),
 * with the HTTP request or response that carried each flight. */
#include "runner/wire/capture.h"
#include "runner/wire/capture_check.h"
#include "runner/cases/case_json.h"
#include "runner/cases/case_run.h"
#include "runner/judge/claims.h"
#include "runner/judge/judge.h"
#include "runner/cases/outcome.h"
#include "runner/cases/session_checks.h"
#include "runner/commands/cli.h"
#include "runner/commands/commands.h"
#include "runner/drivers/driver_pool.h"
#include "runner/cases/http_exchange.h"
#include "runner/wire/http_peer.h"
#include "runner/wire/relay.h"
#include "runner/reports/report.h"
#include "runner/reports/report_view.h"
#include "runner/cases/suite.h"

#include "core/chunks.h"
#include "core/errors.h"
#include "core/exporter_split.h"
#include "core/hex.h"
#include "core/http_binding.h"
#include "core/http_receive.h"
#include "core/json_io.h"
#include "core/keyid.h"
#include "core/notify.h"
#include "core/tls_records.h"
#include "core/tls_suites.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define SCENARIO "escertke"

struct options {
	int listen;          /* 1: `listen` (Terminating End-Point), 0: `initiate` */
	const char *url;     /* initiate: the vendor's end-point */
	const char *bind;    /* listen: where to listen */
	const char *backend; /* the driver playing the harness's end */
	const char *driver_specs[KX_MAX_DRIVERS];
	size_t n_drivers;
	const char *suite, *pki, *output;
	const char *origin; /* initiate: From (default: the scenario's initiator id) */
	const char *to;     /* initiate: To (default: the URL's path, else the scenario's terminator id) */
	const char *id;     /* listen: this end's identity, the To it answers */
	const char *expect_origin; /* listen: the only originator allowed to start ESCertKE */
	const char *fqdn;          /* for key identifier readings (default: the scenario's, if any) */
	struct kx_claims claims;   /* what the vendor's end says it exported */
	int timeout_ms;            /* a driver's silence, an HTTP request */
	int wait_ms;               /* listen: the whole exchange */
	int allow_remote;
};

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: kxconform http initiate --url URL [OPTIONS]\n"
	    "       kxconform http listen [--bind HOST:PORT] [OPTIONS]\n"
	    "\n"
	    "ESCertKE over the oneM2M HTTP binding (TS-0001 11.4.3, TS-0009) with a vendor's\n"
	    "end-point: messages 1 and 3 in two NOTIFY requests (HTTP POST), 2 and 4 in their\n"
	    "responses, each checked against TS-0003 Table 8.7.2.2-1.\n"
	    "\n"
	    "  initiate            the harness is the Initiating End-Point and POSTs to URL\n"
	    "  listen              the harness is the Terminating End-Point and answers; it\n"
	    "                      prints the URL it listens on, then serves one ESCertKE\n"
	    "\n"
	    "  --url URL           initiate: http://HOST:PORT[/PATH] of the vendor's end-point;\n"
	    "                      with no PATH, To is written as TS-0009 maps it (/~/in-cse)\n"
	    "  --bind HOST:PORT    listen: the address (default 127.0.0.1:0, a free port)\n"
	    "  --backend NAME      the driver playing the harness's end (default openssl)\n"
	    "  --origin ID         initiate: From, X-M2M-Origin (default: the suite's initiator id)\n"
	    "  --to ID             initiate: To (default: the URL's path, else the suite's terminator id)\n"
	    "  --id ID             listen: the To this end answers (default: the suite's terminator id)\n"
	    "  --expect-origin ID  listen: refuse message 1 from any other originator (4103)\n"
	    "  --claim NAME=VALUE  what the vendor's end exported, checked against the harness's:\n"
	    "                      export=HEX (48 bytes), key_id=HEX (16), key=HEX (32),\n"
	    "                      keyid=TEXT (RelativeKeyID@FQDN, needs --fqdn); repeatable\n"
	    "  --claims FILE       the same claims as a JSON object {\"export\": \"...\", ...}\n"
	    "  --fqdn FQDN         the FQDN of the key identifier readings in the report\n"
	    "  --wait MS           listen: how long the whole exchange may take (default 30000)\n"
	    "  --timeout MS        a silent driver, an HTTP request (default 5000)\n"
	    "  --allow-remote      allow a non-loopback --url or --bind\n"
	    "  --output DIR        where reports/ is written (default: .)\n"
	    "  --driver NAME=PATH  a driver executable (repeatable); default: the openssl and\n"
	    "                      wolfssl drivers beside kxconform\n"
	    "  --suite FILE        the scenario matrix (default: %s)\n"
	    "  --pki DIR           the test PKI (default: pki/ beside kxconform)\n"
	    "\n"
	    "The case id reads http.escertke.tls.INITIATOR-TERMINATOR, the vendor's end named\n"
	    "\"vendor\". Exit status: 0 the case passed; 1 it did not (a refused request, a\n"
	    "deviation, a failed check, no answer); 2 usage or set-up error.\n",
	    KX_DEFAULT_SUITE);
}

/* --claim NAME=VALUE or --claims FILE; 1, or 0 after saying what is wrong. */
static int add_claims(struct options *opt, const char *arg, const char *value)
{
	char err[600];

	if ((strcmp(arg, "--claim") == 0 ? kx_claims_parse_arg(&opt->claims, value, err, sizeof err)
	                                 : kx_claims_load_file(&opt->claims, value, err, sizeof err)) == 0 &&
	    kx_claims_validate(&opt->claims, err, sizeof err) == 0)
		return 1;
	fprintf(stderr, "kxconform http: %s %s: %s\n", arg, value, err);
	return 0;
}

static int parse_options(int argc, char **argv, struct options *opt)
{
	memset(opt, 0, sizeof *opt);
	opt->bind = "127.0.0.1:0";
	opt->backend = "openssl";
	opt->suite = KX_DEFAULT_SUITE;
	opt->output = ".";
	opt->timeout_ms = 5000;
	opt->wait_ms = 30000;
	const struct kx_cli_string strings[] = {
	    {"--url", &opt->url},
	    {"--bind", &opt->bind},
	    {"--backend", &opt->backend},
	    {"--origin", &opt->origin},
	    {"--to", &opt->to},
	    {"--id", &opt->id},
	    {"--expect-origin", &opt->expect_origin},
	    {"--fqdn", &opt->fqdn},
	    {"--output", &opt->output},
	    {"--suite", &opt->suite},
	    {"--pki", &opt->pki},
	};
	if (argc < 2) {
		usage(stderr);
		return -1;
	}
	if (kx_cli_help(argv[1], usage))
		return 1;
	if (strcmp(argv[1], "listen") == 0) {
		opt->listen = 1;
	} else if (strcmp(argv[1], "initiate") != 0) {
		/* An option first is the role forgotten; anything else a misspelt role. */
		if (argv[1][0] == '-')
			return kx_cli_error("http", "the role comes first: `kxconform http initiate|listen [OPTIONS]`, "
			                            "not %s", argv[1]);
		return kx_cli_error("http", "unknown role \"%s\" (initiate or listen)", argv[1]);
	}
	static const char *const flags[] = {"--allow-remote", NULL};
	static const char *const valued[] = {"--url",   "--bind",   "--backend", "--origin", "--to",
	                                     "--id",    "--expect-origin", "--fqdn", "--output", "--suite",
	                                     "--pki",   "--driver", "--claim",   "--claims", "--timeout",
	                                     "--wait",  NULL};
	for (int i = 2; i < argc; i++) {
		const char *arg = argv[i], *value;
		int ok;

		if (kx_cli_help(arg, usage))
			return 1;
		if (kx_cli_next("http", argc, argv, &i, flags, valued, &value) < 0)
			return -1;
		if (value == NULL) {
			opt->allow_remote = 1;
			continue;
		}
		if (kx_cli_string_option(strings, sizeof strings / sizeof strings[0], arg, value))
			continue;
		if (strcmp(arg, "--driver") == 0)
			ok = kx_cli_list_add("http", arg, value, opt->driver_specs, &opt->n_drivers, KX_MAX_DRIVERS);
		else if (strcmp(arg, "--claim") == 0 || strcmp(arg, "--claims") == 0)
			ok = add_claims(opt, arg, value);
		else if (strcmp(arg, "--timeout") == 0)
			ok = kx_cli_int_option("http", arg, value, "milliseconds", 1, INT_MAX, &opt->timeout_ms);
		else
			ok = kx_cli_int_option("http", arg, value, "milliseconds", 1, INT_MAX, &opt->wait_ms);
		if (!ok)
			return -1;
	}
	if (!opt->listen && opt->url == NULL) {
		fprintf(stderr, "kxconform http initiate: --url is required\n\n");
		usage(stderr);
		return -1;
	}
	return 0;
}

/* ---- the checks of a completed handshake -------------------------------- */

static int ok_answer(json_t *response)
{
	return json_is_true(json_object_get(response, "ok"));
}

static const char *error_of(json_t *response)
{
	const char *text = kx_json_get_string(response, "error");

	return text != NULL ? text : "no error text";
}

/* What TLS 1.2 and the case ask of the session the harness's end reports. */
static void check_session(struct kx_http_case *hc, json_t *info)
{
	json_t *config =
	    hc->initiator ? hc->matrix_case->initiator_config : hc->matrix_case->terminator_config;
	/* The end-points' own checks, seen from outside: the SNI the harness's terminator received, the
	 * peer name the harness accepted. */
	struct kx_session_expectations want = {
	    hc->initiator ? "the initiator" : "the terminator", 0, hc->matrix_case->suite,
	    hc->initiator ? NULL : kx_json_get_string(hc->matrix_case->initiator_config, "sni"), NULL,
	    kx_json_get_string(config, "expected_peer_name")};
	kx_check_session(info, &want, &hc->out);
}

/* The harness's export, split as TS-0003 10.3.1 says, then the reference
 * recomputed from the session's secrets by the other drivers (claims.h: they
 * must agree with each other and with the harness's end), the key identifier
 * readings when an FQDN is known, and every value the vendor claims, with the
 * known mistake named when a claim matches one. */
static void check_export(struct kx_http_case *hc, const struct options *opt, json_t *info, json_t *result)
{
	json_t *spec = json_object_get(hc->matrix_case->scenario, "export");
	const char *label = kx_json_get_string(spec, "label");
	const char *own = kx_json_get_string(json_object_get(info, "exported"), label);
	uint8_t out[KX_EXPORT_LEN], id[KX_KEY_ID_LEN], key[KX_KEY_LEN];
	char id_hex[2 * KX_KEY_ID_LEN + 1], key_hex[2 * KX_KEY_LEN + 1], own_name[128], err[1024],
	    by[200] = "";
	struct kx_claims_context ctx = {
	    .pool = hc->pool, .label = label, .own_export = own, .own_name = own_name};
	json_t *exported = json_pack("{s:s, s:i}", "label", label, "length", KX_EXPORT_LEN);
	json_t *checked;
	size_t len = 0, disagreed = 0;

	json_object_set_new(result, "exported", exported);
	if (own == NULL || kx_hex_decode(own, strlen(own), out, sizeof out, &len) != 0 ||
	    len != KX_EXPORT_LEN) {
		kx_outcome_add(&hc->out, KX_RESULT_FAIL, "the harness's end did not export 48 bytes for %s", label);
		return;
	}
	json_object_set_new(exported, kx_relay_end_name(hc->initiator), json_string(own));
	/* The vendor's end speaks only through its claims; a well-formed export claim stands for it. */
	if (kx_claim_form(&opt->claims, KX_CLAIM_EXPORT, err, sizeof err) == 0 &&
	    opt->claims.values[KX_CLAIM_EXPORT] != NULL)
		json_object_set_new(exported, kx_relay_end_name(!hc->initiator),
		                    json_string(opt->claims.values[KX_CLAIM_EXPORT]));
	kx_split_exporter(out, id, key);
	kx_hex_encode(id, sizeof id, id_hex, 0);
	kx_hex_encode(key, sizeof key, key_hex, 0);
	json_object_set_new(exported, "key_id_name", json_string(kx_json_get_string(spec, "key_id")));
	json_object_set_new(exported, "key_id", json_string(id_hex));
	json_object_set_new(exported, "key_name", json_string(kx_json_get_string(spec, "key")));
	json_object_set_new(exported, "key", json_string(key_hex));

	/* The reference drivers recompute, and must agree with each other and with the harness's end. */
	ctx.n_recomputers = kx_pool_references(hc->pool, ctx.recomputers);
	ctx.end = "the vendor";
	ctx.prf_hash = kx_suite_prf_hash_name((uint16_t)strtoul(hc->matrix_case->suite, NULL, 16));
	ctx.master_secret = kx_json_get_string(info, "master_secret");
	ctx.client_random = kx_json_get_string(info, "client_random");
	ctx.server_random = kx_json_get_string(info, "server_random");
	ctx.fqdn = opt->fqdn != NULL ? opt->fqdn : kx_json_get_string(spec, "fqdn");
	snprintf(own_name, sizeof own_name, "the %s's driver %s", kx_relay_end_name(hc->initiator),
	         hc->pool->names[hc->end]);
	checked = kx_claims_check(&ctx, &opt->claims, &disagreed, err, sizeof err);
	if (checked == NULL) {
		kx_outcome_add(&hc->out, KX_RESULT_FAIL, "the export cannot be checked: %s", err);
		return;
	}
	kx_judge_recomputed_by(json_object_get(checked, "reference"), by, sizeof by);
	json_object_set_new(exported, "recomputed_by", json_string(by));
	json_object_set(exported, "recomputed",
	                json_object_get(json_object_get(checked, "reference"), "export"));
	if (json_object_get(json_object_get(checked, "reference"), "key_identifier") != NULL)
		json_object_set(result, "key_identifier",
		                json_object_get(json_object_get(checked, "reference"), "key_identifier"));
	if (json_integer_value(json_object_get(checked, "disagreed")) > 0) {
		hc->out.result = strcmp(hc->out.result, KX_RESULT_ERROR) == 0 ? KX_RESULT_ERROR : KX_RESULT_FAIL;
		kx_verdicts_json_diagnose(json_object_get(checked, "claims"), hc->out.diagnosis, sizeof hc->out.diagnosis);
	}
	json_object_set_new(result, "claims", checked);
}

/* Judges a completed handshake. */
static void check_completed(struct kx_http_case *hc, const struct options *opt, json_t *result)
{
	const char *label = kx_json_get_string(json_object_get(hc->matrix_case->scenario, "export"), "label");
	json_t *info = kx_pool_call(hc->pool, hc->end, kx_relay_info_request(hc->session, label));

	json_object_set(result, hc->initiator ? "initiator_report" : "terminator_report", info);
	if (!ok_answer(info)) {
		kx_outcome_add(&hc->out, KX_RESULT_FAIL, "the harness's end could not report its session: %s", error_of(info));
	} else {
		check_session(hc, info);
		check_export(hc, opt, info, result);
	}
	json_decref(info);
}

/* ---- set-up and report -------------------------------------------------- */

/* How the exchange ended, in the words of a matrix case's "outcome". */
static const char *outcome(const struct kx_http_case *hc)
{
	if (hc->own.state == KX_END_DONE)
		return "completed";
	if (hc->own.state == KX_END_FAILED || hc->rejected_by[0] != '\0')
		return "refused";
	return strcmp(hc->out.result, KX_RESULT_ERROR) == 0 ? "error" : "stalled";
}

static json_t *flights_json(const struct kx_http_case *hc)
{
	json_t *flights = json_array();

	for (size_t i = 0; i < hc->n_flights; i++) {
		const struct kx_http_flight *f = &hc->flights[i];
		int from_initiator = f->number % 2 == 1;

		json_t *flight = json_pack(
		    "{s:i, s:s, s:s, s:I, s:I, s:I, s:i, s:s, s:i, s:s}", "number", f->number, "from",
		    kx_relay_end_name(from_initiator), "to", kx_relay_end_name(!from_initiator), "at_us",
		    (json_int_t)f->at_us, "written", (json_int_t)f->length, "delivered",
		    (json_int_t)f->length, "datagrams", 1, "items", f->summary, "escertke_message", f->number,
		    "notify", from_initiator ? "request" : "response");

		/* Where a matrix case has the NOTIFY primitive, the HTTP message that carried it. */
		if (f->http != NULL && f->http[0] != '\0')
			json_object_set_new(flight, "primitive", json_string(f->http));
		json_array_append_new(flights, flight);
	}
	return flights;
}

/* The case's result, with the members of a matrix case. */
static json_t *case_result(const struct kx_http_case *hc, const char *url)
{
	json_t *result =
	    kx_case_json_new(hc->id, SCENARIO, hc->matrix_case->scenario, kx_http_end_label(hc, 1),
	                     kx_http_end_label(hc, 0), "tls", hc->matrix_case->suite, "positive", "pass");

	json_object_set_new(result, "http",
	                    json_pack("{s:s, s:s, s:s, s:s}", "role",
	                              hc->initiator ? "initiator" : "terminator", "url", url, "binding",
	                              "TS-0009", "to", hc->to));
	return result;
}

/* The capture of the case (capture.h), from the flights as the matrix's relay
 * records them: the ESCertKE messages as one TLS conversation, which
 * Wireshark decrypts with the key log of the harness's end. */
static void capture(const struct kx_http_case *hc, const struct options *opt, json_t *result)
{
	struct kx_relay relay;
	char err[600];

	memset(&relay, 0, sizeof relay);
	for (size_t i = 0; i < hc->n_flights; i++) {
		const struct kx_http_flight *f = &hc->flights[i];
		struct kx_flight_record *r = &relay.flights[relay.n_flights++];

		r->number = f->number;
		r->from_initiator = f->number % 2 == 1;
		r->at_us = f->at_us;
		r->written = f->length;
		r->escertke_message = f->number;
		r->primitive = f->primitive; /* borrowed */
		snprintf(r->summary, sizeof r->summary, "%s", f->summary);
		if (f->bytes != NULL)
			kx_chunks_append(&r->chunks, f->bytes, f->length);
	}
	if (kx_capture_begin(opt->output, err, sizeof err) != 0 ||
	    kx_capture_case(opt->output, 0, hc->id, &relay, result, err, sizeof err) != 0)
		fprintf(stderr, "kxconform http: capture: %s\n", err);
	for (size_t i = 0; i < relay.n_flights; i++)
		kx_chunks_clear(&relay.flights[i].chunks);
}

/* Loads the pool and the suite and opens the harness's session; 0, or -1 with err. */
static int set_up(struct kx_http_case *hc, const struct options *opt, struct kx_suite *suite, char *err,
                  size_t errlen)
{
	char pki[4096];
	const char *id;
	json_t *response;
	int index;

	if (kx_pool_init(hc->pool, opt->driver_specs, opt->n_drivers, opt->timeout_ms, err, errlen) != 0)
		return -1;
	index = kx_pool_index(hc->pool, opt->backend);
	if (index < 0) {
		snprintf(err, errlen, "--backend %s is not one of the drivers", opt->backend);
		return -1;
	}
	hc->end = (size_t)index;
	kx_cli_pki_dir(opt->pki, pki, sizeof pki);
	if (kx_suite_load(opt->suite, pki, hc->pool, suite, err, errlen) != 0)
		return -1;
	/* Its configurations are the harness's end's. */
	hc->matrix_case = kx_suite_self_case(suite, SCENARIO, "tls", opt->backend);
	if (hc->matrix_case == NULL) {
		snprintf(err, errlen, "%s has no escertke scenario over TLS", opt->suite);
		return -1;
	}
	if (kx_pool_start_all(hc->pool, err, errlen) != 0)
		return -1;
	id = kx_json_get_string(json_object_get(hc->matrix_case->scenario, "initiator"), "id");
	snprintf(hc->origin, sizeof hc->origin, "%s",
	         opt->origin != NULL ? opt->origin
	         : id                ? id
	                             : "initiator");
	/* The terminator's identity: --id when listening, --to when initiating, else the scenario's. */
	id = kx_json_get_string(json_object_get(hc->matrix_case->scenario, "terminator"), "id");
	if (opt->listen && opt->id != NULL)
		id = opt->id;
	else if (!opt->listen && opt->to != NULL)
		id = opt->to;
	snprintf(hc->to, sizeof hc->to, "%s", id != NULL ? id : "terminator");
	snprintf(hc->id, sizeof hc->id, "http." SCENARIO ".tls.%s-%s", kx_http_end_label(hc, 1),
	         kx_http_end_label(hc, 0));
	snprintf(hc->session, sizeof hc->session, "%s/%s", hc->id, kx_relay_end_name(hc->initiator));
	response = kx_pool_call(hc->pool, hc->end,
	                        kx_relay_open_request(hc->session, hc->initiator
	                                                               ? hc->matrix_case->initiator_config
	                                                               : hc->matrix_case->terminator_config));
	if (!ok_answer(response)) {
		snprintf(err, errlen, "the %s's driver (%s) cannot open the session: %s",
		         kx_relay_end_name(hc->initiator), hc->pool->names[hc->end], error_of(response));
		json_decref(response);
		return -1;
	}
	json_decref(response);
	return 0;
}

/* initiate: the To is the URL's path as TS-0009 maps it back, unless --to says otherwise. */
static int initiator_target(struct kx_http_case *hc, const struct options *opt,
                            const struct kx_http_client *client, char *err,
                            size_t errlen)
{
	if (opt->to == NULL && client->path[0] != '\0' &&
	    kx_http_to_from_target(client->path, hc->to, sizeof hc->to) != 0) {
		snprintf(err, errlen,
		         "the URL's path %s names no To (TS-0009: /~/CSE-ID for an SP-relative To)",
		         client->path);
		return -1;
	}
	return 0;
}

/* Opens the harness's end: the HTTP client (initiate) or server (listen), the drivers, the suite's
 * case and the session; writes the URL of the exchange into url and says where it goes. 0, or -1
 * with err. */
static int open_ends(struct kx_http_case *hc, const struct options *opt, struct kx_suite *suite,
                     struct kx_http_client *client, struct kx_http_server *server, char *url, size_t url_len,
                     char *err, size_t errlen)
{
	if (!opt->listen &&
	    kx_http_client_open(client, opt->url, opt->allow_remote, opt->timeout_ms, err, errlen) != 0)
		return -1;
	if (set_up(hc, opt, suite, err, errlen) != 0 ||
	    (!opt->listen && initiator_target(hc, opt, client, err, errlen) != 0))
		return -1;
	if (opt->listen) {
		char target[KX_HTTP_TARGET_MAX];

		if (kx_http_target_from_to(hc->to, target, sizeof target) != 0) {
			snprintf(err, errlen, "--id %s cannot be written as a Request-Target", hc->to);
			return -1;
		}
		if (kx_http_listen(hc, server, opt->bind, opt->allow_remote, opt->timeout_ms, err,
		                   errlen) != 0)
			return -1;
		snprintf(url, url_len, "http://%s%s%s:%u%s", strchr(server->host, ':') ? "[" : "",
		         server->host, strchr(server->host, ':') ? "]" : "", server->port, target);
		printf("kxconform http listen: listening on %s (Terminating End-Point %s on %s); waiting up "
		       "to %d ms\n",
		       url, hc->to, hc->pool->names[hc->end], opt->wait_ms);
	} else {
		char target[KX_HTTP_TARGET_MAX] = "";

		kx_http_target_from_to(hc->to, target, sizeof target);
		snprintf(url, url_len, "%s%s", client->origin, target);
		printf("kxconform http initiate: NOTIFY from %s to %s (Initiating End-Point on %s)\n",
		       hc->origin, url, hc->pool->names[hc->end]);
	}
	fflush(stdout);
	return 0;
}

/* The case's members once the exchange is over: how it ended, the HTTP exchanges and refusals, the
 * flights, the verdict (after duration_ms) and the capture. */
static void complete_result(struct kx_http_case *hc, const struct options *opt, json_t *result,
                            double duration_ms)
{
	json_object_set_new(result, "outcome", json_string(outcome(hc)));
	json_object_set_new(json_object_get(result, "http"), "from", json_string(hc->origin));
	if (hc->rejected_by[0] != '\0')
		json_object_set_new(result, "rejected_by", json_string(hc->rejected_by));
	json_object_set_new(json_object_get(result, "http"), "exchanges", hc->exchanges);
	json_object_set_new(json_object_get(result, "http"), "refused", hc->refused);
	hc->exchanges = hc->refused = NULL;
	json_object_set_new(result, "flights", flights_json(hc));
	kx_case_json_verdict(result, hc->out.result, strcmp(hc->out.result, KX_RESULT_PASS) == 0,
	                     hc->out.diagnosis, duration_ms);
	capture(hc, opt, result);
}

/* The report of the one case (result, taken) and the closing lines; returns the exit status. */
static int write_report(struct kx_http_case *hc, const struct options *opt, json_t *result, time_t started,
                        double duration_ms)
{
	json_t *report = kx_cli_report_header(hc->pool, opt->suite, started, 1), *cases = json_array();
	struct kx_report_counts counts;
	char err[1200];
	int status;

	json_array_append_new(cases, result);
	/* tshark checks that a completed handshake's capture decrypts (a capture that does
	 * not fails the case); an exchange that ended early has nothing to decrypt, and
	 * tshark's second of start-up is not spent on it. */
	if (hc->own.state == KX_END_DONE &&
	    json_object_get(json_object_get(result, "capture"), "error") == NULL &&
	    kx_capture_check(opt->output, cases, err, sizeof err) < 0)
		fprintf(stderr, "kxconform http: capture not checked: %s\n", err);
	if (strcmp(kx_json_get_string(result, "result"), KX_RESULT_PASS) != 0)
		hc->out.result = strcmp(kx_json_get_string(result, "result"), KX_RESULT_ERROR) == 0
		                     ? KX_RESULT_ERROR
		                     : KX_RESULT_FAIL;
	json_object_set_new(report, "duration_ms", json_real(duration_ms));
	json_object_set_new(report, "cases", cases);
	kx_report_summarize(report, &counts);
	status = strcmp(hc->out.result, KX_RESULT_PASS) == 0 ? KX_EXIT_OK : KX_EXIT_FAILED;
	printf("kxconform http: %s: %s%s%s\n", hc->id, hc->out.result,
	       kx_json_get_string(result, "diagnosis")[0] ? ": " : "",
	       kx_json_get_string(result, "diagnosis"));
	if (kx_report_write_all(report, opt->output, err, sizeof err) != 0) {
		fprintf(stderr, "kxconform http: %s\n", err);
		status = KX_EXIT_USAGE;
	} else {
		printf("report: %s/reports/report.json\n", opt->output);
	}
	json_decref(report);
	return status;
}

int kx_cmd_http(int argc, char **argv)
{
	struct options opt;
	struct kx_driver_pool pool;
	struct kx_suite suite = {0};
	struct kx_http_client client = {0};
	struct kx_http_server server = {0};
	struct kx_http_case hc = {.pool = &pool, .out = {.result = KX_RESULT_PASS}};
	char err[1200], url[sizeof client.origin + KX_HTTP_TARGET_MAX + 96];
	int parsed = parse_options(argc, argv, &opt), status = KX_EXIT_USAGE;
	struct timeval t0;

	if (parsed != 0) {
		kx_claims_free(&opt.claims);
		return parsed > 0 ? KX_EXIT_OK : KX_EXIT_USAGE;
	}
	memset(&pool, 0, sizeof pool);
	hc.initiator = !opt.listen;
	hc.expect_origin = opt.expect_origin;
	hc.wait_ms = opt.wait_ms;
	hc.exchanges = json_array();
	hc.refused = json_array();
	gettimeofday(&t0, NULL);
	if (open_ends(&hc, &opt, &suite, &client, &server, url, sizeof url, err, sizeof err) != 0) {
		fprintf(stderr, "kxconform http: %s\n", err);
	} else {
		json_t *result = case_result(&hc, url);
		/* The exchange, then a completed handshake judged, then Table 8.7.2.2-1's deviations. */
		if (opt.listen ? kx_http_run_terminator(&hc, &server) : kx_http_run_initiator(&hc, &client))
			check_completed(&hc, &opt, result);
		if (hc.deviations[0] != '\0')
			kx_outcome_add(&hc.out, KX_RESULT_FAIL, "%s", hc.deviations);
		json_decref(kx_pool_call(&pool, hc.end, kx_relay_close_request(hc.session)));
		double duration_ms = kx_case_json_ms_since(&t0);
		complete_result(&hc, &opt, result, duration_ms);
		status = write_report(&hc, &opt, result, t0.tv_sec, duration_ms);
	}
	fflush(stdout);
	kx_http_server_stop(&server);
	kx_http_client_close(&client);
	kx_pool_stop(&pool);
	kx_suite_free(&suite);
	json_decref(hc.exchanges);
	json_decref(hc.refused);
	for (size_t i = 0; i < hc.n_flights; i++) {
		free(hc.flights[i].http);
		free(hc.flights[i].primitive);
		free(hc.flights[i].bytes);
	}
	kx_claims_free(&opt.claims);
	free(hc.pending);
	return status;
}
