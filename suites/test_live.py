"""End-to-end tests of `kxconform live`: programs nobody here wrote play the
vendor. `openssl s_server`/`s_client` (-keymatexport) and `gnutls-serv`/
`gnutls-cli` (--keymatexport, Debian's gnutls-bin) meet the harness's end over
TLS and DTLS, with certificates from the build's PKI and with PSK, the harness
as server and as client. Their printed keying material is the claim; correct
claims pass, and wrong ones (the split swapped, a key identifier in another
reading, another label, an E2E derivation variant) fail with the mistake
named. A small filter stands in for a vendor device that prints what it
derived from the exported bytes, computed with the vectors' independent
generator (vectors/gen). Everything talks over loopback only, on free ports."""
import json
import socket
import subprocess
import sys
import textwrap
import time

import jsonschema
import pytest

from conftest import BUILD, ROOT

PKI = BUILD / "pki"
GEN = ROOT / "vectors" / "gen"
PSK_IDENTITY = "AE123456789012-Lock@in.provider.com"
PSK = "1a2b3c4d5e6f7a8b"  # OpenSSL and GnuTLS take it as hex on the command line
GNUTLS_PRIORITY = "NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-DTLS1.2:+SHA256:+AES-128-CCM-8:+PSK"
OPENSSL_PATTERN = "export=Keying material: ([0-9A-F]+)"
GNUTLS_PATTERN = "export=Key material: ([0-9a-f]+)"
CONNECTION = "EXPORTER-oneM2M-Connection"
BOOTSTRAP = "EXPORTER-oneM2M-Bootstrap"

# Per scenario: the vendor's certificate as server, as client, and the server name the client sends.
ENDS = {"connection": ("maf", "mn-cse", "myMAF.provider.org"),
        "bootstrap": ("mef", "enrolee", "mef.m2mprovider.org"),
        "e2e": ("mef", "enrolee", "mef.m2mprovider.org"),
        "psk": (None, None, "mn-cse-123456")}
LABELS = {"connection": CONNECTION, "bootstrap": BOOTSTRAP, "e2e": BOOTSTRAP, "psk": CONNECTION}


