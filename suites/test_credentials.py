"""The credential scenarios (issue 13): certificate chains with an intermediate CA, P-384 keys,
PSK keys and identities of several lengths, and no Server Name Indication where TR-0038 A.2 and
Table 8.7.2.2-1 do without one. Each is checked from the report and from the packets themselves:
one tshark pass over the run's batch capture (tshark takes about a second to start) gives every
Certificate, ClientHello, ServerKeyExchange and ClientKeyExchange, and the certificates on the wire
are compared byte for byte with the test PKI's files (pki/README.md)."""
import json
import re
import shutil
import ssl
import subprocess
from collections import defaultdict

import pytest

from conftest import BUILD, ROOT, built, proxy_driver

SUITE = ROOT / "suites" / "onem2m.json"
CREDENTIAL_AXES = ("chain", "psk-length", "psk-identity", "sni")
PKI = BUILD / "pki"
TSHARK = shutil.which("tshark")
needs_tshark = pytest.mark.skipif(TSHARK is None, reason="tshark is not installed (Debian: apt-get install tshark)")

# The credential scenarios, and two plain cases as controls: they send one certificate each and an
# SNI, so the packet reading below is shown to see what the credential cases lack.
FILTERS = ["escertke-intermediate-ca.*", "escertke-no-sni.*", "connection-intermediate-ca.*", "connection-p384*",
           "psk-*", "connection.tls.openssl-wolfssl", "psk.tls.openssl-wolfssl"]
CREDENTIAL_SCENARIOS = ("escertke-intermediate-ca", "escertke-no-sni", "connection-intermediate-ca",
                        "connection-p384", "connection-p384-intermediate", "psk-16-byte-key", "psk-32-byte-key",
                        "psk-64-byte-key", "psk-short-identity", "psk-long-identity", "psk-no-sni")
INITIATOR, TERMINATOR = "192.0.2.1", "192.0.2.2"
FIELDS = ["ip.src", "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport",
          "tls.handshake.type", "dtls.handshake.type", "tls.handshake.certificate", "dtls.handshake.certificate",
          "tls.handshake.extension.type", "dtls.handshake.extension.type", "tls.handshake.identity",
          "dtls.handshake.identity", "tls.handshake.server_named_curve", "dtls.handshake.server_named_curve"]
SECP256R1 = 0x0017


def run(kxconform, *args):
    return subprocess.run([str(kxconform), "run", *map(str, args)], capture_output=True, text=True, timeout=300)


def handshakes(batch):
    """{client port: {sender: {"certificates": [DER...], "extensions": [...], "identity": bytes,
    "curve": int}}} from the handshake messages of every case in the batch capture. A DTLS message
    split over datagrams is decoded where tshark reassembles it; the first complete one counts."""
    lines = subprocess.run(
        [TSHARK, "-r", str(batch), "-Y", " || ".join("%s.handshake.type == %d" % (p, t) for p in ("tls", "dtls")
                                                      for t in (1, 11, 12, 16)),
         "-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,",
         *[arg for field in FIELDS for arg in ("-e", field)]],
        capture_output=True, text=True, check=True, timeout=120).stdout.splitlines()
    seen = defaultdict(lambda: defaultdict(dict))
    for line in lines:
        row = dict(zip(FIELDS, line.split("|")))
        sender = row["ip.src"]
        ports = [row[k] for k in ("tcp.srcport", "udp.srcport")] if sender == INITIATOR else \
            [row[k] for k in ("tcp.dstport", "udp.dstport")]
        end = seen[int(next(p for p in ports if p))][sender]
        for proto in ("tls", "dtls"):
            certs = row["%s.handshake.certificate" % proto]
            if certs and "certificates" not in end:
                end["certificates"] = [bytes.fromhex(c.replace(":", "")) for c in certs.split(",")]
            types = row["%s.handshake.type" % proto].split(",")
            if "1" in types and "extensions" not in end:
                end["extensions"] = [int(t, 0) for t in row["%s.handshake.extension.type" % proto].split(",") if t]
            if row["%s.handshake.identity" % proto] and "identity" not in end:
                end["identity"] = bytes.fromhex(row["%s.handshake.identity" % proto].replace(":", ""))
            if row["%s.handshake.server_named_curve" % proto] and "curve" not in end:
                end["curve"] = int(row["%s.handshake.server_named_curve" % proto], 0)
    return seen


