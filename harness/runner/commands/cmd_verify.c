/* cmd_verify.c - `kxconform verify`: the offline mode, for a vendor whose
 * device cannot be driven at all. From a capture (pcap or pcapng) and the
 * session secrets (an NSS key log file, or the capture's own Decryption
 * Secrets Block), it finds the TLS and DTLS 1.2 handshakes, takes the randoms
 * from their hellos and the master secret from the key log, recomputes the
 * exporter on both reference drivers (which must agree), and checks the
 * values the device claims exactly as `kxconform live` does (claims.c).
 *
 * Inputs that cannot be checked are set-up errors that say what is wrong: a
 * file that is not a capture or is cut short, a capture with no handshake, a
 * key log with no secret for any handshake in the capture (the key log of
 * another session), a handshake with no ServerHello. Exit status: 0 every
 * checked handshake and claim agreed, 1 something disagreed, 2 usage or
 * set-up error. */
#include "runner/cases/case_json.h"
#include "runner/judge/claims.h"
#include "runner/judge/judge.h"
#include "runner/commands/cli.h"
#include "runner/commands/commands.h"
#include "runner/drivers/driver_pool.h"
#include "runner/reports/report.h"
#include "runner/reports/report_view.h"

#include "core/hex.h"
#include "core/errors.h"
#include "core/file_read.h"
#include "core/json_io.h"
#include "core/keylog.h"
#include "core/pcap_file.h"
#include "core/pcap_handshakes.h"
#include "core/tls_names.h"
#include "core/tls_suites.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#define MAX_CLAIM_ARGS 32
/* Client randoms listed in a message about a key log that fits no handshake. */
#define LISTED_MAX 4

/* Far above any device's output; a wrong path (a disk image) is refused, not read whole. */
#define VENDOR_OUTPUT_MAX (64u * 1024u * 1024u)

struct options {
	const char *capture, *keylog, *label, *scenario, *fqdn, *enrolee_b_id, *keyid_reading, *client_random;
	const char *claims_file, *vendor_output, *suite, *output;
	const char *claim_args[MAX_CLAIM_ARGS];
	size_t n_claim_args;
	const char *pattern_args[KX_MAX_CLAIM_PATTERNS];
	size_t n_pattern_args;
	int timeout_ms;
};

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: kxconform verify --capture FILE [--keylog FILE] (--label LABEL | --scenario NAME)\n"
	    "                        [--fqdn FQDN] [--enrolee-b-id ID] [--claim N=VALUE]... [--claims FILE]\n"
	    "                        [--claim-pattern NAME=REGEX --vendor-output FILE] [--keyid-reading R]\n"
	    "                        [--client-random HEX] [--output DIR]\n"
	    "\n"
	    "Checks, offline, what a vendor's device claims to have derived from a (D)TLS 1.2\n"
	    "session: the handshake is found in the capture, its master secret in the key log,\n"
	    "the exporter is recomputed on both reference drivers, and every claim is compared\n"
	    "and, when wrong, the known mistake behind it named (docs/vendor-guide.md).\n"
	    "\n"
	    "  --capture FILE         pcap or pcapng (Ethernet, raw IP, Linux cooked, loopback; IPv4/IPv6;\n"
	    "                         TLS over TCP, DTLS over UDP)\n"
	    "  --keylog FILE          NSS key log (CLIENT_RANDOM lines); optional when the pcapng holds the\n"
	    "                         secrets in a Decryption Secrets Block\n"
	    "  --label LABEL          the exporter label; --scenario NAME takes it (and the FQDN and the\n"
	    "                         Enrolee-B-ID) from the suite's scenario entry\n"
	    "  --fqdn FQDN            the key identifier's FQDN (for a keyid claim)\n"
	    "  --enrolee-b-id ID      the E2E salt (for t1..t4 and ke2e_master claims)\n"
	    "  --claim N=VALUE        a claim: export, key_id, key (hex), keyid (RelativeKeyID@FQDN),\n"
	    "                         t1..t4, ke2e_master (hex)\n"
	    "  --claims FILE          claims as a JSON object {\"export\": \"...\", ...}\n"
	    "  --claim-pattern N=RE   a POSIX extended regex whose first group in --vendor-output FILE (the\n"
	    "                         device's log) is claim N\n"
	    "  --keyid-reading R      accept key identifiers in reading R, reported as not the reference\n"
	    "  --client-random HEX    check only the handshake with this client random\n"
	    "  --output DIR           where reports/ is written (default: .)\n"
	    "  --suite FILE           the scenario suite for --scenario (default: the build's)\n"
	    "  --timeout MS           how long a silent driver is waited for (default 5000)\n"
	    "\n"
	    "Exit status: 0 every claim agreed; 1 a claim disagreed or a handshake is not (D)TLS 1.2;\n"
	    "2 usage or set-up error (unreadable or truncated capture, no handshake, no secret for it).\n");
}