def free_port(udp=False):
    """A loopback port nothing uses now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def openssl_vendor(role, transport, scenario, label):
    """openssl s_server or s_client as the vendor; {port} and {pki} are filled in by kxconform."""
    server_cert, client_cert, sni = ENDS[scenario]
    dtls = transport == "dtls"
    if role == "server":
        cmd = ["openssl s_server -accept 127.0.0.1:{port}"]
    else:
        cmd = ["openssl s_client -connect 127.0.0.1:{port} -servername %s" % sni]
    cmd.append("-dtls1_2" if dtls else "-tls1_2")
    if scenario == "psk":
        # OpenSSL's PSK is hex on the command line; s_server needs -nocert or it looks for server.pem.
        cmd.append("-psk %s %s" % (PSK, "-nocert" if role == "server" else "-psk_identity " + PSK_IDENTITY))
        cmd.append("-cipher %s" % ("PSK-AES128-CCM8" if dtls else "PSK-AES128-CBC-SHA256"))
    else:
        cert = server_cert if role == "server" else client_cert
        cmd.append("-cert {pki}/%s.pem -key {pki}/%s.key -CAfile {pki}/root-ca.pem" % (cert, cert))
        if role == "server":
            cmd.append("-Verify 1")
        if dtls:
            cmd.append("-cipher ECDHE-ECDSA-AES128-CCM8")  # not in OpenSSL's default list
    cmd.append("-keymatexport %s -keymatexportlen 48" % label)
    return " ".join(cmd)


def gnutls_vendor(role, transport, scenario, label, pskfile):
    """gnutls-serv or gnutls-cli as the vendor."""
    server_cert, client_cert, sni = ENDS[scenario]
    if role == "server":
        cmd = ["gnutls-serv -p {port} --echo"]
    else:
        cmd = ["gnutls-cli -p {port} 127.0.0.1 --sni-hostname=%s" % sni]
    if transport == "dtls":
        cmd.append("-u")
    if scenario == "psk":
        # gnutls-serv reads PSKs from a file of identity:hexkey lines; gnutls-cli takes them inline.
        cmd.append("--pskpasswd %s" % pskfile if role == "server"
                   else "--pskusername %s --pskkey %s" % (PSK_IDENTITY, PSK))
    else:
        cert = server_cert if role == "server" else client_cert
        cmd.append("--x509certfile {pki}/%s.pem --x509keyfile {pki}/%s.key --x509cafile {pki}/root-ca.pem"
                   % (cert, cert))
        cmd.append("--require-client-cert" if role == "server" else "--verify-hostname=%s" % sni)
    cmd.append("--priority %s --keymatexport=%s --keymatexportsize=48" % (GNUTLS_PRIORITY, label))
    return " ".join(cmd)


def check_report(report):
    """The report has the matrix's layout (docs/report.schema.json), plus the case member `vendor` that
    holds what only the vendor modes have (the claims, the vendor program, the reference they were
    judged by)."""
    path = ROOT / "docs" / "report.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(report)


def live(kxconform, out, *args, timeout=60):
    """Runs kxconform live; returns the process and the one case of its report (None if none)."""
    started = time.monotonic()
    proc = subprocess.run([str(kxconform), "live", "--output", str(out), *map(str, args)], capture_output=True,
                          text=True, timeout=timeout)
    proc.seconds = time.monotonic() - started
    report = out / "reports" / "report.json"
    case = None
    if report.exists():
        data = json.loads(report.read_text(encoding="utf-8"))
        check_report(data)
        assert len(data["cases"]) == 1
        case = data["cases"][0]
    return proc, case


def where(harness_role, transport):
    """The harness's --connect or --listen arguments."""
    if harness_role == "client":
        return ["--connect", "127.0.0.1:%d" % free_port(transport == "dtls")]
    return ["--listen", "127.0.0.1:0"]


def claims_of(case):
    return {c["name"]: c for c in case["vendor"]["claims"]}


@pytest.fixture
def pskfile(tmp_path):
    path = tmp_path / "psk.txt"
    path.write_text("%s:%s\n" % (PSK_IDENTITY, PSK))
    return path


