/* cmd_live.c - `kxconform live`: the harness plays one end of a scenario
 * against a vendor's end-point over a real socket, then checks what the
 * vendor claims to have exported and derived.
 *
 * The runner still never links a TLS library: the harness's end is a session
 * in a reference driver (openssl or wolfssl, the user's pick) and the runner
 * is the wire between that session and the socket (wire/live_exchange.c).
 * This file is the command: its options, the scenario's case from the suite,
 * the steps of a run, and the judging and report.
 *
 * A run is one case with the matrix's conventions: the id
 * live.SCENARIO.TRANSPORT.INITIATOR-TERMINATOR, the end-point configuration
 * of the suite's scenario entry, the same cross-checks of the harness's own
 * end (negotiated version and suite, SNI, PSK identity, the export against
 * the PRF recomputed by both reference drivers), a report and a capture. The
 * vendor's claims are judged by claims.c. Exit status: 0 every check and
 * claim agreed, 1 something did not, 2 a usage or set-up error (nothing to
 * talk to). */
#include "runner/wire/capture.h"
#include "runner/cases/case_json.h"
#include "runner/cases/case_run.h"
#include "runner/judge/claims.h"
#include "runner/judge/judge.h"
#include "runner/cases/outcome.h"
#include "runner/cases/session_checks.h"
#include "runner/commands/cli.h"
#include "runner/commands/commands.h"
#include "runner/drivers/driver_pool.h"
#include "runner/wire/live_exchange.h"
#include "runner/wire/net_peer.h"
#include "runner/wire/vendor_program.h"
#include "runner/wire/relay.h"
#include "runner/reports/report.h"
#include "runner/reports/report_view.h"
#include "runner/cases/suite.h"

#include "core/errors.h"
#include "core/json_io.h"
#include "core/tls_records.h"
#include "core/tls_suites.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLAIM_ARGS 32
/* The longest --timeout and --claim-wait: ten minutes. */
#define MAX_WAIT_MS 600000
/* The vendor output kept in the report. */
#define REPORT_OUTPUT_MAX 65536

struct options {
	const char *role, *transport, *scenario, *backend, *connect, *listen, *launch;
	const char *label, *fqdn, *enrolee_b_id, *keyid_reading, *suite, *pki, *output, *vendor_name;
	const char *claims_file;
	const char *claim_args[MAX_CLAIM_ARGS];
	size_t n_claim_args;
	const char *pattern_args[KX_MAX_CLAIM_PATTERNS];
	size_t n_pattern_args;
	int timeout_ms, claim_wait_ms, allow_remote;
};

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: kxconform live --role client|server (--connect HOST:PORT | --listen HOST:PORT)\n"
	    "                      [--transport tls|dtls] [--scenario NAME] [--backend openssl|wolfssl]\n"
	    "                      [--launch CMD] [--claim-pattern NAME=REGEX]... [--claim NAME=VALUE]...\n"
	    "                      [--claims FILE] [--label LABEL] [--fqdn FQDN] [--enrolee-b-id ID]\n"
	    "                      [--keyid-reading R] [--vendor-name NAME] [--allow-remote]\n"
	    "                      [--output DIR] [--timeout MS] [--claim-wait MS] [--suite FILE] [--pki DIR]\n"
	    "\n"
	    "Plays one end of a scenario against a vendor's end-point over TCP (TLS) or UDP\n"
	    "(DTLS), then checks what the vendor claims to have exported and derived against\n"
	    "what the harness's end exported and the reference drivers recompute, naming the\n"
	    "known mistake behind a wrong claim. docs/vendor-guide.md has worked examples.\n"
	    "\n"
	    "  --role ROLE            the harness's role: client (then --connect) or server (then\n"
	    "                         --listen); the vendor plays the other\n"
	    "  --transport T          tls (default) or dtls\n"
	    "  --scenario NAME        connection (default), bootstrap, psk or e2e: the end-point's\n"
	    "                         credentials, label and FQDN come from the suite's entry\n"
	    "  --backend NAME         the harness's TLS library: openssl (default) or wolfssl\n"
	    "  --connect HOST:PORT    where the vendor's server is (loopback unless --allow-remote)\n"
	    "  --listen HOST:PORT     where the harness's server listens; port 0 picks a free one\n"
	    "  --launch CMD           start the vendor program (/bin/sh -c CMD) with its input kept open\n"
	    "                         and its output read for claims; ended when the run ends. In CMD,\n"
	    "                         {port}, {host} and {pki} stand for the port, the host and the PKI;\n"
	    "                         an IPv6 {host} before ':' is bracketed ({host}:{port} is [::1]:4433)\n"
	    "  --claim-pattern N=RE   POSIX extended regex whose first group, in the vendor program's\n"
	    "                         output, is claim N; e.g. export='Keying material: ([0-9A-F]+)'\n"
	    "                         (up to %d)\n"
	    "  --claim N=VALUE        a claim; N is export, key_id, key (hex), keyid (RelativeKeyID@FQDN),\n"
	    "                         t1, t2, t3, t4 or ke2e_master (hex) (up to %d)\n"
	    "  --claims FILE          claims as a JSON object {\"export\": \"...\", ...}\n"
	    "  --label LABEL          the exporter label (default: the scenario's)\n"
	    "  --fqdn FQDN            the key identifier's FQDN (default: the scenario's)\n"
	    "  --enrolee-b-id ID      the E2E salt for t1..t4 and ke2e_master (default: the scenario's)\n"
	    "  --keyid-reading R      accept key identifiers in reading R (tr0038-example, hexbinary,\n"
	    "                         base64url, unpadded), reported as not the reference\n"
	    "  --vendor-name NAME     the vendor's name in the case id and reports (default: vendor)\n"
	    "  --output DIR           where reports/ and captures/ are written (default: .)\n"
	    "  --timeout MS           limit for reaching the vendor and for the handshake (default 10000;\n"
	    "                         1 to 600000)\n"
	    "  --claim-wait MS        how long the vendor's output may take to match the patterns\n"
	    "                         after the handshake (default 5000; 0 to 600000)\n"
	    "  --allow-remote         allow an address that is not loopback\n"
	    "  --suite FILE, --pki DIR  the scenario suite and the test PKI (defaults: the build's)\n"
	    "\n"
	    "Exit status: 0 the handshake and every claim agreed; 1 something disagreed or the\n"
	    "handshake did not complete; 2 usage or set-up error (no vendor to talk to).\n",
	    KX_MAX_CLAIM_PATTERNS, MAX_CLAIM_ARGS);
}