static int parse_options(int argc, char **argv, struct options *opt)
{
	memset(opt, 0, sizeof *opt);
	opt->suite = KX_DEFAULT_SUITE;
	opt->output = ".";
	opt->timeout_ms = 5000;
	const struct kx_cli_string strings[] = {
	    {"--capture", &opt->capture},
	    {"--keylog", &opt->keylog},
	    {"--label", &opt->label},
	    {"--scenario", &opt->scenario},
	    {"--fqdn", &opt->fqdn},
	    {"--enrolee-b-id", &opt->enrolee_b_id},
	    {"--keyid-reading", &opt->keyid_reading},
	    {"--client-random", &opt->client_random},
	    {"--claims", &opt->claims_file},
	    {"--vendor-output", &opt->vendor_output},
	    {"--suite", &opt->suite},
	    {"--output", &opt->output},
	};
	static const char *const valued[] = {"--capture", "--keylog",  "--label",         "--scenario",
	                                     "--fqdn",    "--enrolee-b-id", "--keyid-reading", "--client-random",
	                                     "--claims",  "--vendor-output", "--suite",       "--output",
	                                     "--claim",   "--claim-pattern", "--timeout",     NULL};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *value;
		if (kx_cli_help(arg, usage))
			exit(KX_EXIT_OK);
		if (kx_cli_next("verify", argc, argv, &i, NULL, valued, &value) < 0)
			return -1;
		if (kx_cli_string_option(strings, sizeof strings / sizeof strings[0], arg, value))
			continue;
		int ok;
		if (strcmp(arg, "--claim") == 0)
			ok = kx_cli_list_add("verify", arg, value, opt->claim_args, &opt->n_claim_args, MAX_CLAIM_ARGS);
		else if (strcmp(arg, "--claim-pattern") == 0)
			ok = kx_cli_list_add("verify", arg, value, opt->pattern_args, &opt->n_pattern_args,
			                     KX_MAX_CLAIM_PATTERNS);
		else
			ok = kx_cli_int_option("verify", arg, value, "milliseconds", 1, INT_MAX, &opt->timeout_ms);
		if (!ok)
			return -1;
	}
	const char *problem = NULL;
	if (opt->capture == NULL)
		problem = "--capture FILE is required";
	else if (opt->label == NULL && opt->scenario == NULL)
		problem = "the exporter label is needed: --label LABEL or --scenario NAME";
	else if (opt->n_pattern_args > 0 && opt->vendor_output == NULL)
		problem = "--claim-pattern reads the device's output: give --vendor-output FILE";
	if (problem != NULL) {
		fprintf(stderr, "kxconform verify: %s\n", problem);
		return -1;
	}
	return 0;
}

/* Reads a whole text file (the device's output) into a malloc'd NUL-terminated string, a NUL byte
 * shown as '.'; NULL with err. */