@pytest.mark.parametrize("credential", ["cert", "psk"])
@pytest.mark.parametrize("transport", ["tls", "dtls"])
@pytest.mark.parametrize("harness_role", ["client", "server"])
@pytest.mark.parametrize("tool", ["openssl", "gnutls"])
def test_vendor_export_agrees(kxconform, tmp_path, pskfile, tool, harness_role, transport, credential):
    scenario = "connection" if credential == "cert" else "psk"
    vendor_role = "server" if harness_role == "client" else "client"
    label = LABELS[scenario]
    if tool == "openssl":
        command, pattern = openssl_vendor(vendor_role, transport, scenario, label), OPENSSL_PATTERN
    else:
        command, pattern = gnutls_vendor(vendor_role, transport, scenario, label, pskfile), GNUTLS_PATTERN
    # gnutls-serv's UDP mode prints nothing about the session, key material included: no claim to read.
    silent = tool == "gnutls" and vendor_role == "server" and transport == "dtls"
    args = ["--role", harness_role, "--transport", transport, "--scenario", scenario, "--label", label,
            *where(harness_role, transport), "--launch", command]
    if not silent:
        args += ["--claim-pattern", pattern]
    proc, case = live(kxconform, tmp_path, *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pairing = "openssl-vendor" if harness_role == "client" else "vendor-openssl"
    assert case["id"] == "live.%s.%s.%s" % (scenario, transport, pairing)
    assert case["result"] == "pass" and case["met"] is True
    assert case["outcome"] == "completed"
    exported = case["exported"]
    own = exported["initiator" if harness_role == "client" else "terminator"]
    assert own == exported["recomputed"] and exported["recomputed_by"] == "wolfssl, openssl"
    report = case["initiator_report" if harness_role == "client" else "terminator_report"]
    assert report["version"] == ("DTLSv1.2" if transport == "dtls" else "TLSv1.2")
    if silent:
        assert case["vendor"]["claims"] == [] and "no claims" in case["vendor"]["note"]
        # The echo server sent the harness's application data back, decrypted by the harness's end.
        assert case["vendor"]["application_data"] == ["kxconform live: application data from the harness\n"]
    else:
        export = claims_of(case)["export"]
        assert export["verdict"] == "agree" and export["source"] == "vendor output"
        assert export["claimed"].lower() == own
    assert (tmp_path / "captures" / ("%s.pcapng" % case["id"])).stat().st_size > 0
    assert proc.seconds < 10


def test_wolfssl_as_the_harness_end_over_dtls(kxconform, tmp_path):
    """The user picks the harness's library; wolfSSL's DTLS server always sends HelloVerifyRequest."""
    for role, vendor in (("server", "client"), ("client", "server")):
        out = tmp_path / role
        proc, case = live(kxconform, out, "--backend", "wolfssl", "--role", role, "--transport", "dtls",
                          "--scenario", "bootstrap", *where(role, "dtls"), "--claim-pattern", OPENSSL_PATTERN,
                          "--launch", openssl_vendor(vendor, "dtls", "bootstrap", BOOTSTRAP))
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert case["vendor"]["harness"]["backend"] == "wolfssl"
        assert case["exported"]["recomputed_by"] == "openssl, wolfssl"
        assert claims_of(case)["export"]["verdict"] == "agree"
        if role == "server":
            assert "HelloVerifyRequest" in " ".join(f["items"] for f in case["flights"])


SPLITTING_PROXY = textwrap.dedent('''
    """Forwards TCP between the harness and a server in pieces of 7 bytes, so that records arrive cut."""
    import socket, sys, threading, time
    listen, target = int(sys.argv[1]), int(sys.argv[2])
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", listen))
    s.listen(1)
    a, _ = s.accept()
    for _ in range(100):
        try:
            b = socket.create_connection(("127.0.0.1", target))
            break
        except OSError:
            time.sleep(0.05)
    for x in (a, b):
        x.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    def pump(src, dst):
        while True:
            data = src.recv(4096)
            if not data:
                break
            for i in range(0, len(data), 7):
                dst.sendall(data[i:i + 7])
                time.sleep(0.0005)
    threading.Thread(target=pump, args=(b, a), daemon=True).start()
    pump(a, b)
''')


@pytest.mark.parametrize("backend", ["openssl", "wolfssl"])
def test_records_cut_across_reads_are_buffered(kxconform, tmp_path, backend):
    """TCP delivers what is available: the harness's session must wait for the rest of a record."""
    proxy = tmp_path / "proxy.py"
    proxy.write_text(SPLITTING_PROXY)
    inner = free_port()
    server = openssl_vendor("server", "tls", "connection", CONNECTION).replace("{port}", str(inner))
    # The proxy in the background (its input is /dev/null), the server in front with the kept-open input.
    command = "%s %s {port} %d & exec %s" % (sys.executable, proxy, inner, server)
    proc, case = live(kxconform, tmp_path, "--backend", backend, "--role", "client", "--scenario", "connection",
                      *where("client", "tls"), "--launch", command, "--claim-pattern", OPENSSL_PATTERN)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert claims_of(case)["export"]["verdict"] == "agree"


def test_swapped_split_is_named(kxconform, tmp_path):
    """A vendor that takes the identifier from the end and the key from the start."""
    proc, case = live(kxconform, tmp_path, "--role", "client", "--scenario", "connection",
                      *where("client", "tls"), "--launch", openssl_vendor("server", "tls", "connection", CONNECTION),
                      "--claim-pattern", "key_id=Keying material: [0-9A-F]{64}([0-9A-F]{32})",
                      "--claim-pattern", "key=Keying material: ([0-9A-F]{64})")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    claims = claims_of(case)
    for name in ("key_id", "key"):
        assert claims[name]["verdict"] == "disagree"
        assert claims[name]["mistake"] == "split-swapped"
    assert case["result"] == "fail"
    assert "the vendor's key_id, key (vendor output) disagree, split-swapped: " in case["diagnosis"]
    assert "key_id       DISAGREES  split-swapped" in proc.stdout


@pytest.mark.parametrize("tool", ["openssl", "gnutls"])
def test_wrong_label_is_named(kxconform, tmp_path, pskfile, tool):
    """The vendor exports with the Bootstrap label in the MAF connection scenario."""
    vendor = (openssl_vendor("client", "tls", "connection", BOOTSTRAP) if tool == "openssl"
              else gnutls_vendor("client", "tls", "connection", BOOTSTRAP, pskfile))
    proc, case = live(kxconform, tmp_path, "--role", "server", "--scenario", "connection",
                      *where("server", "tls"), "--launch", vendor,
                      "--claim-pattern", OPENSSL_PATTERN if tool == "openssl" else GNUTLS_PATTERN)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    export = claims_of(case)["export"]
    assert export["mistake"] == "wrong-label"
    assert BOOTSTRAP in export["explanation"]
    assert "wrong-label" in proc.stdout


DEVICE = textwrap.dedent('''
    """A stand-in vendor device: passes its input through and, after the keying material
    line of openssl or gnutls, prints what it derived from those bytes."""
    import base64, re, sys
    sys.path.insert(0, sys.argv[1])
    import e2e, enrolment, keyid
    reading, fqdn, variant, enrolee = sys.argv[2:6]
    for line in sys.stdin:
        sys.stdout.write(line)
        m = re.search(r"Key(?:ing)? material: ([0-9A-Fa-f]{96})", line)
        if m:
            out = bytes.fromhex(m.group(1))
            kid, ke = out[:16], out[16:]
            encode = {"reference": keyid.enc_reference, "hexbinary": keyid.enc_hexbinary,
                      "tr0038-example": keyid.enc_tr0038, "unpadded": keyid.enc_unpadded}[reading]
            print("KeyId: %s@%s" % (encode(kid), fqdn))
            if enrolee != "-":
                kpsa = enrolment.derive("Kpsa", ke, enrolee)
                derive = e2e.derive if variant == "reference" else getattr(e2e, "variant_" + variant.replace("-", "_"))
                master, blocks = derive("SHA-256", enrolment.normalize(enrolee), kpsa)
                print("Ke2e_master: %s" % master.hex())
                for i, block in enumerate(blocks, 1):
                    print("T%d: %s" % (i, block.hex()))
        sys.stdout.flush()
''')


@pytest.fixture
def device(tmp_path):
    path = tmp_path / "device.py"
    path.write_text(DEVICE)
    return path


def device_vendor(device, reading, fqdn, variant="reference", enrolee="-", scenario="connection"):
    """openssl s_server whose output goes through the device filter (one process group: both end)."""
    return "%s 2>&1 | %s -u %s %s %s %s %s %s" % (
        openssl_vendor("server", "tls", scenario, LABELS[scenario]), sys.executable, device, GEN, reading, fqdn,
        variant, enrolee)


KEYID_PATTERN = "keyid=KeyId: ([^ ]+)"


@pytest.mark.parametrize("reading", ["hexbinary", "tr0038-example", "unpadded"])
def test_key_identifier_in_another_reading_is_named(kxconform, tmp_path, device, reading):
    proc, case = live(kxconform, tmp_path, "--role", "client", "--scenario", "connection",
                      *where("client", "tls"), "--launch", device_vendor(device, reading, "myMAF.provider.org"),
                      "--claim-pattern", KEYID_PATTERN)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    claim = claims_of(case)["keyid"]
    assert claim["verdict"] == "disagree" and claim["mistake"] == reading and claim["reading"] == reading
    assert claim["expected"] == case["key_identifier"]["readings"]["reference"]
    assert claim["claimed"] == case["key_identifier"]["readings"][reading]


def test_declared_key_identifier_reading_is_accepted_not_reference(kxconform, tmp_path, device):
    proc, case = live(kxconform, tmp_path, "--role", "client", "--scenario", "connection",
                      *where("client", "tls"), "--launch", device_vendor(device, "hexbinary", "myMAF.provider.org"),
                      "--claim-pattern", KEYID_PATTERN, "--keyid-reading", "hexbinary")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    claim = claims_of(case)["keyid"]
    assert claim["verdict"] == "accepted" and "not the reference" in claim["explanation"]


def test_reference_key_identifier_and_wrong_fqdn(kxconform, tmp_path, device):
    proc, case = live(kxconform, tmp_path / "ok", "--role", "client", "--scenario", "connection",
                      *where("client", "tls"), "--launch", device_vendor(device, "reference", "myMAF.provider.org"),
                      "--claim-pattern", KEYID_PATTERN)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert claims_of(case)["keyid"]["verdict"] == "agree"
    proc, case = live(kxconform, tmp_path / "fqdn", "--role", "client", "--scenario", "connection",
                      *where("client", "tls"), "--launch", device_vendor(device, "reference", "other.provider.org"),
                      "--claim-pattern", KEYID_PATTERN)
    assert proc.returncode == 1
    assert claims_of(case)["keyid"]["mistake"] == "wrong-fqdn"


E2E_PATTERNS = ["--claim-pattern", "ke2e_master=Ke2e_master: ([0-9a-f]+)"] + [
    x for i in range(1, 5) for x in ("--claim-pattern", "t%d=T%d: ([0-9a-f]+)" % (i, i))]


@pytest.mark.parametrize("variant,wrong", [("reference", []), ("hkdf-single-info", ["t2", "t3", "t4"]),
                                           ("extract-swapped", ["ke2e_master", "t1", "t2", "t3", "t4"])])
def test_e2e_keys_and_their_variants(kxconform, tmp_path, device, variant, wrong):
    vendor = device_vendor(device, "reference", "mef.m2mprovider.org", variant, "mn-cse-123456", scenario="e2e")
    proc, case = live(kxconform, tmp_path, "--role", "client", "--scenario", "e2e", *where("client", "tls"),
                      "--launch", vendor, *E2E_PATTERNS)
    assert proc.returncode == (1 if wrong else 0), proc.stdout + proc.stderr
    claims = claims_of(case)
    assert set(claims) == {"ke2e_master", "t1", "t2", "t3", "t4"}
    for name, claim in claims.items():
        if name in wrong:
            assert claim["verdict"] == "disagree" and claim["mistake"] == variant, (name, claim)
        else:
            assert claim["verdict"] == "agree", (name, claim)
    assert case["vendor"]["reference"]["e2e"]["enrolee_b_id"] == "mn-cse-123456"


# ---- bad input ----------------------------------------------------------------------

SILENT_PEER = textwrap.dedent('''
    import socket, sys, time
    mode, port = sys.argv[1], int(sys.argv[2])
    kind = socket.SOCK_DGRAM if mode == "udp" else socket.SOCK_STREAM
    s = socket.socket(socket.AF_INET, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    if mode != "udp":
        s.listen(1)
        c, _ = s.accept()
        c.recv(4096)
        if mode == "close":
            c.close()
    time.sleep(60)
''')


@pytest.mark.parametrize("mode,transport,words", [
    ("silent", "tls", "did not complete within 1000 ms"),
    ("udp", "dtls", "did not complete within 1500 ms"),
    ("close", "tls", "the vendor closed the connection during the handshake, after flight 1 from the harness "
                     "(ClientHello)"),
])
def test_peer_that_never_answers_or_closes_is_a_clear_error(kxconform, tmp_path, mode, transport, words):
    peer = tmp_path / "peer.py"
    peer.write_text(SILENT_PEER)
    limit = 1500 if transport == "dtls" else 1000
    proc, case = live(kxconform, tmp_path, "--role", "client", "--transport", transport, "--scenario", "connection",
                      "--timeout", limit, *where("client", transport),
                      "--launch", "%s %s %s {port}" % (sys.executable, peer, mode))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert words in case["diagnosis"]
    assert case["result"] == ("fail" if mode == "close" else "error")
    assert proc.seconds < limit / 1000 + 4


def test_setup_errors_exit_2(kxconform, tmp_path):
    port = free_port()
    cases = [
        (["--role", "client", "--connect", "127.0.0.1:%d" % port], "Connection refused"),
        (["--role", "client", "--connect", "192.0.2.1:4433"], "not a loopback address"),
        (["--role", "client", "--connect", "127.0.0.1:%d" % port, "--claim", "key_id=0011"],
         "claim key_id is 2 bytes;"),
        (["--role", "client", "--connect", "127.0.0.1:%d" % port, "--claim", "export=xyz"], "claim export is not hex"),
        (["--role", "client", "--connect", "127.0.0.1:%d" % port, "--claim", "t9=00"], "bad claim"),
        (["--role", "client", "--connect", "127.0.0.1:%d" % port, "--launch", "true", "--claim-pattern", "export=(x"],
         "not a POSIX extended regular expression"),
        (["--role", "client", "--connect", "127.0.0.1:%d" % port, "--launch", "true", "--claim-pattern",
          "export=Keying material"], "has no group"),
        (["--role", "client", "--connect", "127.0.0.1:%d" % port, "--claim-pattern", "export=(.*)"], "give --launch"),
        (["--role", "server", "--connect", "127.0.0.1:%d" % port], "needs --listen"),
        (["--role", "client", "--scenario", "escertke", "--connect", "127.0.0.1:1"],
         'scenario escertke is played as "escertke": live plays one (D)TLS handshake'),
        (["--role", "client", "--scenario", "maf-association", "--connect", "127.0.0.1:1"], 'played as "maf"'),
        (["--role", "client", "--scenario", "no-such-scenario", "--connect", "127.0.0.1:1"],
         "scenario no-such-scenario has no tls case"),
        (["--role", "client", "--scenario", "psk", "--connect", "127.0.0.1:%d" % port], "--label"),
        (["--role", "client", "--connect", "127.0.0.1:%d" % port, "--launch", "exit 3"], "exited with status 3"),
        (["--role", "server", "--listen", "127.0.0.1:0", "--timeout", "500"], "no vendor connected within 500 ms"),
        (["--role", "client", "--transport", "dtls", "--connect", "127.0.0.1:%d" % free_port(True)],
         "ICMP port unreachable"),
    ]
    for args, words in cases:
        proc, case = live(kxconform, tmp_path, *args)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert words in proc.stderr, (args, proc.stderr)
        assert case is None


def ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not ipv6_loopback(), reason="this machine has no IPv6 loopback (::1)")
def test_ipv6_host_is_bracketed_where_a_port_follows(kxconform, tmp_path):
    """{host}:{port} over IPv6 is [::1]:PORT, which every tool reads; ::1:PORT is no address."""
    vendor = openssl_vendor("client", "tls", "connection", CONNECTION).replace("127.0.0.1:{port}", "{host}:{port}")
    proc, case = live(kxconform, tmp_path, "--role", "server", "--listen", "[::1]:0", "--scenario", "connection",
                      "--launch", vendor, "--claim-pattern", OPENSSL_PATTERN)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "-connect [::1]:" in case["vendor"]["command"]
    assert claims_of(case)["export"]["verdict"] == "agree"