def pem_certificates(path):
    """The DER certificates of a PEM file, in file order."""
    text = open(path, encoding="ascii").read()
    return [ssl.PEM_cert_to_DER_cert(block) for block in
            re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n?", text, re.S)]


def key_curve(der):
    """The NIST curve of a DER certificate's key, as `openssl x509 -text` names it."""
    text = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-text"], input=der,
                          capture_output=True, check=True, timeout=30).stdout.decode()
    return re.search(r"NIST CURVE: (\S+)", text).group(1)


@pytest.fixture(scope="module")
def creds(kxconform, tmp_path_factory):
    out = tmp_path_factory.mktemp("creds")
    args = ["--output", out]
    for pattern in FILTERS:
        args += ["--filter", pattern]
    result = run(kxconform, *args)
    report = json.loads((out / "reports" / "report.json").read_text(encoding="utf-8"))
    cases = {c["id"]: c for c in report["cases"]}
    packets = handshakes(out / "captures" / "all-cases.pcapng")
    return result, cases, packets


def wire(case, packets, end):
    return packets[case["capture"]["port"]][INITIATOR if end == "initiator" else TERMINATOR]


def positives(cases, *scenarios):
    found = [c for c in cases.values() if c["scenario"] in scenarios and c["kind"] == "positive"]
    assert found, scenarios
    return found


@needs_tshark
def test_every_credential_case_meets_its_expectation(creds):
    result, cases, _ = creds
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    suite = json.loads(SUITE.read_text(encoding="utf-8"))
    scenarios = {s["name"]: s for s in suite["scenarios"]}
    for name in CREDENTIAL_SCENARIOS:
        s = scenarios[name]
        variants = 1 + len(s["negative"])
        assert len([c for c in cases.values() if c["scenario"] == name]) == 4 * len(s["transports"]) * variants, name
    for case in cases.values():
        assert case["met"], (case["id"], case["diagnosis"])
        if case["kind"] == "positive":
            assert case["result"] == "pass" and case["outcome"] == "completed", case["id"]
        else:
            # Refused by the end the suite names: never skipped for a driver that cannot open it.
            negative = next(n for n in scenarios[case["scenario"]]["negative"] if n["name"] == case["variant"]["name"])
            assert case["result"] == "fail", (case["id"], case["diagnosis"])
            if negative["rejected_by"] != "either":
                assert case["rejected_by"] == negative["rejected_by"], (case["id"], case["diagnosis"])


@needs_tshark
def test_a_chain_goes_out_whole_and_is_accepted(creds):
    _, cases, packets = creds
    intermediate = pem_certificates(PKI / "int-ca.pem")
    assert len(intermediate) == 1
    for case in positives(cases, "escertke-intermediate-ca", "connection-intermediate-ca"):
        for end in ("initiator", "terminator"):
            chain_file = case["inputs"][end]["cert"]
            assert chain_file.endswith("-int.pem"), chain_file
            chain = pem_certificates(chain_file)
            assert len(chain) == 2 and chain[1] == intermediate[0], chain_file
            # The Certificate message holds the leaf, then the intermediate, as the file does.
            assert wire(case, packets, end)["certificates"] == chain, (case["id"], end)
        assert case["result"] == "pass"
    # The control: a plain case's ends send their leaf and no intermediate. (An OpenSSL end whose
    # file holds the leaf alone completes the chain from its trust store and sends the root after
    # it, as RFC 5246 7.4.2 allows; wolfSSL sends the file as it is: docs/suite.md, "Credentials".)
    plain = cases["connection.tls.openssl-wolfssl"]
    for end in ("initiator", "terminator"):
        sent = wire(plain, packets, end)["certificates"]
        assert sent[0] == pem_certificates(plain["inputs"][end]["cert"])[0] and intermediate[0] not in sent
    assert wire(plain, packets, "initiator")["certificates"][1:] == pem_certificates(PKI / "root-ca.pem")
    assert len(wire(plain, packets, "terminator")["certificates"]) == 1