static char *read_text(const char *path, char *err, size_t errlen)
{
	uint8_t *bytes;
	size_t len;
	if (kx_read_file(path, VENDOR_OUTPUT_MAX, &bytes, &len, err, errlen) != 0)
		return NULL;
	char *text = realloc(bytes, len + 1);
	if (text == NULL) {
		free(bytes);
		kx_errorf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\0')
			text[i] = '.';
	text[len] = '\0';
	return text;
}

/* The scenario entry of the suite named name, or NULL with err. */
static json_t *find_scenario(json_t *suite, const char *name, char *err, size_t errlen)
{
	json_t *scenario = kx_json_array_named(json_object_get(suite, "scenarios"), name);
	if (scenario == NULL)
		kx_errorf(err, errlen, "no scenario \"%s\" in the suite", name);
	return scenario;
}

/* The suite's first scenario that exports with label, or NULL: what names a capture verified
 * without --scenario, so that names and labels come from the suite alone. */
static json_t *scenario_of_label(json_t *suite, const char *label)
{
	size_t i;
	json_t *scenario;
	json_array_foreach(json_object_get(suite, "scenarios"), i, scenario)
	{
		const char *exported = kx_json_get_string(json_object_get(scenario, "export"), "label");
		if (label != NULL && exported != NULL && strcmp(exported, label) == 0)
			return scenario;
	}
	return NULL;
}

static void hex_text(const uint8_t *bytes, size_t len, char *out)
{
	kx_hex_encode(bytes, len, out, 0);
}

/* The key log file and the capture's own secrets; a secret is looked up in the file first. */
struct secrets {
	struct kx_keylog file, capture;
	const char *file_name;
};

/* The CLIENT_RANDOM entry of a client random (NULL if none) and where it came from. */
static const struct kx_keylog_entry *find_secret(const struct secrets *sec, const uint8_t random[32],
                                                 const char **source)
{
	const struct kx_keylog_entry *e = kx_keylog_find(&sec->file, "CLIENT_RANDOM", random);
	*source = sec->file_name;
	if (e == NULL) {
		e = kx_keylog_find(&sec->capture, "CLIENT_RANDOM", random);
		*source = "the capture's Decryption Secrets Block";
	}
	return e;
}

/* Why a handshake cannot be checked, or NULL when it can; sets *secret and *source. */
static const char *uncheckable(const struct kx_pcap_handshake *h, const struct secrets *sec,
                               const struct kx_keylog_entry **secret, const char **source, char *why,
                               size_t len)
{
	char random[65];
	hex_text(h->client_random, 32, random);
	*secret = find_secret(sec, h->client_random, source);
	if (h->server_hello_packet == 0)
		snprintf(why, len,
		         "the ClientHello at packet %zu (%s -> %s) has no ServerHello in the capture",
		         h->client_hello_packet, h->client, h->server);
	else if (*secret == NULL && (kx_keylog_find(&sec->file, NULL, h->client_random) ||
	                             kx_keylog_find(&sec->capture, NULL, h->client_random)))
		snprintf(why, len,
		         "the key log has only TLS 1.3 secrets for client random %s (packet %zu); the oneM2M "
		         "exporter "
		         "is the TLS 1.2 one",
		         random, h->client_hello_packet);
	else if (*secret == NULL)
		snprintf(why, len,
		         "the key log has no CLIENT_RANDOM line for client random %s (ClientHello at packet "
		         "%zu, %s -> %s)",
		         random, h->client_hello_packet, h->client, h->server);
	else
		return NULL;
	return why;
}

/* Everything a run reads before it checks anything: the claims, the names they are judged by, the
 * capture with its handshakes, and the secrets. */
struct verify {
	const struct options *opt;
	struct kx_claims claims;
	char *vendor_text; /* --vendor-output, read */
	json_t *suite, *scenario;
	const char *label, *fqdn, *enrolee_b_id, *scenario_name;
	const char *run; /* the scenario's run kind (named, or found by label); NULL when none */
	uint8_t wanted[32]; /* --client-random, decoded */
	struct kx_pcap cap;
	struct secrets sec;
	struct kx_pcap_handshake *hs;
	size_t n_hs;
	size_t checkable; /* handshakes selected that have a secret and a ServerHello */
};

/* 1 when --client-random leaves handshake h out. */
static int left_out(const struct verify *v, const struct kx_pcap_handshake *h)
{
	return v->opt->client_random != NULL && memcmp(h->client_random, v->wanted, 32) != 0;
}

/* ---- one handshake ------------------------------------------------------------------ */

/* The case of one handshake, before its verdict: the matrix's members, and what only this mode
 * has (the capture, the session) in one "vendor" member; the handshake is printed. */
static json_t *handshake_case(const struct verify *v, const struct kx_pcap_handshake *h,
                              const struct kx_keylog_entry *secret, const char *secrets_from, int several)
{
	char id[192], suite[8], client_random[65], server_random[65], master[97];
	const char *transport = h->dtls ? "dtls" : "tls";
	if (several)
		snprintf(id, sizeof id, "verify.%s.%s.packet%zu", v->scenario_name, transport,
		         h->client_hello_packet);
	else
		snprintf(id, sizeof id, "verify.%s.%s.capture", v->scenario_name, transport);
	snprintf(suite, sizeof suite, "0x%04X", (unsigned)h->suite);
	hex_text(h->client_random, 32, client_random);
	hex_text(h->server_random, 32, server_random);
	hex_text(secret->secret, secret->secret_len, master);
	json_t *result = kx_case_json_new(id, v->scenario_name, v->scenario, h->client, h->server, transport,
	                                  suite, "positive", "pass");
	/* What only this mode has goes in one member, beside the matrix's own. */
	json_t *vendor = json_pack("{s:s}", "mode", "verify");
	json_object_set_new(result, "vendor", vendor);
	json_object_set_new(vendor, "capture",
	                    json_pack("{s:s, s:I, s:I, s:s, s:s}", "source", v->opt->capture,
	                              "client_hello_packet", (json_int_t)h->client_hello_packet,
	                              "server_hello_packet", (json_int_t)h->server_hello_packet, "secrets",
	                              secrets_from, "keylog_line", "CLIENT_RANDOM"));
	json_object_set_new(vendor, "session",
	                    json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "version",
	                              kx_version_name(h->version), "suite", suite, "client_random",
	                              client_random, "server_random", server_random, "master_secret", master,
	                              "extended_master_secret", h->extended_master_secret));
	const char *name = kx_suite_iana_name(h->suite);
	printf(
	    "  %s: %s %s -> %s, %s %s%s%s, ClientHello packet %zu, ServerHello packet %zu, secret from %s\n",
	    id, h->dtls ? "DTLS" : "TLS", h->client, h->server, kx_version_name(h->version), suite,
	    name ? " " : "", name ? name : "", h->client_hello_packet, h->server_hello_packet, secrets_from);
	return result;
}