static int parse_options(int argc, char **argv, struct options *opt)
{
	memset(opt, 0, sizeof *opt);
	opt->transport = "tls";
	opt->scenario = "connection";
	opt->backend = "openssl";
	opt->suite = KX_DEFAULT_SUITE;
	opt->output = ".";
	opt->vendor_name = "vendor";
	opt->timeout_ms = 10000;
	opt->claim_wait_ms = 5000;
	const struct kx_cli_string strings[] = {
	    {"--role", &opt->role},
	    {"--transport", &opt->transport},
	    {"--scenario", &opt->scenario},
	    {"--backend", &opt->backend},
	    {"--connect", &opt->connect},
	    {"--listen", &opt->listen},
	    {"--launch", &opt->launch},
	    {"--label", &opt->label},
	    {"--fqdn", &opt->fqdn},
	    {"--enrolee-b-id", &opt->enrolee_b_id},
	    {"--keyid-reading", &opt->keyid_reading},
	    {"--suite", &opt->suite},
	    {"--pki", &opt->pki},
	    {"--output", &opt->output},
	    {"--vendor-name", &opt->vendor_name},
	    {"--claims", &opt->claims_file},
	};
	static const char *const flags[] = {"--allow-remote", NULL};
	static const char *const valued[] = {"--role",     "--transport",     "--scenario", "--backend",
	                                     "--connect",  "--listen",        "--launch",   "--label",
	                                     "--fqdn",     "--enrolee-b-id",  "--keyid-reading",
	                                     "--suite",    "--pki",           "--output",   "--vendor-name",
	                                     "--claims",   "--claim",         "--claim-pattern",
	                                     "--timeout",  "--claim-wait",    NULL};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *value;
		if (kx_cli_help(arg, usage))
			exit(KX_EXIT_OK);
		if (kx_cli_next("live", argc, argv, &i, flags, valued, &value) < 0)
			return -1;
		if (value == NULL) {
			opt->allow_remote = 1;
			continue;
		}
		if (kx_cli_string_option(strings, sizeof strings / sizeof strings[0], arg, value))
			continue;
		int ok;
		if (strcmp(arg, "--claim") == 0)
			ok = kx_cli_list_add("live", arg, value, opt->claim_args, &opt->n_claim_args, MAX_CLAIM_ARGS);
		else if (strcmp(arg, "--claim-pattern") == 0)
			ok = kx_cli_list_add("live", arg, value, opt->pattern_args, &opt->n_pattern_args,
			                     KX_MAX_CLAIM_PATTERNS);
		else if (strcmp(arg, "--timeout") == 0)
			ok = kx_cli_int_option("live", arg, value, "milliseconds", 1, MAX_WAIT_MS, &opt->timeout_ms);
		else
			ok = kx_cli_int_option("live", arg, value, "milliseconds", 0, MAX_WAIT_MS, &opt->claim_wait_ms);
		if (!ok)
			return -1;
	}
	return 0;
}