# ---- what the vendor sent when the deadline passed ---------------------------------------

LATE_PEER = textwrap.dedent('''
    """Sends something and then nothing, writing the time it sent it: junk as the first datagram to a
    DTLS server, or after the harness's ClientHello the start of a TLS record and not its rest."""
    import socket, sys, time
    mode, port, stamp = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if mode == "junk":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        open(stamp, "w").write(repr(time.time()))
        s.sendto(b"GET / HTTP/1.0\\r\\n\\r\\n: no DTLS record", ("127.0.0.1", port))
    else:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen(1)
        c, _ = s.accept()
        c.recv(4096)
        time.sleep(0.3)
        open(stamp, "w").write(repr(time.time()))
        c.sendall(bytes([22, 3, 3, 0, 80, 2, 0]))  # a handshake record header and 2 of its 80 bytes
    time.sleep(60)
''')


@pytest.mark.parametrize("mode", ["junk", "partial"])
def test_vendor_bytes_when_the_deadline_passes_are_recorded_with_their_arrival(kxconform, tmp_path, mode):
    """What the vendor sent after the harness's last flight is a recorded flight, timed when it arrived,
    and the diagnosis says what it was instead of "nothing more came from the vendor"."""
    peer, stamp = tmp_path / "peer.py", tmp_path / "sent-at"
    peer.write_text(LATE_PEER)
    role, transport = ("server", "dtls") if mode == "junk" else ("client", "tls")
    proc, case = live(kxconform, tmp_path, "--role", role, "--transport", transport, "--scenario", "connection",
                      "--timeout", 1500, *where(role, transport),
                      "--launch", "%s %s %s {port} %s" % (sys.executable, peer, mode, stamp))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "nothing more came from the vendor" not in case["diagnosis"]
    vendor = [f for f in case["flights"] if f["from"] == ("initiator" if role == "server" else "terminator")]
    assert len(vendor) == 1, case["flights"]
    late = vendor[0]
    assert late["written"] == (34 if mode == "junk" else 7)
    sent_at = float(stamp.read_text())
    assert abs(late["at_us"] / 1e6 - sent_at) < 0.25, (late["at_us"] / 1e6, sent_at)  # not at the deadline
    if mode == "junk":
        assert "what the vendor sent before the harness sent anything is not DTLS records: flight 1" \
            in case["diagnosis"]
    else:
        assert ("what the vendor sent after the harness's flight 1 (ClientHello) ends in an incomplete record: "
                "flight 2") in case["diagnosis"]