/* Notes in the vendor member that need no verdict: the secret came from the capture rather than
 * --keylog, or the vendor chose a suite the scenario does not list. */
static void handshake_notes(const struct verify *v, const struct kx_pcap_handshake *h,
                            const char *secrets_from, json_t *vendor)
{
	const char *transport = h->dtls ? "dtls" : "tls";
	char suite[8];
	snprintf(suite, sizeof suite, "0x%04X", (unsigned)h->suite);
	if (v->opt->keylog != NULL && strcmp(secrets_from, v->opt->keylog) != 0)
		json_object_set_new(
		    json_object_get(vendor, "capture"), "note",
		    json_sprintf("%s has no secret for this handshake; the capture's Decryption Secrets "
		                 "Block has",
		                 v->opt->keylog));
	/* Offline the vendor chose the suite; one the scenario does not list is worth a word, not a failure.
	 */
	json_t *listed = json_object_get(json_object_get(v->scenario, "suites"), transport);
	int found = 0;
	size_t k;
	json_t *item;
	json_array_foreach(listed, k, item)
	{
		found |= json_is_string(item) && strcasecmp(json_string_value(item), suite) == 0;
	}
	if (listed != NULL && !found)
		json_object_set_new(vendor, "suite_note",
		                    json_sprintf("negotiated %s, a suite scenario %s does not list for %s",
		                                 suite, v->scenario_name, transport));
}

/* ESCertKE authenticates both end-points (Table 8.7.2.2-1, spec README point 12): what the
 * handshake's plaintext messages show missing, "; "-separated in out ("" when nothing is). */
static void escertke_authentication(const struct verify *v, const struct kx_pcap_handshake *h, char *out,
                                    size_t len)
{
	out[0] = '\0';
	if (v->run == NULL || strcmp(v->run, "escertke") != 0 || !h->auth_read || h->server_hello_packet == 0)
		return;
	if (!h->certificate_request)
		kx_appendf(
		    out, len,
		    "%sESCertKE message 2 lacks CertificateRequest: the Terminating End-Point does not ask "
		    "for the Initiating End-Point's certificate (Table 8.7.2.2-1, spec point 12)",
		    out[0] ? "; " : "");
	if (!h->client_certificate || !h->certificate_verify)
		kx_appendf(
		    out, len,
		    "%sESCertKE message 3 lacks the Initiating End-Point's %s: it does not authenticate "
		    "(Table 8.7.2.2-1, spec point 12)",
		    out[0] ? "; " : "",
		    !h->client_certificate ? "Certificate and CertificateVerify" : "CertificateVerify");
}

/* The exporter recomputed from the handshake's randoms and secret by the reference drivers, and
 * the claims judged against it; returns the verdict ("pass", "fail", "error") with diagnosis. */