/* Checks the combinations the parser cannot; prints the problem and returns -1. */
static int check_options(const struct options *opt)
{
	const char *problem = NULL;
	if (opt->role == NULL || (strcmp(opt->role, "client") != 0 && strcmp(opt->role, "server") != 0))
		problem = "--role must be client or server (the harness's role; the vendor plays the other)";
	else if (strcmp(opt->transport, "tls") != 0 && strcmp(opt->transport, "dtls") != 0)
		problem = "--transport must be tls or dtls";
	else if (strcmp(opt->backend, "openssl") != 0 && strcmp(opt->backend, "wolfssl") != 0)
		problem = "--backend must be openssl or wolfssl";
	else if (strcmp(opt->role, "client") == 0 && (opt->connect == NULL || opt->listen != NULL))
		problem = "the harness as client needs --connect HOST:PORT (and no --listen)";
	else if (strcmp(opt->role, "server") == 0 && (opt->listen == NULL || opt->connect != NULL))
		problem = "the harness as server needs --listen HOST:PORT (and no --connect)";
	else if (opt->n_pattern_args > 0 && opt->launch == NULL)
		problem = "--claim-pattern reads the output of the program --launch starts; give --launch";
	else if (strspn(opt->vendor_name, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
	             strlen(opt->vendor_name) ||
	         opt->vendor_name[0] == '\0')
		problem =
		    "--vendor-name must be lower-case letters, digits and '-' (it is part of the case id)";
	if (problem != NULL) {
		fprintf(stderr, "kxconform live: %s\n", problem);
		return -1;
	}
	return 0;
}

/* What the suite says of the harness's end: the scenario's case on the chosen backend (the
 * matrix's own expansion), its configuration, and the names the claims are judged by. */
struct live_case {
	const struct options *opt;
	char pki[4096];
	const struct kx_case *c;
	json_t *scenario, *config;
	const char *label, *fqdn, *enrolee_b_id;
};

/* ---- judging ----------------------------------------------------------------------- */

/* The checks of the harness's own end that the matrix makes too. */
static void check_session(struct kx_live *l, const struct live_case *lc, struct kx_outcome *v)
{
	/* When the vendor is the client, the harness's end is the terminator: it must have received the
	 * SNI (TS-0003) and, for PSK, looked up the scenario's identity. */
	struct kx_session_expectations want = {
	    "the harness's end",
	    l->dtls,
	    lc->c->suite,
	    l->client ? NULL : kx_json_get_string(json_object_get(lc->scenario, "initiator"), "sni"),
	    l->client ? NULL : kx_json_get_string(lc->scenario, "expect_psk_identity"),
	    kx_json_get_string(lc->config, "expected_peer_name")};
	kx_check_session(l->info, &want, v);
}

/* The case's "exported" member: the harness's export, split, and the reference recomputed by both
 * reference drivers. */
static json_t *exported_member(struct kx_live *l, const struct live_case *lc, const char *exported,
                               json_t *reference)
{
	json_t *export_spec = json_object_get(lc->scenario, "export");
	char by[160];
	snprintf(by, sizeof by, "%s, %s", l->pool.names[l->other], l->pool.names[l->harness]);
	json_t *exp =
	    json_pack("{s:s, s:i, s:s, s:O, s:O, s:s, s:O}", "label", lc->label, "length", 48,
	              l->client ? "initiator" : "terminator", exported, "key_id",
	              json_object_get(reference, "key_id"), "key", json_object_get(reference, "key"),
	              "recomputed_by", by, "recomputed", json_object_get(reference, "export"));
	if (kx_json_get_string(export_spec, "key_id") != NULL)
		json_object_set(exp, "key_id_name", json_object_get(export_spec, "key_id"));
	if (kx_json_get_string(export_spec, "key") != NULL)
		json_object_set(exp, "key_name", json_object_get(export_spec, "key"));
	return exp;
}

/* The verdict on the vendor's claims (checked, from kx_claims_check) and on the claim patterns its
 * output had to match, with the claims and the reference in the vendor member. */
static void judge_claims(struct kx_live *l, json_t *checked, json_t *vendor, struct kx_outcome *v)
{
	/* The matrix's e2e member holds both ends' keys; here the reference and the claims go with the
	 * vendor. */
	json_object_set(vendor, "claims", json_object_get(checked, "claims"));
	json_object_set(vendor, "reference", json_object_get(checked, "reference"));
	if (json_array_size(json_object_get(checked, "claims")) > 0 && json_integer_value(json_object_get(checked, "disagreed")) > 0) {
		v->result = KX_RESULT_FAIL;
		kx_verdicts_json_diagnose(json_object_get(checked, "claims"), v->diagnosis, sizeof v->diagnosis);
	}
	for (size_t p = 0; p < l->claims.n_patterns; p++)
		if (!l->claims.patterns[p].matched)
			kx_outcome_fail(v, "the vendor program's output never matched the pattern for claim %s ('%s')",
			      kx_claim_name(l->claims.patterns[p].id), l->claims.patterns[p].text);
	if (json_array_size(json_object_get(checked, "claims")) == 0 && l->claims.n_patterns == 0)
		json_object_set_new(
		    vendor, "note",
		    json_string("no claims were given: only the handshake and the harness's own export "
		                "were checked"));
}

/* Judges a completed handshake: the harness's own checks, then the claims. */
static void judge(struct kx_live *l, const struct live_case *lc, json_t *result, json_t *vendor,
                  struct kx_outcome *v)
{
	check_session(l, lc, v);
	const char *label = lc->label;
	const char *exported = kx_json_get_string(json_object_get(l->info, "exported"), label);
	struct kx_claims_context ctx = {
	    .pool = &l->pool,
	    .end = "the vendor",
	    .recomputers = {l->other, l->harness},
	    .n_recomputers = 2,
	    .prf_hash = kx_suite_prf_hash_name((uint16_t)strtoul(lc->c->suite, NULL, 16)),
	    .master_secret = kx_json_get_string(l->info, "master_secret"),
	    .client_random = kx_json_get_string(l->info, "client_random"),
	    .server_random = kx_json_get_string(l->info, "server_random"),
	    .label = label,
	    .fqdn = lc->fqdn,
	    .enrolee_b_id = lc->enrolee_b_id,
	    .keyid_reading = lc->opt->keyid_reading,
	    .own_export = exported,
	};
	char own[128], err[1200];
	snprintf(own, sizeof own, "the harness's %s end", l->pool.names[l->harness]);
	ctx.own_name = own;
	if (exported == NULL || ctx.master_secret == NULL || ctx.client_random == NULL ||
	    ctx.server_random == NULL) {
		kx_outcome_add(v, KX_RESULT_ERROR, "the harness's end reported no export for %s or no session secrets",
		               label);
		return;
	}
	size_t disagreed = 0;
	json_t *checked = kx_claims_check(&ctx, &l->claims, &disagreed, err, sizeof err);
	if (checked == NULL) {
		kx_outcome_add(v, KX_RESULT_ERROR, "%s", err);
		return;
	}
	json_t *reference = json_object_get(checked, "reference");
	json_object_set_new(result, "exported", exported_member(l, lc, exported, reference));
	if (json_object_get(reference, "key_identifier") != NULL)
		json_object_set(result, "key_identifier", json_object_get(reference, "key_identifier"));
	judge_claims(l, checked, vendor, v);
	printf("  exported %s: %s (%s), recomputed by %s and %s: equal\n", label, exported, own,
	       l->pool.names[l->other], l->pool.names[l->harness]);
	kx_claims_print(stdout, checked);
	json_decref(checked);
}

/* The verdict of the run: how the handshake ended, then (when it completed) the judging. */
static void judge_run(struct kx_live *l, const struct live_case *lc, json_t *result, struct kx_outcome *v)
{
	if (l->relay.outcome != KX_RELAY_DONE) {
		v->result = l->relay.outcome == KX_RELAY_FAILED ? "fail" : "error";
		snprintf(v->diagnosis, sizeof v->diagnosis, "%s", l->relay.diagnosis);
	} else if (!json_is_true(json_object_get(l->info, "ok"))) {
		v->result = "error";
		snprintf(v->diagnosis, sizeof v->diagnosis,
		         "the harness's end could not report its session: %s",
		         kx_json_get_string(l->info, "error"));
	} else {
		json_object_set(result, l->client ? "initiator_report" : "terminator_report", l->info);
		printf("  handshake completed: %s, %s %s, %zu flights\n",
		       kx_json_get_string(l->info, "version"), kx_json_get_string(l->info, "suite"),
		       kx_json_get_string(l->info, "suite_name"), l->relay.n_flights);
		judge(l, lc, result, json_object_get(result, "vendor"), v);
	}
	if (l->relay.outcome != KX_RELAY_DONE)
		printf("  handshake %s: %s\n", kx_case_json_outcome(l->relay.outcome), l->relay.diagnosis);
}

/* ---- set-up --------------------------------------------------------------------------- */

/* The claims first: a malformed one (or a key identifier reading that does not exist) is a usage
 * error before anything starts. 0, or -1 with err. */
static int read_claims(struct kx_live *l, const struct options *opt, char *err, size_t errlen)
{
	int ok = kx_claims_from_options(&l->claims, opt->claims_file, opt->claim_args, opt->n_claim_args,
	                                opt->pattern_args, opt->n_pattern_args, err, errlen) == 0;
	for (size_t i = 0; ok && i < l->claims.n_patterns; i++)
		if (l->claims.values[l->claims.patterns[i].id] != NULL) {
			snprintf(err, errlen, "claim %s is given and has a pattern: one or the other",
			         kx_claim_name(l->claims.patterns[i].id));
			ok = 0;
		}
	if (ok && opt->keyid_reading != NULL) {
		static const char *const readings[] = {"tr0038-example", "hexbinary", "base64url",
		                                       "unpadded"};
		ok = 0;
		for (size_t i = 0; i < sizeof readings / sizeof readings[0]; i++)
			ok |= strcmp(opt->keyid_reading, readings[i]) == 0;
		if (!ok)
			snprintf(err, errlen,
			         "--keyid-reading must be tr0038-example, hexbinary, base64url or unpadded");
	}
	if (!ok || kx_claims_validate(&l->claims, err, errlen) != 0)
		return -1;
	return 0;
}

/* The drivers, the scenario's case from the suite and the names its claims need (the options',
 * else the scenario's), the run's id; then the drivers started. 0, or -1 with err. */
static int load_case(struct kx_live *l, struct live_case *lc, struct kx_suite *suite, char *err,
                     size_t errlen)
{
	const struct options *opt = lc->opt;
	kx_cli_pki_dir(opt->pki, lc->pki, sizeof lc->pki);
	if (kx_pool_init(&l->pool, NULL, 0, 5000, err, errlen) != 0 ||
	    kx_suite_load(opt->suite, lc->pki, &l->pool, suite, err, errlen) != 0)
		return -1;
	l->harness = (size_t)kx_pool_index(&l->pool, opt->backend);
	l->other =
	    (size_t)kx_pool_index(&l->pool, strcmp(opt->backend, "openssl") == 0 ? "wolfssl" : "openssl");
	lc->c = kx_suite_self_case(suite, opt->scenario, opt->transport, opt->backend);
	if (lc->c == NULL) {
		snprintf(err, errlen, "%s: scenario %s has no %s case", opt->suite, opt->scenario,
		         opt->transport);
		return -1;
	}
	/* What can be played over a socket is the kind of exchange, read from the suite, not a name. */
	if (strcmp(lc->c->run, "handshake") != 0 && strcmp(lc->c->run, "e2e") != 0) {
		snprintf(err, errlen,
		         "scenario %s is played as \"%s\": live plays one (D)TLS handshake (run \"handshake\" or \"e2e\"); "
		         "ESCertKE travels in NOTIFY primitives (kxconform http), a MAF chain is two handshakes "
		         "(kxconform run)",
		         opt->scenario, lc->c->run);
		return -1;
	}
	lc->scenario = lc->c->scenario;
	lc->config = l->client ? lc->c->initiator_config : lc->c->terminator_config;
	json_t *export_spec = json_object_get(lc->scenario, "export");
	lc->label = opt->label != NULL ? opt->label : kx_json_get_string(export_spec, "label");
	lc->fqdn = opt->fqdn != NULL ? opt->fqdn : kx_json_get_string(export_spec, "fqdn");
	lc->enrolee_b_id = opt->enrolee_b_id != NULL
	                       ? opt->enrolee_b_id
	                       : kx_json_get_string(json_object_get(lc->scenario, "e2e"), "enrolee_b_id");
	if (lc->label == NULL) {
		snprintf(err, errlen,
		         "scenario %s exports no keying material in %s; name the exporter label with --label",
		         opt->scenario, opt->suite);
		return -1;
	}
	if (kx_claims_need_fqdn(&l->claims) && lc->fqdn == NULL) {
		snprintf(err, errlen,
		         "claim keyid needs the key identifier's FQDN: --fqdn (scenario %s has none)",
		         opt->scenario);
		return -1;
	}
	if (kx_claims_need_e2e(&l->claims) && lc->enrolee_b_id == NULL) {
		snprintf(
		    err, errlen,
		    "claims of E2E keys need the Enrolee-B-ID (the salt of TS-0003 10.3.6): --enrolee-b-id");
		return -1;
	}
	snprintf(l->id, sizeof l->id, "live.%s.%s.%s-%s", opt->scenario, opt->transport,
	         l->client ? opt->backend : opt->vendor_name, l->client ? opt->vendor_name : opt->backend);
	snprintf(l->session, sizeof l->session, "%s/harness", l->id);
	return kx_pool_start_all(&l->pool, err, errlen) != 0 ? -1 : 0;
}

/* Starts --launch's program with {host}, {port} and {pki} for where the vendor is to be reached
 * (where->text: "127.0.0.1:4433" or "[::1]:4433"); *command is what ran. 0, or -1 with err. */
static int launch_vendor(struct kx_live *l, const struct live_case *lc, const struct kx_net_addr *where,
                         char **command, char *err, size_t errlen)
{
	char host[sizeof where->text];
	memcpy(host, where->text, sizeof host);
	host[sizeof host - 1] = '\0';
	char *colon = strrchr(host, ':');
	if (colon != NULL)
		*colon = '\0';
	if (host[0] == '[') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	unsigned port = (unsigned)strtoul(strrchr(where->text, ':') + 1, NULL, 10);
	*command = kx_vendor_expand_command(lc->opt->launch, host, port, lc->pki);
	if (*command == NULL || kx_vendor_launch(&l->vendor, *command, err, errlen) != 0)
		return -1;
	l->launched = 1;
	return 0;
}

/* The wire: a listening socket before the vendor starts, so that it can connect at once; the
 * vendor program when asked; then the vendor reached (its first datagram in first). 0, or -1 with
 * err. */
static int open_wire(struct kx_live *l, const struct live_case *lc, struct kx_net_conn *listener,
                     struct kx_chunks *first, char **command, char *err, size_t errlen)
{
	const struct options *opt = lc->opt;
	struct kx_net_addr addr;
	if (kx_net_resolve(l->client ? opt->connect : opt->listen, l->dtls, opt->allow_remote, &addr, err,
	                   errlen) != 0 ||
	    (!l->client && kx_net_listen(listener, &addr, l->dtls, err, errlen) != 0))
		return -1;
	const struct kx_net_addr *where = l->client ? &addr : &listener->local;
	printf("kxconform live: %s: the harness (%s, %s) %s the vendor %s %s %s\n", l->id, opt->backend,
	       opt->role, l->client ? "connects to" : "waits for", l->client ? "at" : "on",
	       l->dtls ? "udp" : "tcp", where->text);
	fflush(stdout);
	if (opt->launch != NULL && launch_vendor(l, lc, where, command, err, errlen) != 0)
		return -1;
	if (kx_live_reach_vendor(l, &addr, listener, first, err, errlen) != 0)
		return -1;
	kx_net_close(listener);
	return 0;
}

/* The harness's end of the session, the handshake over the socket, and after a completed one the
 * application data and the claims awaited; then the vendor program is ended and the session
 * closed. 0, or -1 with err when the session could not open or nothing ever listened. */
static int play(struct kx_live *l, const struct live_case *lc, const struct kx_chunks *first, char *err,
                size_t errlen)
{
	json_t *opened = kx_pool_call(&l->pool, l->harness, kx_relay_open_request(l->session, lc->config));
	if (!json_is_true(json_object_get(opened, "ok"))) {
		snprintf(err, errlen, "the %s driver cannot open the harness's end: %s", lc->opt->backend,
		         kx_json_get_string(opened, "error") ? kx_json_get_string(opened, "error")
		                                             : "no error text");
		json_decref(opened);
		return -1;
	}
	json_decref(opened);
	kx_live_handshake(l, first);
	if (l->dtls && !l->heard && l->not_reachable) {
		/* Nothing ever listened (ICMP port unreachable): as a refused TCP connection, a set-up error.
		 */
		snprintf(err, errlen, "cannot reach the vendor: %s", l->relay.diagnosis);
		return -1;
	}
	if (kx_live_own_result(l)->state == KX_END_DONE && l->relay.outcome == KX_RELAY_DONE) {
		l->info = kx_pool_call(&l->pool, l->harness, kx_relay_info_request(l->session, lc->label));
		kx_live_send_application_data(l);
		kx_live_wait_for_claims(l);
	}
	kx_vendor_stop(&l->vendor);
	if (l->launched)
		kx_claims_match(&l->claims, l->vendor.text);
	json_decref(kx_pool_call(&l->pool, l->harness, kx_relay_close_request(l->session)));
	kx_net_close(&l->conn);
	return 0;
}

/* ---- the report ----------------------------------------------------------------------- */

/* The vendor's output as JSON text: bytes that are not printable ASCII become '?', so that an
 * output in another encoding cannot make the report unwritable. */
static json_t *printable(const char *text, size_t len)
{
	char *copy = malloc(len + 1);
	if (copy == NULL)
		return json_string("");
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];
		copy[i] = (ch >= 0x20 && ch < 0x7F) || ch == '\n' || ch == '\t' ? (char)ch : '?';
	}
	copy[len] = '\0';
	json_t *out = json_string(copy);
	free(copy);
	return out != NULL ? out : json_string("");
}