@needs_tshark
def test_a_leaf_without_its_intermediate_is_refused_by_the_verifying_end(creds):
    _, cases, packets = creds
    missing = [c for c in cases.values() if c["kind"] == "negative" and c["variant"]["name"].endswith("-intermediate-missing")]
    assert len(missing) == 4 + 16  # ESCertKE (TLS, one end) and the MAF connection (TLS and DTLS, either end)
    for case in missing:
        faulty = case["variant"]["name"].split("-")[0]
        verifier = "terminator" if faulty == "initiator" else "initiator"
        leaf = pem_certificates(case["inputs"][faulty]["cert"])
        assert case["inputs"][faulty]["cert"].endswith("-int-leaf.pem") and len(leaf) == 1
        assert wire(case, packets, faulty)["certificates"] == leaf, case["id"]
        assert case["result"] == "fail" and case["rejected_by"] == verifier, (case["id"], case["diagnosis"])
        assert "certificate verify failed" in case["diagnosis"] and "unknown_ca" in case["diagnosis"], case["diagnosis"]


@needs_tshark
def test_p384_certificate_keys_are_secp384r1_and_ecdhe_stays_on_p256(creds):
    _, cases, packets = creds
    curves = {}
    root = pem_certificates(PKI / "root-ca.pem")
    for case in positives(cases, "connection-p384", "connection-p384-intermediate"):
        chained = case["scenario"].endswith("-intermediate")
        assert case["suite"] == ("0xC02C" if chained else "0xC023" if case["transport"] == "tls" else "0xC0AE")
        for end in ("initiator", "terminator"):
            own = pem_certificates(case["inputs"][end]["cert"])
            sent = wire(case, packets, end)["certificates"]
            # What the file holds, and at most the root after it (OpenSSL's own chain building).
            assert sent[:len(own)] == own and sent[len(own):] in ([], root), (case["id"], end)
            assert len(own) == (2 if chained else 1)
            for der in own:
                if der not in curves:
                    curves[der] = key_curve(der)
                assert curves[der] == "P-384", (case["id"], end)
        # Both ends list P-256 before P-384: the key exchange stays on P-256 (pki/README.md).
        assert wire(case, packets, "terminator")["curve"] == SECP256R1, case["id"]
    # The control: the plain case's certificates are P-256.
    assert key_curve(wire(cases["connection.tls.openssl-wolfssl"], packets, "initiator")["certificates"][0]) == "P-256"


@needs_tshark
def test_psk_keys_of_8_to_64_bytes_give_both_ends_the_same_secrets(creds):
    """A PSK association exports nothing (TS-0003 10.3.1 has no label for it), so what both ends
    derive from the key is compared: the master secret and key log, and the capture that the run
    decrypted with that key log. The 8-byte key is the psk scenario's, in test_kxconform_run."""
    _, cases, _ = creds
    for size in (16, 32, 64):
        found = positives(cases, "psk-%d-byte-key" % size)
        assert len(found) == 8
        for case in found:
            assert len(bytes.fromhex(case["inputs"]["initiator"]["psk"])) == size
            assert [e["psk"] for e in case["inputs"]["terminator"]["psk_table"]
                    if e["identity"] == case["inputs"]["initiator"]["psk_identity"]] == [case["inputs"]["initiator"]["psk"]]
            ini, ter = case["initiator_report"], case["terminator_report"]
            assert re.fullmatch(r"[0-9a-f]{96}", ini["master_secret"])
            assert ini["master_secret"] == ter["master_secret"] and ini["keylog"] == ter["keylog"], case["id"]
            assert case["capture"]["verified"] and "decrypted" in case["capture"]["check"], case["id"]
    # Every byte counts: a table holding the first 32 bytes of the 64-byte key is refused.
    cut = [c for c in cases.values() if c["id"].startswith("psk-64-byte-key.") and c["kind"] == "negative"]
    assert len(cut) == 8 and all(c["result"] == "fail" and c["met"] for c in cut)