static const char *recompute(struct kx_driver_pool *pool, const struct verify *v,
                             const struct kx_pcap_handshake *h, const struct kx_keylog_entry *secret,
                             json_t *result, char *diagnosis, size_t len)
{
	char client_random[65], server_random[65], master[97];
	hex_text(h->client_random, 32, client_random);
	hex_text(h->server_random, 32, server_random);
	hex_text(secret->secret, secret->secret_len, master);
	json_t *vendor = json_object_get(result, "vendor");
	const char *verdict = "pass", *label = v->label;
	struct kx_claims_context ctx = {
	    .end = "the vendor",
	    .pool = pool,
	    .prf_hash = kx_suite_prf_hash_name(h->suite),
	    .master_secret = master,
	    .client_random = client_random,
	    .server_random = server_random,
	    .label = label,
	    .fqdn = v->fqdn,
	    .enrolee_b_id = v->enrolee_b_id,
	    .keyid_reading = v->opt->keyid_reading,
	};
	size_t disagreed = 0;
	char err[1200];
	ctx.n_recomputers = kx_pool_references(pool, ctx.recomputers);
	json_t *checked = kx_claims_check(&ctx, &v->claims, &disagreed, err, sizeof err);
	if (checked == NULL) {
		snprintf(diagnosis, len, "%s", err);
		return "error";
	}
	json_t *reference = json_object_get(checked, "reference");
	char by[160];
	kx_judge_recomputed_by(reference, by, sizeof by);
	json_object_set_new(result, "exported",
	                    json_pack("{s:s, s:i, s:O, s:O, s:s, s:O}", "label", label, "length", 48,
	                              "key_id", json_object_get(reference, "key_id"), "key",
	                              json_object_get(reference, "key"), "recomputed_by", by, "recomputed",
	                              json_object_get(reference, "export")));
	if (json_object_get(reference, "key_identifier") != NULL)
		json_object_set(result, "key_identifier", json_object_get(reference, "key_identifier"));
	json_object_set(vendor, "claims", json_object_get(checked, "claims"));
	json_object_set(vendor, "reference", reference);
	printf("    exported %s: %s (%s), recomputed by %s: equal\n", label,
	       kx_json_get_string(reference, "export"), kx_json_get_string(reference, "prf_hash"), by);
	kx_claims_print(stdout, checked);
	if (disagreed > 0) {
		verdict = "fail";
		kx_verdicts_json_diagnose(json_object_get(checked, "claims"), diagnosis, len);
	}
	if (json_array_size(json_object_get(checked, "claims")) == 0)
		json_object_set_new(vendor, "note",
		                    json_string("no claims were given: the exporter was recomputed only"));
	json_decref(checked);
	return verdict;
}

/* One handshake as a case of the report. */
static json_t *check_handshake(struct kx_driver_pool *pool, const struct verify *v,
                               const struct kx_pcap_handshake *h, const struct kx_keylog_entry *secret,
                               const char *secrets_from, int several)
{
	uint16_t want = h->dtls ? 0xFEFD : 0x0303;
	json_t *result = handshake_case(v, h, secret, secrets_from, several);
	handshake_notes(v, h, secrets_from, json_object_get(result, "vendor"));
	const char *verdict = "pass";
	char diagnosis[4096] = "";
	struct timeval t0;
	gettimeofday(&t0, NULL);
	char authentication[600];
	escertke_authentication(v, h, authentication, sizeof authentication);
	if (h->version != want) {
		verdict = "fail";
		snprintf(diagnosis, sizeof diagnosis,
		         "negotiated %s (0x%04x); TS-0003 requires %s, whose PRF the oneM2M exporter uses: "
		         "nothing to "
		         "recompute",
		         kx_version_name(h->version), (unsigned)h->version, h->dtls ? "DTLS 1.2" : "TLS 1.2");
	} else {
		verdict = recompute(pool, v, h, secret, result, diagnosis, sizeof diagnosis);
	}
	if (authentication[0] != '\0') {
		kx_appendf(diagnosis, sizeof diagnosis, "%s%s", diagnosis[0] ? "; " : "", authentication);
		if (strcmp(verdict, "pass") == 0)
			verdict = "fail";
	}
	json_object_set_new(result, "duration_ms", json_real(kx_case_json_ms_since(&t0)));
	json_object_set_new(result, "result", json_string(verdict));
	json_object_set_new(result, "met", json_boolean(strcmp(verdict, "pass") == 0));
	json_object_set_new(result, "diagnosis", json_string(diagnosis));
	return result;
}

/* ---- the run ------------------------------------------------------------------------ */