/* The case's "vendor" member: how the vendor was reached, its program and output, what it sent,
 * and the harness's end it met. */
static json_t *vendor_member(struct kx_live *l, const struct live_case *lc, const char *command)
{
	const struct options *opt = lc->opt;
	char status_text[64];
	kx_vendor_status(&l->vendor, status_text, sizeof status_text);
	json_t *vendor = json_pack("{s:s, s:s, s:s, s:s}", "mode", "live", "role",
	                           l->client ? "server" : "client", "address", l->conn.peer.text, "program",
	                           l->launched ? status_text : "not launched by kxconform");
	if (command != NULL)
		json_object_set_new(vendor, "command", json_string(command));
	if (l->launched) {
		size_t keep = l->vendor.len > REPORT_OUTPUT_MAX ? REPORT_OUTPUT_MAX : l->vendor.len;
		json_object_set_new(vendor, "output", printable(l->vendor.text, keep));
		json_object_set_new(vendor, "output_truncated",
		                    json_boolean(keep < l->vendor.len || l->vendor.truncated));
	}
	json_object_set(vendor, "application_data", l->received);
	json_object_set_new(vendor, "harness",
	                    json_pack("{s:s, s:s, s:s, s:O}", "backend", opt->backend, "role", opt->role,
	                              "implementation", kx_driver_implementation(&l->pool.procs[l->harness]),
	                              "config", lc->config));
	return vendor;
}