@needs_tshark
def test_psk_identities_of_1_and_128_bytes_go_out_and_are_looked_up(creds):
    _, cases, packets = creds
    for name, size in (("psk-short-identity", 1), ("psk-long-identity", 128)):
        for case in positives(cases, name):
            identity = case["inputs"]["initiator"]["psk_identity"]
            assert len(identity.encode()) == size
            assert wire(case, packets, "initiator")["identity"] == identity.encode(), case["id"]
            assert case["terminator_report"]["psk_identity"] == identity, case["id"]


@needs_tshark
def test_no_sni_goes_out_where_none_is_configured(creds):
    _, cases, packets = creds
    server_name = 0
    for case in positives(cases, "psk-no-sni", "escertke-no-sni"):
        assert case["inputs"]["initiator"]["sni"] == ""
        assert server_name not in wire(case, packets, "initiator")["extensions"], case["id"]
        assert case["terminator_report"]["sni"] == "", case["id"]
    # The control: the psk scenario's AE names the MN-CSE.
    control = cases["psk.tls.openssl-wolfssl"]
    assert server_name in wire(control, packets, "initiator")["extensions"]
    assert control["terminator_report"]["sni"] == "mn-cse-123456"


def test_an_end_that_sends_sni_when_told_not_to_is_caught(kxconform, tmp_path):
    """A vendor's AE that always names its server: the terminator receives an SNI the case did not
    configure, and the case fails saying so."""
    sneaky = proxy_driver(tmp_path / "sneaky", "sneaky", """
        config = request.get("config", {})
        if request.get("op") == "open" and config.get("role") == "client" and config.get("sni") == "":
            config["sni"] = "sneaky.example"
        """)
    result = run(kxconform, "--driver", "sneaky=%s" % sneaky, "--driver", "wolfssl=%s" % built("kx-driver-wolfssl"),
                 "--filter", "psk-no-sni.tls.sneaky-wolfssl", "--filter", "psk.tls.sneaky-wolfssl",
                 "--output", tmp_path / "out")
    assert result.returncode == 1, result.stdout
    report = json.loads((tmp_path / "out" / "reports" / "report.json").read_text(encoding="utf-8"))
    by_id = {c["id"]: c for c in report["cases"]}
    assert by_id["psk.tls.sneaky-wolfssl"]["met"]
    caught = by_id["psk-no-sni.tls.sneaky-wolfssl"]
    assert not caught["met"] and caught["result"] == "fail"
    assert 'the initiator was to send no SNI; the terminator received "sneaky.example"' in caught["diagnosis"]


def test_a_certificate_form_the_pki_lacks_is_an_error_naming_the_file(kxconform, tmp_path):
    suite = json.loads(SUITE.read_text(encoding="utf-8"))
    scenario = next(s for s in suite["scenarios"] if s["name"] == "connection-p384")
    scenario["initiator"]["cert_form"] = "p521"
    edited = tmp_path / "suite.json"
    edited.write_text(json.dumps(suite), encoding="utf-8")
    result = run(kxconform, "--suite", edited, "--filter", "connection-p384.tls.*", "--output", tmp_path / "out")
    assert result.returncode == 1
    report = json.loads((tmp_path / "out" / "reports" / "report.json").read_text(encoding="utf-8"))
    assert len(report["cases"]) == 4
    for case in report["cases"]:
        assert case["result"] == "error" and not case["met"], case["id"]
        assert str(PKI / "mn-cse-p521.pem") in case["diagnosis"], case["diagnosis"]