@pytest.mark.skipif(not ipv6_loopback(), reason="this machine has no IPv6 loopback (::1)")
def test_fragmented_client_hello_dropped_by_the_harness_library_is_not_blamed_on_the_vendor(kxconform, tmp_path):
    """A vendor ClientHello over IPv6 at MTU 256 comes in two datagrams once it carries the cookie;
    wolfSSL 5.5.4's DTLS server drops it. The diagnosis says the harness's end did not answer, why, and to
    try the other backend, which completes the same handshake."""
    vendor = ("openssl s_client -dtls1_2 -mtu 256 -connect {host}:{port} -servername myMAF.provider.org "
              "-cert {pki}/mn-cse.pem -key {pki}/mn-cse.key -CAfile {pki}/root-ca.pem -cipher ECDHE-ECDSA-AES128-CCM8")
    proc, case = live(kxconform, tmp_path / "wolfssl", "--backend", "wolfssl", "--role", "server", "--transport",
                      "dtls", "--listen", "[::1]:0", "--scenario", "connection", "--timeout", 3000, "--launch", vendor)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert case["result"] == "error" and "nothing more came from the vendor" not in case["diagnosis"]
    assert "the harness's end (wolfssl) did not answer what the vendor sent after the harness's flight 2 " \
           "(HelloVerifyRequest)" in case["diagnosis"]
    assert "fragmented over 2 datagrams" in case["diagnosis"] and "--backend openssl" in case["diagnosis"]
    hello = [f for f in case["flights"] if f["from"] == "initiator"][-1]
    assert hello["items"].startswith("ClientHello") and hello["datagrams"] == 2
    other, case = live(kxconform, tmp_path / "openssl", "--backend", "openssl", "--role", "server", "--transport",
                       "dtls", "--listen", "[::1]:0", "--scenario", "connection", "--timeout", 3000, "--launch", vendor)
    assert other.returncode == 0, other.stdout + other.stderr