/* The case, as the matrix reports one, before its verdict. */
static json_t *case_result(struct kx_live *l, const struct live_case *lc, const char *command)
{
	const struct options *opt = lc->opt;
	const char *harness_name = opt->backend, *vendor_name = opt->vendor_name;
	json_t *result =
	    kx_case_json_new(l->id, opt->scenario, lc->scenario, l->client ? harness_name : vendor_name,
	                     l->client ? vendor_name : harness_name, opt->transport, lc->c->suite, "positive",
	                     "pass");
	json_object_set_new(result, "vendor", vendor_member(l, lc, command));
	json_object_set_new(result, "outcome", json_string(kx_case_json_outcome(l->relay.outcome)));
	if (l->relay.rejected_by[0] != '\0')
		json_object_set_new(result, "rejected_by", json_string(l->relay.rejected_by));
	return result;
}

/* Reports, capture and the closing lines; returns the exit status. */
static int finish(struct kx_live *l, const struct options *opt, json_t *result, time_t started)
{
	char err[1200];
	int status = strcmp(kx_json_get_string(result, "result"), "pass") == 0 ? KX_EXIT_OK : KX_EXIT_FAILED;
	if (kx_capture_begin(opt->output, err, sizeof err) != 0 ||
	    kx_capture_case(opt->output, 0, l->id, &l->relay, result, err, sizeof err) != 0)
		fprintf(stderr, "kxconform live: capture: %s\n", err);
	json_t *report = kx_cli_report_header(&l->pool, opt->suite, started, 1);
	json_object_set_new(report, "cases", json_pack("[O]", result));
	json_object_set(report, "duration_ms", json_object_get(result, "duration_ms"));
	struct kx_report_counts counts;
	kx_report_summarize(report, &counts);
	if (kx_report_write_all(report, opt->output, err, sizeof err) != 0) {
		fprintf(stderr, "kxconform live: %s\n", err);
		status = KX_EXIT_USAGE;
	}
	json_decref(report);
	const char *diagnosis = kx_json_get_string(result, "diagnosis");
	printf("kxconform live: %s %s%s%s\n", l->id, kx_json_get_string(result, "result"),
	       diagnosis && *diagnosis ? ": " : "", diagnosis ? diagnosis : "");
	const char *capture = kx_json_get_string(json_object_get(result, "capture"), "pcapng");
	printf("reports: %s/reports/%s%s\n", opt->output, capture ? "; capture: " : "",
	       capture ? capture : "");
	return status;
}