/* Names what the capture held when it holds no handshake. */
static void describe_nothing(const struct kx_pcap *cap, const struct kx_pcap_stats *s, const char *path,
                             char *err, size_t errlen)
{
	kx_errorf(
	    err, errlen,
	    "%s: no TLS or DTLS handshake (a ClientHello) in its %zu packets: %zu TCP, %zu UDP, %zu not "
	    "read%s%s%s; "
	    "%zu TCP streams, %zu DTLS datagrams",
	    path, cap->n_packets, s->tcp, s->udp, s->undecoded, s->first_problem[0] ? " (first: " : "",
	    s->first_problem, s->first_problem[0] ? ")" : "", s->tcp_streams, s->dtls_datagrams);
}

/* The claims and the names they need first: usage errors before any file is read. With
 * --vendor-output, every claim pattern must match the device's output. 0, or -1 with err. */
static int read_claims(struct verify *v, char *err, size_t errlen)
{
	const struct options *opt = v->opt;
	int ok = kx_claims_from_options(&v->claims, opt->claims_file, opt->claim_args, opt->n_claim_args,
	                                opt->pattern_args, opt->n_pattern_args, err, errlen) == 0;
	if (ok && opt->vendor_output != NULL) {
		ok = (v->vendor_text = read_text(opt->vendor_output, err, errlen)) != NULL;
		if (ok && kx_claims_match(&v->claims, v->vendor_text) > 0) {
			for (size_t i = 0; i < v->claims.n_patterns; i++)
				if (!v->claims.patterns[i].matched)
					kx_errorf(err, errlen,
					          "%s: the pattern for claim %s ('%s') matches nothing%s",
					          opt->vendor_output, kx_claim_name(v->claims.patterns[i].id),
					          v->claims.patterns[i].text,
					          v->claims.values[v->claims.patterns[i].id] != NULL
					              ? " (the claim is also given otherwise)"
					              : "");
			ok = 0;
		}
	}
	if (!ok || kx_claims_validate(&v->claims, err, errlen) != 0)
		return -1;
	return 0;
}

/* The scenario (when named) and the names the claims are judged by: the options', else the
 * scenario's; the client random --client-random selects. 0, or -1 with err. */
static int read_names(struct verify *v, char *err, size_t errlen)
{
	const struct options *opt = v->opt;
	json_error_t error;
	v->suite = json_load_file(opt->suite, JSON_REJECT_DUPLICATES, &error);
	if (v->suite == NULL) {
		kx_errorf(err, errlen, "%s: not readable as JSON: %s", opt->suite, error.text);
		return -1;
	}
	if (opt->scenario != NULL && (v->scenario = find_scenario(v->suite, opt->scenario, err, errlen)) == NULL)
		return -1;
	json_t *export_spec = json_object_get(v->scenario, "export");
	v->label = opt->label != NULL ? opt->label : kx_json_get_string(export_spec, "label");
	v->fqdn = opt->fqdn != NULL ? opt->fqdn : kx_json_get_string(export_spec, "fqdn");
	v->enrolee_b_id = opt->enrolee_b_id != NULL
	                      ? opt->enrolee_b_id
	                      : kx_json_get_string(json_object_get(v->scenario, "e2e"), "enrolee_b_id");
	/* Without --scenario, the values judged stay the options' own; only the name and the kind of
	 * exchange come from the scenario that exports with the label ("custom-label" when none does). */
	json_t *named = v->scenario != NULL ? v->scenario : scenario_of_label(v->suite, v->label);
	v->scenario_name = opt->scenario != NULL ? opt->scenario
	                   : named != NULL      ? kx_json_get_string(named, "name")
	                                        : "custom-label";
	v->run = kx_json_get_string(named, "run");
	if (v->label == NULL) {
		kx_errorf(err, errlen, "scenario %s exports nothing; name the exporter label with --label",
		          opt->scenario);
		return -1;
	}
	if (kx_claims_need_fqdn(&v->claims) && v->fqdn == NULL) {
		kx_errorf(err, errlen, "claim keyid needs the key identifier's FQDN: --fqdn");
		return -1;
	}
	if (kx_claims_need_e2e(&v->claims) && v->enrolee_b_id == NULL) {
		snprintf(
		    err, errlen,
		    "claims of E2E keys need the Enrolee-B-ID (the salt of TS-0003 10.3.6): --enrolee-b-id");
		return -1;
	}
	size_t wanted_len = 0;
	if (opt->client_random != NULL && (kx_hex_decode(opt->client_random, strlen(opt->client_random),
	                                                 v->wanted, sizeof v->wanted, &wanted_len) != 0 ||
	                                   wanted_len != 32)) {
		kx_errorf(err, errlen, "--client-random must be 64 hex digits");
		return -1;
	}
	return 0;
}