# --- the axes file: what the lead merges into onem2m.json -------------------------------------------

def overlay(base, changes):
    merged = dict(base)
    merged.update(changes)
    return merged


# Which explicit scenario runs each non-default axis value today (docs/suite.md, "Credentials").
AS_SCENARIO = {("chain", "intermediate"): ["connection-intermediate-ca", "escertke-intermediate-ca"],
               ("chain", "p384"): ["connection-p384"], ("chain", "p384-intermediate"): ["connection-p384-intermediate"],
               ("psk-length", "16"): ["psk-16-byte-key"], ("psk-length", "32"): ["psk-32-byte-key"],
               ("psk-length", "64"): ["psk-64-byte-key"], ("psk-identity", "short"): ["psk-short-identity"],
               ("psk-identity", "long"): ["psk-long-identity"], ("sni", "absent"): ["psk-no-sni", "escertke-no-sni"]}


def test_each_axis_value_is_the_explicit_scenario_that_runs_it_today():
    """A value overlaid on the scenario its explicit scenario stands beside (the one it needs)
    gives that scenario's ends, and the PSK identity the runner then expects the terminator to
    have looked up is the explicit scenario's: the suite's axes say what its explicit scenarios already run."""
    axes = [a for a in json.loads(SUITE.read_text(encoding="utf-8"))["axes"] if a["name"] in CREDENTIAL_AXES]
    scenarios = {s["name"]: s for s in json.loads(SUITE.read_text(encoding="utf-8"))["scenarios"]}
    assert [a["name"] for a in axes] == ["chain", "psk-length", "psk-identity", "sni"]
    covered = set()
    for axis in axes:
        names = [v["name"] for v in axis["values"]]
        assert len(names) == len(set(names)) > 1, axis["name"]
        assert not {"initiator", "terminator"} & set(axis["values"][0]), (axis["name"], "the default overlays nothing")
        for value in axis["values"][1:]:
            for name in AS_SCENARIO[(axis["name"], value["name"])]:
                explicit = scenarios[name]
                base = scenarios[explicit["needs"][0]]
                covered.add(name)
                ends = {}
                for end in ("initiator", "terminator"):
                    got = ends[end] = overlay(base[end], value.get(end, {}))
                    want = explicit[end]
                    if "psk_table" in want:
                        # The axis's table serves every identity of the psk-identity axis; the explicit
                        # scenario's holds the rows it uses.
                        got = dict(got)
                        table = got.pop("psk_table")
                        assert all(row in table for row in want["psk_table"]), (name, end)
                        want = {k: v for k, v in want.items() if k != "psk_table"}
                    assert got == want, (axis["name"], value["name"], name, end)
                # What case_run.c expects: the initiator's identity, else the scenario's expectation.
                expected = ends["initiator"].get("psk_identity", base.get("expect_psk_identity"))
                assert expected == explicit.get("expect_psk_identity"), name
    assert covered == set(CREDENTIAL_SCENARIOS)


def test_the_psk_axes_combine_in_any_order():
    """Every (key length, identity) pair, overlaid in either order on the psk scenario, leaves the
    MN-CSE a row for the AE's identity holding the AE's key."""
    axes = {a["name"]: a for a in json.loads(SUITE.read_text(encoding="utf-8"))["axes"]}
    psk = next(s for s in json.loads(SUITE.read_text(encoding="utf-8"))["scenarios"] if s["name"] == "psk")
    for length in axes["psk-length"]["values"]:
        for identity in axes["psk-identity"]["values"]:
            for order in ((length, identity), (identity, length)):
                ends = {end: psk[end] for end in ("initiator", "terminator")}
                for value in order:
                    ends = {end: overlay(ends[end], value.get(end, {})) for end in ends}
                rows = [r for r in ends["terminator"]["psk_table"] if r["identity"] == ends["initiator"]["psk_identity"]]
                assert [r["psk"] for r in rows] == [ends["initiator"]["psk"]], (length["name"], identity["name"])
