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
	size_t i;
	json_t *scenario;
	json_array_foreach(json_object_get(suite, "scenarios"), i, scenario)
	{
		const char *n = kx_json_get_string(scenario, "name");
		if (n != NULL && strcmp(n, name) == 0)
			return scenario;
	}
	kx_errorf(err, errlen, "no scenario \"%s\" in the suite", name);
	return NULL;
}

/* A scenario name for the case id, from the label when no scenario was named. */
static const char *scenario_of_label(const char *label)
{
	if (strcmp(label, "EXPORTER-oneM2M-Bootstrap") == 0)
		return "bootstrap";
	if (strcmp(label, "EXPORTER-oneM2M-Connection") == 0)
		return "connection";
	if (strcmp(label, "EXPORTER-oneM2M-ESCertKE") == 0)
		return "escertke";
	return "custom-label";
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

/* One handshake as a case of the report. */
static json_t *check_handshake(struct kx_driver_pool *pool, const struct options *opt,
                               const struct kx_claims *claims, const struct kx_pcap_handshake *h,
                               const struct kx_keylog_entry *secret, const char *label,
                               const char *scenario_name, json_t *scenario, const char *fqdn,
                               const char *enrolee_b_id, const char *secrets_from, int several)
{
	char id[192], suite[8], client_random[65], server_random[65], master[97];
	const char *transport = h->dtls ? "dtls" : "tls";
	if (several)
		snprintf(id, sizeof id, "verify.%s.%s.packet%zu", scenario_name, transport,
		         h->client_hello_packet);
	else
		snprintf(id, sizeof id, "verify.%s.%s.capture", scenario_name, transport);
	snprintf(suite, sizeof suite, "0x%04X", (unsigned)h->suite);
	hex_text(h->client_random, 32, client_random);
	hex_text(h->server_random, 32, server_random);
	hex_text(secret->secret, secret->secret_len, master);
	uint16_t want = h->dtls ? 0xFEFD : 0x0303;
	json_t *result = kx_case_json_new(id, scenario_name, scenario, h->client, h->server, transport, suite,
	                                  "positive", "pass");
	/* What only this mode has goes in one member, beside the matrix's own. */
	json_t *vendor = json_pack("{s:s}", "mode", "verify");
	json_object_set_new(result, "vendor", vendor);
	json_object_set_new(vendor, "capture",
	                    json_pack("{s:s, s:I, s:I, s:s, s:s}", "source", opt->capture,
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

	if (opt->keylog != NULL && strcmp(secrets_from, opt->keylog) != 0)
		json_object_set_new(
		    json_object_get(vendor, "capture"), "note",
		    json_sprintf("%s has no secret for this handshake; the capture's Decryption Secrets "
		                 "Block has",
		                 opt->keylog));
	/* Offline the vendor chose the suite; one the scenario does not list is worth a word, not a failure.
	 */
	json_t *listed = json_object_get(json_object_get(scenario, "suites"), transport);
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
		                                 suite, scenario_name, transport));
	const char *verdict = "pass";
	char diagnosis[4096] = "";
	struct timeval t0;
	gettimeofday(&t0, NULL);
	/* ESCertKE authenticates both end-points (Table 8.7.2.2-1, spec README point 12). */
	char authentication[600] = "";
	if (strcmp(scenario_name, "escertke") == 0 && h->auth_read && h->server_hello_packet != 0) {
		if (!h->certificate_request)
			kx_appendf(authentication, sizeof authentication,
			           "%sESCertKE message 2 lacks CertificateRequest: the Terminating End-Point does not ask "
			           "for the Initiating End-Point's certificate (Table 8.7.2.2-1, spec point 12)",
			           authentication[0] ? "; " : "");
		if (!h->client_certificate || !h->certificate_verify)
			kx_appendf(authentication, sizeof authentication,
			           "%sESCertKE message 3 lacks the Initiating End-Point's %s: it does not authenticate "
			           "(Table 8.7.2.2-1, spec point 12)",
			           authentication[0] ? "; " : "",
			           !h->client_certificate ? "Certificate and CertificateVerify" : "CertificateVerify");
	}
	if (h->version != want) {
		verdict = "fail";
		snprintf(diagnosis, sizeof diagnosis,
		         "negotiated %s (0x%04x); TS-0003 requires %s, whose PRF the oneM2M exporter uses: "
		         "nothing to "
		         "recompute",
		         kx_version_name(h->version), (unsigned)h->version, h->dtls ? "DTLS 1.2" : "TLS 1.2");
	} else {
		struct kx_claims_context ctx = {
		    .end = "the vendor",
		    .pool = pool,
		    .prf_hash = kx_suite_prf_hash_name(h->suite),
		    .master_secret = master,
		    .client_random = client_random,
		    .server_random = server_random,
		    .label = label,
		    .fqdn = fqdn,
		    .enrolee_b_id = enrolee_b_id,
		    .keyid_reading = opt->keyid_reading,
		};
		size_t disagreed = 0;
		char err[1200];
		ctx.n_recomputers = kx_pool_references(pool, ctx.recomputers);
		json_t *checked = kx_claims_check(&ctx, claims, &disagreed, err, sizeof err);
		if (checked == NULL) {
			verdict = "error";
			snprintf(diagnosis, sizeof diagnosis, "%s", err);
		} else {
			json_t *reference = json_object_get(checked, "reference");
			char by[160];
			kx_judge_recomputed_by(reference, by, sizeof by);
			json_object_set_new(result, "exported",
			                    json_pack("{s:s, s:i, s:O, s:O, s:s, s:O}", "label", label,
			                              "length", 48, "key_id",
			                              json_object_get(reference, "key_id"), "key",
			                              json_object_get(reference, "key"), "recomputed_by", by,
			                              "recomputed", json_object_get(reference, "export")));
			if (json_object_get(reference, "key_identifier") != NULL)
				json_object_set(result, "key_identifier",
				                json_object_get(reference, "key_identifier"));
			json_object_set(vendor, "claims", json_object_get(checked, "claims"));
			json_object_set(vendor, "reference", reference);
			printf("    exported %s: %s (%s), recomputed by %s: equal\n", label,
			       kx_json_get_string(reference, "export"), kx_json_get_string(reference, "prf_hash"), by);
			kx_claims_print(stdout, checked);
			if (disagreed > 0) {
				verdict = "fail";
				kx_verdicts_json_diagnose(json_object_get(checked, "claims"), diagnosis, sizeof diagnosis);
			}
			if (json_array_size(json_object_get(checked, "claims")) == 0)
				json_object_set_new(
				    vendor, "note",
				    json_string("no claims were given: the exporter was recomputed only"));
			json_decref(checked);
		}
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

int kx_cmd_verify(int argc, char **argv)
{
	struct options opt;
	if (parse_options(argc, argv, &opt) != 0)
		return KX_EXIT_USAGE;
	time_t started = time(NULL);
	struct timeval t0;
	gettimeofday(&t0, NULL);
	int status = KX_EXIT_USAGE;
	char err[2048];
	struct kx_claims claims;
	memset(&claims, 0, sizeof claims);
	struct kx_pcap cap;
	memset(&cap, 0, sizeof cap);
	struct secrets sec;
	memset(&sec, 0, sizeof sec);
	sec.file_name = opt.keylog;
	struct kx_pcap_handshake *hs = NULL;
	size_t n_hs = 0;
	struct kx_driver_pool pool;
	memset(&pool, 0, sizeof pool);
	json_t *suite = NULL, *report = NULL;
	char *vendor_text = NULL;

	/* Claims and the names they need first: usage errors before any file is read. */
	int ok = kx_claims_from_options(&claims, opt.claims_file, opt.claim_args, opt.n_claim_args,
	                                opt.pattern_args, opt.n_pattern_args, err, sizeof err) == 0;
	if (ok && opt.vendor_output != NULL) {
		ok = (vendor_text = read_text(opt.vendor_output, err, sizeof err)) != NULL;
		if (ok && kx_claims_match(&claims, vendor_text) > 0) {
			for (size_t i = 0; i < claims.n_patterns; i++)
				if (!claims.patterns[i].matched)
					kx_errorf(err, sizeof err,
					          "%s: the pattern for claim %s ('%s') matches nothing%s",
					          opt.vendor_output, kx_claim_name(claims.patterns[i].id),
					          claims.patterns[i].text,
					          claims.values[claims.patterns[i].id] != NULL
					              ? " (the claim is also given otherwise)"
					              : "");
			ok = 0;
		}
	}
	if (!ok || kx_claims_validate(&claims, err, sizeof err) != 0)
		goto out;
	json_t *scenario = NULL;
	if (opt.scenario != NULL) {
		json_error_t error;
		suite = json_load_file(opt.suite, JSON_REJECT_DUPLICATES, &error);
		if (suite == NULL) {
			kx_errorf(err, sizeof err, "%s: not readable as JSON: %s", opt.suite, error.text);
			goto out;
		}
		if ((scenario = find_scenario(suite, opt.scenario, err, sizeof err)) == NULL)
			goto out;
	}
	json_t *export_spec = json_object_get(scenario, "export");
	const char *label = opt.label != NULL ? opt.label : kx_json_get_string(export_spec, "label");
	const char *fqdn = opt.fqdn != NULL ? opt.fqdn : kx_json_get_string(export_spec, "fqdn");
	const char *enrolee_b_id = opt.enrolee_b_id != NULL
	                               ? opt.enrolee_b_id
	                               : kx_json_get_string(json_object_get(scenario, "e2e"), "enrolee_b_id");
	const char *scenario_name =
	    opt.scenario != NULL ? opt.scenario : scenario_of_label(label != NULL ? label : "");
	if (label == NULL) {
		kx_errorf(err, sizeof err,
		          "scenario %s exports nothing; name the exporter label with --label", opt.scenario);
		goto out;
	}
	if (kx_claims_need_fqdn(&claims) && fqdn == NULL) {
		kx_errorf(err, sizeof err, "claim keyid needs the key identifier's FQDN: --fqdn");
		goto out;
	}
	if (kx_claims_need_e2e(&claims) && enrolee_b_id == NULL) {
		snprintf(
		    err, sizeof err,
		    "claims of E2E keys need the Enrolee-B-ID (the salt of TS-0003 10.3.6): --enrolee-b-id");
		goto out;
	}
	uint8_t wanted[32];
	size_t wanted_len = 0;
	if (opt.client_random != NULL && (kx_hex_decode(opt.client_random, strlen(opt.client_random), wanted,
	                                                sizeof wanted, &wanted_len) != 0 ||
	                                  wanted_len != 32)) {
		kx_errorf(err, sizeof err, "--client-random must be 64 hex digits");
		goto out;
	}

	/* The capture, the secrets, the handshakes. */
	if (kx_pcap_load(opt.capture, &cap, err, sizeof err) != 0)
		goto out;
	if (opt.keylog != NULL && kx_keylog_load(&sec.file, opt.keylog, err, sizeof err) != 0)
		goto out;
	char why[600];
	if (cap.secrets_len > 0 &&
	    kx_keylog_parse(&sec.capture, cap.secrets, cap.secrets_len, why, sizeof why) != 0) {
		kx_errorf(err, sizeof err, "%s: its Decryption Secrets Block: %s", opt.capture, why);
		goto out;
	}
	if (opt.keylog == NULL && cap.n_secrets_blocks == 0) {
		kx_errorf(err, sizeof err,
		          "%s holds no Decryption Secrets Block (%s): give the session's key log with "
		          "--keylog FILE",
		          opt.capture, cap.pcapng ? "a pcapng without one" : "a pcap file cannot hold one");
		goto out;
	}
	struct kx_pcap_stats stats;
	if (kx_pcap_find_handshakes(&cap, &hs, &n_hs, &stats, err, sizeof err) != 0)
		goto out;
	if (n_hs == 0) {
		describe_nothing(&cap, &stats, opt.capture, err, sizeof err);
		goto out;
	}
	size_t checkable = 0, selected = 0;
	char first_reason[600] = "";
	for (size_t i = 0; i < n_hs; i++) {
		const struct kx_keylog_entry *secret;
		const char *source;
		if (opt.client_random != NULL && memcmp(hs[i].client_random, wanted, 32) != 0)
			continue;
		selected++;
		if (uncheckable(&hs[i], &sec, &secret, &source, why, sizeof why) == NULL)
			checkable++;
		else if (first_reason[0] == '\0')
			snprintf(first_reason, sizeof first_reason, "%s", why);
	}
	if (selected == 0) {
		kx_errorf(err, sizeof err, "%s: no handshake has client random %s (%zu handshakes)",
		          opt.capture, opt.client_random, n_hs);
		goto out;
	}
	if (checkable == 0) {
		/* The usual cause: the key log of another session. Say which randoms it does hold. */
		const struct kx_keylog *log = opt.keylog != NULL ? &sec.file : &sec.capture;
		kx_errorf(err, sizeof err, "%s: nothing to check: %s", opt.capture, first_reason);
		for (size_t i = 0; i < log->n && i < LISTED_MAX; i++) {
			char random[65];
			hex_text(log->entries[i].client_random, 32, random);
			kx_appendf(err, sizeof err, "%s%s",
			           i == 0 ? "; the key log holds secrets for client randoms " : ", ", random);
		}
		if (log->n > LISTED_MAX)
			kx_appendf(err, sizeof err, " and %zu more (the key log of another session?)",
			           log->n - LISTED_MAX);
		else if (log->n > 0)
			kx_appendf(err, sizeof err, " (the key log of another session?)");
		else
			kx_appendf(err, sizeof err, "; the key log holds no secrets at all");
		goto out;
	}
	int any_claims = claims.n_patterns > 0;
	for (int i = 0; i < KX_CLAIM_COUNT; i++)
		any_claims |= claims.values[i] != NULL;
	if (any_claims && checkable > 1) {
		kx_errorf(err, sizeof err,
		          "%s: %zu handshakes have secrets and the claims concern one; choose it with "
		          "--client-random:",
		          opt.capture, checkable);
		for (size_t i = 0; i < n_hs; i++) {
			const struct kx_keylog_entry *secret;
			const char *source;
			char random[65];
			if (uncheckable(&hs[i], &sec, &secret, &source, why, sizeof why) != NULL)
				continue;
			hex_text(hs[i].client_random, 32, random);
			kx_appendf(err, sizeof err, " %s (packet %zu)", random, hs[i].client_hello_packet);
		}
		goto out;
	}

	/* Both reference drivers recompute every checkable handshake. */
	if (kx_pool_init(&pool, NULL, 0, opt.timeout_ms, err, sizeof err) != 0 ||
	    kx_pool_start_all(&pool, err, sizeof err) != 0)
		goto out;
	printf("kxconform verify: %s: %zu handshake%s, %zu checked\n", opt.capture, n_hs,
	       n_hs == 1 ? "" : "s", checkable);
	json_t *cases = json_array();
	size_t failed = 0;
	for (size_t i = 0; i < n_hs; i++) {
		const struct kx_keylog_entry *secret;
		const char *source;
		if ((opt.client_random != NULL && memcmp(hs[i].client_random, wanted, 32) != 0) ||
		    uncheckable(&hs[i], &sec, &secret, &source, why, sizeof why) != NULL)
			continue;
		json_t *result = check_handshake(&pool, &opt, &claims, &hs[i], secret, label, scenario_name,
		                                 scenario, fqdn, enrolee_b_id, source, checkable > 1);
		failed += strcmp(kx_json_get_string(result, "result"), "pass") != 0;
		const char *diagnosis = kx_json_get_string(result, "diagnosis");
		printf("  %s %s%s%s\n", kx_json_get_string(result, "id"),
		       kx_json_get_string(result, "result"), diagnosis[0] ? ": " : "", diagnosis);
		json_array_append_new(cases, result);
	}
	report = kx_cli_report_header(&pool, opt.suite, started, 1);
	json_object_set_new(report, "cases", cases);
	json_object_set_new(report, "duration_ms", json_real(kx_case_json_ms_since(&t0)));
	struct kx_report_counts counts;
	kx_report_summarize(report, &counts);
	status = failed == 0 ? KX_EXIT_OK : KX_EXIT_FAILED;
	if (kx_report_write_all(report, opt.output, err, sizeof err) != 0) {
		fprintf(stderr, "kxconform verify: %s\n", err);
		status = KX_EXIT_USAGE;
	}
	printf("kxconform verify: %zu checked, %zu passed, %zu did not; reports: %s/reports/\n", checkable,
	       checkable - failed, failed, opt.output);
	err[0] = '\0';
out:
	if (status == KX_EXIT_USAGE && err[0] != '\0')
		fprintf(stderr, "kxconform verify: %s\n", err);
	kx_pool_stop(&pool);
	json_decref(report);
	json_decref(suite);
	free(hs);
	free(vendor_text);
	kx_keylog_free(&sec.file);
	kx_keylog_free(&sec.capture);
	kx_pcap_free(&cap);
	kx_claims_free(&claims);
	return status;
}