/* The capture, the secrets (--keylog, and the capture's own Decryption Secrets Blocks), and the
 * handshakes in the capture, of which there must be one. 0, or -1 with err. */
static int read_capture(struct verify *v, char *err, size_t errlen)
{
	const struct options *opt = v->opt;
	if (kx_pcap_load(opt->capture, &v->cap, err, errlen) != 0)
		return -1;
	if (opt->keylog != NULL && kx_keylog_load(&v->sec.file, opt->keylog, err, errlen) != 0)
		return -1;
	char why[600];
	if (v->cap.secrets_len > 0 &&
	    kx_keylog_parse(&v->sec.capture, v->cap.secrets, v->cap.secrets_len, why, sizeof why) != 0) {
		kx_errorf(err, errlen, "%s: its Decryption Secrets Block: %s", opt->capture, why);
		return -1;
	}
	if (opt->keylog == NULL && v->cap.n_secrets_blocks == 0) {
		kx_errorf(err, errlen,
		          "%s holds no Decryption Secrets Block (%s): give the session's key log with "
		          "--keylog FILE",
		          opt->capture,
		          v->cap.pcapng ? "a pcapng without one" : "a pcap file cannot hold one");
		return -1;
	}
	struct kx_pcap_stats stats;
	if (kx_pcap_find_handshakes(&v->cap, &v->hs, &v->n_hs, &stats, err, errlen) != 0)
		return -1;
	if (v->n_hs == 0) {
		describe_nothing(&v->cap, &stats, opt->capture, err, errlen);
		return -1;
	}
	return 0;
}

/* Nothing to check: says why the first selected handshake cannot be checked and, since the usual
 * cause is the key log of another session, which client randoms the key log does hold. */
static void describe_foreign_keylog(const struct verify *v, const char *first_reason, char *err,
                                    size_t errlen)
{
	const struct kx_keylog *log = v->opt->keylog != NULL ? &v->sec.file : &v->sec.capture;
	kx_errorf(err, errlen, "%s: nothing to check: %s", v->opt->capture, first_reason);
	for (size_t i = 0; i < log->n && i < LISTED_MAX; i++) {
		char random[65];
		hex_text(log->entries[i].client_random, 32, random);
		kx_appendf(err, errlen, "%s%s",
		           i == 0 ? "; the key log holds secrets for client randoms " : ", ", random);
	}
	if (log->n > LISTED_MAX)
		kx_appendf(err, errlen, " and %zu more (the key log of another session?)",
		           log->n - LISTED_MAX);
	else if (log->n > 0)
		kx_appendf(err, errlen, " (the key log of another session?)");
	else
		kx_appendf(err, errlen, "; the key log holds no secrets at all");
}

/* Claims concern one handshake: with several checkable, lists them for --client-random. */
static void describe_ambiguous(const struct verify *v, char *err, size_t errlen)
{
	char why[600];
	kx_errorf(err, errlen,
	          "%s: %zu handshakes have secrets and the claims concern one; choose it with "
	          "--client-random:",
	          v->opt->capture, v->checkable);
	for (size_t i = 0; i < v->n_hs; i++) {
		const struct kx_keylog_entry *secret;
		const char *source;
		char random[65];
		if (uncheckable(&v->hs[i], &v->sec, &secret, &source, why, sizeof why) != NULL)
			continue;
		hex_text(v->hs[i].client_random, 32, random);
		kx_appendf(err, errlen, " %s (packet %zu)", random, v->hs[i].client_hello_packet);
	}
}

/* Counts the handshakes that can be checked among those selected: at least one, and only one when
 * there are claims. 0, or -1 with err saying why not. */
