"""End-to-end tests of `kxconform verify`, the offline mode: captures made by
the matrix (`kxconform run`, pcapng with the key log in a Decryption Secrets
Block, and the same converted to classic pcap with a separate key log) and a
real loopback capture of openssl s_server/s_client made with dumpcap. The
exporter is recomputed on both reference drivers and must equal what the
matrix's ends exported; claims made from it pass, and doctored claims (the
split swapped, the randoms swapped, another label, a key identifier in
another reading, an E2E variant) fail with the mistake named, their values
made by the vectors' independent generator (vectors/gen). Bad input (no
handshake, the key log of another session, a file cut short) is a set-up
error that says what is wrong."""
import base64
import json
import os
import shutil
import struct
import subprocess
import sys
import time

import pytest

from conftest import BUILD, ROOT
from test_live import check_report

GEN = ROOT / "vectors" / "gen"
PKI = BUILD / "pki"
CONNECTION = "EXPORTER-oneM2M-Connection"
BOOTSTRAP = "EXPORTER-oneM2M-Bootstrap"
CASES = ["connection.tls.openssl-wolfssl", "connection.dtls.wolfssl-openssl", "e2e.tls.openssl-wolfssl",
         "psk.dtls.openssl-openssl"]


def generator():
    sys.path.insert(0, str(GEN))
    import e2e
    import enrolment
    import exporter
    import keyid
    return e2e, enrolment, exporter, keyid


def verify(kxconform, out, *args, timeout=60):
    """Runs kxconform verify; returns the process and its report's cases (None when it wrote none)."""
    proc = subprocess.run([str(kxconform), "verify", "--output", str(out), *map(str, args)], capture_output=True,
                          text=True, timeout=timeout)
    report = out / "reports" / "report.json"
    if not report.exists():
        return proc, None
    data = json.loads(report.read_text(encoding="utf-8"))
    check_report(data)
    return proc, data["cases"]


@pytest.fixture(scope="module")
def matrix(kxconform, tmp_path_factory):
    """A few matrix cases with their captures, and their report by case id."""
    out = tmp_path_factory.mktemp("matrix")
    args = [str(kxconform), "run", "--output", str(out)]
    for case in CASES:
        args += ["--filter", case]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads((out / "reports" / "report.json").read_text(encoding="utf-8"))
    return out, {case["id"]: case for case in report["cases"]}


def capture_of(matrix, case_id, ext="pcapng"):
    out, _ = matrix
    path = out / "captures" / ("%s.%s" % (case_id, ext))
    assert path.exists(), path
    return path


def session_of(matrix, case_id):
    """Master secret and randoms of a matrix case, as bytes."""
    info = matrix[1][case_id]["initiator_report"]
    return (bytes.fromhex(info["master_secret"]), bytes.fromhex(info["client_random"]),
            bytes.fromhex(info["server_random"]))


def claims_of(case):
    return {c["name"]: c for c in case["vendor"]["claims"]}