/* ---- the command ---------------------------------------------------------------------- */

static void live_free(struct kx_live *l)
{
	kx_vendor_free(&l->vendor);
	kx_net_close(&l->conn);
	kx_pool_stop(&l->pool);
	kx_claims_free(&l->claims);
	kx_relay_free(&l->relay);
	kx_chunks_clear(&l->pending);
	kx_chunks_clear(&l->last_sent);
	json_decref(l->info);
	json_decref(l->received);
	free(l);
}

int kx_cmd_live(int argc, char **argv)
{
	struct options opt;
	if (parse_options(argc, argv, &opt) != 0 || check_options(&opt) != 0)
		return KX_EXIT_USAGE;
	time_t started = time(NULL);
	struct timeval t0;
	gettimeofday(&t0, NULL);
	struct kx_live *l = calloc(1, sizeof *l);
	if (l == NULL)
		return KX_EXIT_USAGE;
	l->client = strcmp(opt.role, "client") == 0;
	l->dtls = strcmp(opt.transport, "dtls") == 0;
	l->timeout_ms = opt.timeout_ms;
	l->claim_wait_ms = opt.claim_wait_ms;
	l->relay.dtls = l->dtls;
	kx_net_init(&l->conn);
	kx_vendor_init(&l->vendor);
	l->received = json_array();
	int status = KX_EXIT_USAGE;
	char err[1400];
	struct live_case lc = {.opt = &opt};
	struct kx_suite suite = {0};
	struct kx_net_conn listener;
	kx_net_init(&listener);
	struct kx_chunks first = {0};
	char *command = NULL;

	if (read_claims(l, &opt, err, sizeof err) != 0 || load_case(l, &lc, &suite, err, sizeof err) != 0 ||
	    open_wire(l, &lc, &listener, &first, &command, err, sizeof err) != 0 ||
	    play(l, &lc, &first, err, sizeof err) != 0) {
		fprintf(stderr, "kxconform live: %s\n", err);
	} else {
		json_t *result = case_result(l, &lc, command);
		struct kx_outcome v = {.result = KX_RESULT_PASS, .diagnosis = ""};
		judge_run(l, &lc, result, &v);
		kx_case_json_flights(result, &l->relay);
		kx_case_json_verdict(result, v.result, strcmp(v.result, "pass") == 0, v.diagnosis,
		                     kx_case_json_ms_since(&t0));
		status = finish(l, &opt, result, started);
		json_decref(result);
	}
	kx_net_close(&listener);
	kx_suite_free(&suite);
	kx_chunks_clear(&first);
	free(command);
	live_free(l);
	return status;
}