static int count_checkable(struct verify *v, char *err, size_t errlen)
{
	size_t selected = 0;
	char first_reason[600] = "", why[600];
	for (size_t i = 0; i < v->n_hs; i++) {
		const struct kx_keylog_entry *secret;
		const char *source;
		if (left_out(v, &v->hs[i]))
			continue;
		selected++;
		if (uncheckable(&v->hs[i], &v->sec, &secret, &source, why, sizeof why) == NULL)
			v->checkable++;
		else if (first_reason[0] == '\0')
			snprintf(first_reason, sizeof first_reason, "%s", why);
	}
	if (selected == 0) {
		kx_errorf(err, errlen, "%s: no handshake has client random %s (%zu handshakes)",
		          v->opt->capture, v->opt->client_random, v->n_hs);
		return -1;
	}
	if (v->checkable == 0) {
		describe_foreign_keylog(v, first_reason, err, errlen);
		return -1;
	}
	int any_claims = v->claims.n_patterns > 0;
	for (int i = 0; i < KX_CLAIM_COUNT; i++)
		any_claims |= v->claims.values[i] != NULL;
	if (any_claims && v->checkable > 1) {
		describe_ambiguous(v, err, errlen);
		return -1;
	}
	return 0;
}

/* Both reference drivers recompute every checkable handshake; the report and the closing line.
 * Returns the exit status. */
static int check_all(struct verify *v, struct kx_driver_pool *pool, time_t started, const struct timeval *t0)
{
	const struct options *opt = v->opt;
	char err[2048], why[600];
	printf("kxconform verify: %s: %zu handshake%s, %zu checked\n", opt->capture, v->n_hs,
	       v->n_hs == 1 ? "" : "s", v->checkable);
	json_t *cases = json_array();
	size_t failed = 0;
	for (size_t i = 0; i < v->n_hs; i++) {
		const struct kx_keylog_entry *secret;
		const char *source;
		if (left_out(v, &v->hs[i]) ||
		    uncheckable(&v->hs[i], &v->sec, &secret, &source, why, sizeof why) != NULL)
			continue;
		json_t *result = check_handshake(pool, v, &v->hs[i], secret, source, v->checkable > 1);
		failed += strcmp(kx_json_get_string(result, "result"), "pass") != 0;
		const char *diagnosis = kx_json_get_string(result, "diagnosis");
		printf("  %s %s%s%s\n", kx_json_get_string(result, "id"),
		       kx_json_get_string(result, "result"), diagnosis[0] ? ": " : "", diagnosis);
		json_array_append_new(cases, result);
	}
	json_t *report = kx_cli_report_header(pool, opt->suite, started, 1);
	json_object_set_new(report, "cases", cases);
	json_object_set_new(report, "duration_ms", json_real(kx_case_json_ms_since(t0)));
	struct kx_report_counts counts;
	kx_report_summarize(report, &counts);
	int status = failed == 0 ? KX_EXIT_OK : KX_EXIT_FAILED;
	if (kx_report_write_all(report, opt->output, err, sizeof err) != 0) {
		fprintf(stderr, "kxconform verify: %s\n", err);
		status = KX_EXIT_USAGE;
	}
	printf("kxconform verify: %zu checked, %zu passed, %zu did not; reports: %s/reports/\n", v->checkable,
	       v->checkable - failed, failed, opt->output);
	json_decref(report);
	return status;
}

int kx_cmd_verify(int argc, char **argv)
{
	struct options opt;
	if (parse_options(argc, argv, &opt) != 0)
		return KX_EXIT_USAGE;
	time_t started = time(NULL);
	struct timeval t0;
	gettimeofday(&t0, NULL);
	int status = KX_EXIT_USAGE;
	char err[2048] = "";
	struct verify v;
	memset(&v, 0, sizeof v);
	v.opt = &opt;
	v.sec.file_name = opt.keylog;
	struct kx_driver_pool pool;
	memset(&pool, 0, sizeof pool);

	if (read_claims(&v, err, sizeof err) != 0 || read_names(&v, err, sizeof err) != 0 ||
	    read_capture(&v, err, sizeof err) != 0 || count_checkable(&v, err, sizeof err) != 0 ||
	    kx_pool_init(&pool, NULL, 0, opt.timeout_ms, err, sizeof err) != 0 ||
	    kx_pool_start_all(&pool, err, sizeof err) != 0) {
		if (err[0] != '\0')
			fprintf(stderr, "kxconform verify: %s\n", err);
	} else {
		status = check_all(&v, &pool, started, &t0);
	}
	kx_pool_stop(&pool);
	json_decref(v.suite);
	free(v.hs);
	free(v.vendor_text);
	kx_keylog_free(&v.sec.file);
	kx_keylog_free(&v.sec.capture);
	kx_pcap_free(&v.cap);
	kx_claims_free(&v.claims);
	return status;
}