@pytest.mark.parametrize("case_id", CASES)
def test_recomputes_what_the_matrix_exported(kxconform, tmp_path, matrix, case_id):
    exporter = generator()[2]
    scenario, transport = case_id.split(".")[:2]
    master, client_random, server_random = session_of(matrix, case_id)
    label = BOOTSTRAP if scenario == "e2e" else CONNECTION
    expected = exporter.export("SHA-256", master, label, client_random, server_random)
    args = ["--capture", capture_of(matrix, case_id), "--label", label]
    if scenario != "psk":
        args = ["--capture", capture_of(matrix, case_id), "--scenario", scenario]
        assert matrix[1][case_id]["exported"]["initiator"] == expected.hex()
    proc, cases = verify(kxconform, tmp_path, *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(cases) == 1
    case = cases[0]
    assert case["id"] == "verify.%s.%s.capture" % (scenario if scenario != "psk" else "connection", transport)
    assert case["result"] == "pass"
    assert case["exported"]["recomputed"] == expected.hex()
    assert case["exported"]["recomputed_by"] == "openssl, wolfssl"
    assert case["vendor"]["capture"]["secrets"] == "the capture's Decryption Secrets Block"
    assert case["vendor"]["session"]["client_random"] == client_random.hex()
    assert case["vendor"]["session"]["version"] == ("DTLSv1.2" if transport == "dtls" else "TLSv1.2")


def test_claims_from_the_matrix_agree(kxconform, tmp_path, matrix):
    case_id = "connection.tls.openssl-wolfssl"
    m = matrix[1][case_id]
    claims = tmp_path / "claims.json"
    claims.write_text(json.dumps({"export": m["exported"]["initiator"], "key_id": m["exported"]["key_id"],
                                  "key": m["exported"]["key"].upper(),
                                  "keyid": m["key_identifier"]["readings"]["reference"]}))
    proc, cases = verify(kxconform, tmp_path, "--capture", capture_of(matrix, case_id), "--scenario", "connection",
                         "--claims", claims)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    verdicts = {name: c["verdict"] for name, c in claims_of(cases[0]).items()}
    assert verdicts == {"export": "agree", "key_id": "agree", "key": "agree", "keyid": "agree"}


def test_doctored_claims_are_named(kxconform, tmp_path, matrix):
    _, _, exporter, keyid = generator()
    case_id = "connection.tls.openssl-wolfssl"
    master, cr, sr = session_of(matrix, case_id)
    good = exporter.export("SHA-256", master, CONNECTION, cr, sr)
    swapped_randoms = exporter.export_randoms_swapped("SHA-256", master, CONNECTION, cr, sr)
    other_label = exporter.export("SHA-256", master, BOOTSTRAP, cr, sr)
    key_id, key = exporter.split_swapped(good)
    claims = ["export=%s" % other_label.hex(), "key_id=%s" % key_id.hex(),
              "key=%s" % exporter.split_swapped(swapped_randoms)[1].hex(),
              "keyid=%s@myMAF.provider.org" % keyid.enc_tr0038(good[:16])]
    args = ["--capture", capture_of(matrix, case_id), "--scenario", "connection"]
    for claim in claims:
        args += ["--claim", claim]
    proc, cases = verify(kxconform, tmp_path, *args)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    mistakes = {name: c["mistake"] for name, c in claims_of(cases[0]).items()}
    assert mistakes == {"export": "wrong-label", "key_id": "split-swapped", "key": "randoms-swapped+split-swapped",
                        "keyid": "tr0038-example"}
    assert cases[0]["result"] == "fail"
    assert "the vendor's key_id (--claim) disagrees, split-swapped: " in cases[0]["diagnosis"]
    assert "randoms-swapped" in proc.stdout
    proc, cases = verify(kxconform, tmp_path, "--capture", capture_of(matrix, case_id), "--scenario", "connection",
                         "--claim", "export=%s" % swapped_randoms.hex())
    assert proc.returncode == 1
    assert claims_of(cases[0])["export"]["mistake"] == "randoms-swapped"


def test_e2e_claims_offline(kxconform, tmp_path, matrix):
    e2e, enrolment, exporter, _ = generator()
    case_id = "e2e.tls.openssl-wolfssl"
    master, cr, sr = session_of(matrix, case_id)
    ke = exporter.export("SHA-256", master, BOOTSTRAP, cr, sr)[16:]
    kpsa = enrolment.derive("Kpsa", ke, "mn-cse-123456")
    salt = enrolment.normalize("mn-cse-123456")
    ke2e, blocks = e2e.derive("SHA-512", salt, kpsa)
    _, per_key = e2e.variant_hkdf_per_key("SHA-256", salt, kpsa)
    args = ["--capture", capture_of(matrix, case_id), "--scenario", "e2e", "--claim", "ke2e_master=%s" % ke2e.hex(),
            "--claim", "t1=%s" % blocks[0].hex(), "--claim", "t4=%s" % blocks[3].hex(),
            "--claim", "t2=%s" % per_key[1].hex()]
    proc, cases = verify(kxconform, tmp_path, *args)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    claims = claims_of(cases[0])
    assert claims["ke2e_master"]["verdict"] == "agree" and claims["ke2e_master"]["hash"] == "SHA-512"
    assert claims["t1"]["verdict"] == "agree" and claims["t4"]["verdict"] == "agree"
    assert claims["t2"]["mistake"] == "hkdf-per-key" and claims["t2"]["hash"] == "SHA-256"


def test_claims_read_from_a_device_log(kxconform, tmp_path, matrix):
    case_id = "connection.dtls.wolfssl-openssl"
    m = matrix[1][case_id]
    log = tmp_path / "device.log"
    exported = m["exported"]["initiator"].upper()
    log.write_text("boot\nTLS keying material:\n  %s\n  %s\nKeyId=%s\n" % (
        exported[:48], exported[48:], m["key_identifier"]["readings"]["hexbinary"]))
    proc, cases = verify(kxconform, tmp_path, "--capture", capture_of(matrix, case_id), "--scenario", "connection",
                         "--vendor-output", log, "--claim-pattern", "export=keying material:\n(.*\n.*)",
                         "--claim-pattern", "keyid=KeyId=(.*)", "--keyid-reading", "hexbinary")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    claims = claims_of(cases[0])
    assert claims["export"]["verdict"] == "agree" and claims["export"]["source"] == "vendor output"
    assert claims["keyid"]["verdict"] == "accepted"


def test_classic_pcap_with_a_separate_key_log(kxconform, tmp_path, matrix):
    case_id = "connection.tls.openssl-wolfssl"
    pcap = tmp_path / "converted.pcap"
    subprocess.run(["tshark", "-r", str(capture_of(matrix, case_id)), "-F", "pcap", "-w", str(pcap)], check=True,
                   capture_output=True, timeout=60)
    proc, cases = verify(kxconform, tmp_path, "--capture", pcap, "--scenario", "connection")
    assert proc.returncode == 2
    assert "a pcap file cannot hold one" in proc.stderr
    keylog = capture_of(matrix, case_id, "keylog")
    proc, cases = verify(kxconform, tmp_path, "--capture", pcap, "--keylog", keylog, "--scenario", "connection")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert cases[0]["vendor"]["capture"]["secrets"] == str(keylog)
    assert cases[0]["exported"]["recomputed"] == matrix[1][case_id]["exported"]["initiator"]


def test_several_handshakes_need_a_choice_for_claims(kxconform, tmp_path, matrix):
    out, cases_by_id = matrix
    batch = out / "captures" / "all-cases.pcapng"
    proc, cases = verify(kxconform, tmp_path, "--capture", batch, "--label", CONNECTION)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(cases) == len(CASES)
    assert all(c["id"].startswith("verify.connection.") and ".packet" in c["id"] for c in cases)
    m = cases_by_id["connection.tls.openssl-wolfssl"]
    claim = "export=%s" % m["exported"]["initiator"]
    proc, _ = verify(kxconform, tmp_path / "x", "--capture", batch, "--label", CONNECTION, "--claim", claim)
    assert proc.returncode == 2 and "choose it with --client-random" in proc.stderr
    proc, cases = verify(kxconform, tmp_path / "y", "--capture", batch, "--label", CONNECTION, "--claim", claim,
                         "--client-random", m["initiator_report"]["client_random"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(cases) == 1 and claims_of(cases[0])["export"]["verdict"] == "agree"


def test_bad_input_is_a_clear_setup_error(kxconform, tmp_path, matrix):
    tls = capture_of(matrix, "connection.tls.openssl-wolfssl")
    pcap = tmp_path / "no-secrets.pcap"
    subprocess.run(["tshark", "-r", str(tls), "-F", "pcap", "-w", str(pcap)], check=True, capture_output=True,
                   timeout=60)
    other_keylog = capture_of(matrix, "connection.dtls.wolfssl-openssl", "keylog")
    data = tls.read_bytes()
    cut = tmp_path / "cut.pcapng"
    cut.write_bytes(data[:len(data) - 100])
    no_handshake = tmp_path / "udp.pcap"
    # A classic pcap (raw IPv4) holding one UDP datagram that is not DTLS.
    ip = bytes.fromhex("4500001d00004000401100007f0000017f000001" "1f4007d00009000041")
    no_handshake.write_bytes(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101) +
                             struct.pack("<IIII", 0, 0, len(ip), len(ip)) + ip)
    cut_keylog = tmp_path / "cut.keylog"
    cut_keylog.write_text(capture_of(matrix, "connection.tls.openssl-wolfssl", "keylog").read_text()[:100])
    cases = [
        (["--capture", pcap, "--keylog", other_keylog], "no CLIENT_RANDOM line for client random"),
        (["--capture", pcap, "--keylog", other_keylog], "the key log of another session?"),
        (["--capture", cut], "the file is cut short"),
        (["--capture", no_handshake, "--keylog", other_keylog], "no TLS or DTLS handshake"),
        (["--capture", pcap, "--keylog", cut_keylog], "is the file cut short?"),
        (["--capture", other_keylog, "--keylog", other_keylog], "neither a pcap nor a pcapng file"),
        (["--capture", tls, "--claim", "key=00"], "claim key is 1 byte;"),
        (["--capture", tmp_path / "missing.pcapng"], "missing.pcapng"),
    ]
    for args, words in cases:
        proc, report = verify(kxconform, tmp_path / "bad", *args, "--scenario", "connection")
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert words in proc.stderr, (args, proc.stderr)
        assert report is None
    proc, _ = verify(kxconform, tmp_path / "bad", "--capture", tls)
    assert proc.returncode == 2 and "--label LABEL or --scenario NAME" in proc.stderr


def test_real_loopback_capture_of_openssl(kxconform, tmp_path):
    """dumpcap on the loopback interface (Ethernet link type) while openssl s_client talks to s_server over
    TLS and DTLS with -keylogfile; verify agrees with the keying material each s_client printed."""
    if shutil.which("dumpcap") is None:
        pytest.fail("dumpcap is missing (Debian's tshark package installs it)")
    ports = [p for p in (_free_port(False), _free_port(True))]
    capture, keylog = tmp_path / "lo.pcapng", tmp_path / "lo.keylog"
    dumpcap = subprocess.Popen(["dumpcap", "-q", "-i", "lo", "-f", "tcp port %d or udp port %d" % tuple(ports),
                                "-w", str(capture)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while not capture.exists() or capture.stat().st_size == 0:
            if dumpcap.poll() is not None or time.monotonic() > deadline:
                pytest.skip("dumpcap cannot capture on lo here (needs root or CAP_NET_RAW): %s"
                            % dumpcap.stderr.read().decode(errors="replace")[-300:])
            time.sleep(0.05)
        time.sleep(0.3)
        printed = []
        for dtls, port in ((False, ports[0]), (True, ports[1])):
            extra = ["-dtls1_2", "-cipher", "ECDHE-ECDSA-AES128-CCM8"] if dtls else ["-tls1_2"]
            server = subprocess.Popen(["openssl", "s_server", "-accept", "127.0.0.1:%d" % port, "-cert",
                                       str(PKI / "maf.pem"), "-key", str(PKI / "maf.key"), "-CAfile",
                                       str(PKI / "root-ca.pem"), "-Verify", "1", *extra],
                                      stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                time.sleep(0.3)
                client = subprocess.Popen(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-cert",
                                           str(PKI / "mn-cse.pem"), "-key", str(PKI / "mn-cse.key"), "-CAfile",
                                           str(PKI / "root-ca.pem"), "-servername", "myMAF.provider.org", *extra,
                                           "-keylogfile", str(keylog), "-keymatexport", CONNECTION,
                                           "-keymatexportlen", "48"], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                # Its input stays open until it has printed the keying material, or it may quit first.
                deadline = time.monotonic() + 15
                for line in client.stdout:
                    if "Keying material:" in line:
                        printed.append(line.split(":")[1].strip())
                        break
                    assert time.monotonic() < deadline
                client.stdin.close()
                client.wait(timeout=10)
                assert len(printed) == (2 if dtls else 1)
            finally:
                server.kill()
                server.wait()
        time.sleep(0.5)
    finally:
        dumpcap.terminate()
        dumpcap.wait(timeout=10)
    proc, cases = verify(kxconform, tmp_path, "--capture", capture, "--keylog", keylog, "--scenario", "connection")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(c["vendor"]["session"]["version"] for c in cases) == ["DTLSv1.2", "TLSv1.2"]
    assert sorted(c["exported"]["recomputed"] for c in cases) == sorted(p.lower() for p in printed)
    for case in cases:
        proc, _ = verify(kxconform, tmp_path / case["id"], "--capture", capture, "--keylog", keylog, "--scenario",
                         "connection", "--client-random", case["vendor"]["session"]["client_random"], "--claim",
                         "key_id=%s" % case["exported"]["recomputed"][64:])
        assert proc.returncode == 1 and "split-swapped" in proc.stdout


def _free_port(udp):
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_escertke_without_client_authentication_is_named_offline(kxconform, tmp_path):
    """Spec README point 12 from a capture: a terminator that never asked for the initiator's
    certificate, seen in the plaintext handshake messages."""
    out = tmp_path / "matrix"
    ids = ["escertke.tls.openssl-wolfssl", "escertke.tls.openssl-wolfssl.no-client-authentication"]
    run = subprocess.run([str(kxconform), "run", "--output", str(out), "--filter", ids[0], "--filter", ids[1]],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout
    proc, cases = verify(kxconform, tmp_path / "good", "--capture", out / "captures" / (ids[0] + ".pcapng"),
                         "--scenario", "escertke")
    assert proc.returncode == 0 and cases[0]["result"] == "pass", proc.stdout
    proc, cases = verify(kxconform, tmp_path / "bad", "--capture", out / "captures" / (ids[1] + ".pcapng"),
                         "--scenario", "escertke")
    assert proc.returncode == 1 and cases[0]["result"] == "fail"
    assert "lacks CertificateRequest" in cases[0]["diagnosis"]
    assert "lacks the Initiating End-Point's Certificate and CertificateVerify" in cases[0]["diagnosis"]


def test_an_odd_length_hex_claim_is_named_as_such(kxconform, matrix, tmp_path):
    case_id = "connection.tls.openssl-wolfssl"
    proc, _ = verify(kxconform, tmp_path, "--capture", capture_of(matrix, case_id), "--scenario", "connection",
                     "--claim", "export=abc")
    assert proc.returncode == 2
    assert "claim export has an odd number of hex digits (3)" in proc.stderr


def test_a_capture_without_scenario_is_named_by_the_suite_scenario_that_exports_its_label(kxconform, tmp_path,
                                                                                          matrix):
    """Names come from the suite: renamed there, the scenario that exports with the label names the
    case; a label no scenario exports is a custom label."""
    out, _ = matrix
    batch = out / "captures" / "all-cases.pcapng"
    suite = json.loads((ROOT / "suites" / "onem2m.json").read_text(encoding="utf-8"))
    for scenario in suite["scenarios"]:
        scenario["name"] = "renamed-" + scenario["name"]
    renamed = tmp_path / "renamed.json"
    renamed.write_text(json.dumps(suite), encoding="utf-8")
    proc, cases = verify(kxconform, tmp_path / "a", "--capture", batch, "--label", CONNECTION, "--suite", renamed)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert cases and all(c["id"].startswith("verify.renamed-connection.") for c in cases)
    proc, cases = verify(kxconform, tmp_path / "b", "--capture", batch, "--label", "EXPERIMENTAL-vendor-label")
    assert cases and all(c["id"].startswith("verify.custom-label.") for c in cases)
