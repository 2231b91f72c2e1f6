"""End-to-end tests of `kxconform http`: ESCertKE over the oneM2M HTTP binding
(TS-0001 11.4.3, TS-0009) between the harness and its own reference
end-points in both roles, the requests a vendor gets wrong refused with the
status codes TS-0004 defines and named in the report, a vendor terminator's
wrong answers named, and every wait bounded. Loopback only, free ports
(the listener binds port 0 and prints the one it got)."""
import base64
import http.client
import http.server
import json
import os
import re
import socket
import ssl
import subprocess
import threading
import time
from contextlib import contextmanager

import pytest

from conftest import BUILD, ROOT, built

ORIGIN = "CAE123456789012-Lock"  # the suite's Initiating End-Point (suites/onem2m.json)
TARGET = "/~/in-cse"  # TS-0009's Request-Target for the SP-relative To "/in-cse"
SCHEMA = ROOT / "docs" / "report.schema.json"


def kx(*args, timeout=30):
    return subprocess.run([str(built("kxconform")), "http", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


def report_of(out):
    report = json.loads((out / "reports" / "report.json").read_text(encoding="utf-8"))
    assert len(report["cases"]) == 1
    return report, report["cases"][0]


def check_schema(report):
    """The report has the layout of a matrix run's (docs/report.schema.json), with this mode's members."""
    import jsonschema

    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(report)


@contextmanager
def listener(tmp_path, *args, name="listen"):
    """A `kxconform http listen` on a free loopback port; yields (process, base URL, output dir)."""
    out = tmp_path / name
    proc = subprocess.Popen([str(built("kxconform")), "http", "listen", "--bind", "127.0.0.1:0", "--output", str(out),
                             *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        match = re.search(r"listening on (http://127\.0\.0\.1:(\d+))/~/in-cse", line)
        assert match, line + proc.stderr.read()
        yield proc, match.group(1), int(match.group(2)), out
    finally:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise


def finish(proc):
    stdout, stderr = proc.communicate(timeout=15)
    return proc.returncode, stdout, stderr


def post(port, body, origin=ORIGIN, ri="rq-1", path=TARGET, method="POST", content_type="application/json",
         extra=None):
    """One request the way a vendor would write it; returns (status, headers, parsed JSON body or None)."""
    headers = {"X-M2M-RVI": "3"}
    if origin is not None:
        headers["X-M2M-Origin"] = origin
    if ri is not None:
        headers["X-M2M-RI"] = ri
    if content_type is not None:
        headers["Content-Type"] = content_type
    headers.update(extra or {})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    try:
        parsed = json.loads(payload) if payload else None
    except ValueError:
        parsed = None
    return response.status, {k.lower(): v for k, v in response.getheaders()}, parsed


def seci(message, sit=6):
    return {"m2m:seci": {"sit": sit, "eckm": base64.b64encode(message).decode()}}


def client_hello():
    """A real TLS 1.2 ClientHello from Python's ssl, as message 1 of a vendor's Initiating End-Point."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers("ECDHE-ECDSA-AES128-SHA256")
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname="my.m2mprovider.org")
    with pytest.raises(ssl.SSLWantReadError):
        tls.do_handshake()
    return outgoing.read()


# ---- the harness against itself, both roles ------------------------------------------------


@pytest.mark.parametrize("terminator,initiator", [("openssl", "wolfssl"), ("wolfssl", "openssl")])
def test_escertke_over_http_between_reference_end_points(tmp_path, terminator, initiator):
    with listener(tmp_path, "--backend", terminator) as (proc, url, _, listen_out):
        ini_out = tmp_path / "initiate"
        started = time.monotonic()
        ini = kx("initiate", "--backend", initiator, "--url", url, "--output", ini_out)
        status, stdout, stderr = finish(proc)
    assert ini.returncode == 0, ini.stdout + ini.stderr
    assert status == 0, stdout + stderr
    assert time.monotonic() - started < 15

    ter_report, ter = report_of(listen_out)
    ini_report, ini_case = report_of(ini_out)
    assert ter["id"] == "http.escertke.tls.vendor-%s" % terminator
    assert ini_case["id"] == "http.escertke.tls.%s-vendor" % initiator
    for report, case, role in ((ter_report, ter, "terminator"), (ini_report, ini_case, "initiator")):
        check_schema(report)
        assert case["result"] == "pass" and case["met"] is True, case["diagnosis"]
        assert case["outcome"] == "completed"
        assert report["summary"]["pass"] == 1 and report["summary"]["unmet"] == 0
        assert case["scenario"] == "escertke" and case["transport"] == "tls" and case["suite"] == "0xC023"
        assert case["http"]["role"] == role and case["http"]["binding"] == "TS-0009"
        assert case["http"]["refused"] == []
        assert [x["status"] for x in case["http"]["exchanges"]] == [200, 200]
        # Four ESCertKE messages, each what Table 8.7.2.2-1 allows, each with the HTTP message that carried it.
        flights = case["flights"]
        assert [f["escertke_message"] for f in flights] == [1, 2, 3, 4]
        assert flights[0]["items"] == "ClientHello"
        assert flights[1]["items"].startswith("ServerHello, Certificate, ServerKeyExchange, CertificateRequest")
        assert flights[2]["items"].endswith("ChangeCipherSpec, Finished")
        assert flights[3]["items"] == "ChangeCipherSpec, Finished"
        for f in flights:
            text = f["primitive"]
            body = json.loads(text.split("\r\n\r\n", 1)[1])
            assert base64.b64decode(body["m2m:seci"]["eckm"])[:1] in (b"\x14", b"\x16")
            assert body["m2m:seci"]["sit"] == 6 and list(body) == ["m2m:seci"]
            if f["notify"] == "request":
                assert text.startswith("POST %s HTTP/1.1\r\n" % TARGET)
                assert "X-M2M-Origin: %s\r\n" % ORIGIN in text and "X-M2M-RI: " in text
                assert "Content-Type: application/json\r\n" in text and "ty=" not in text
            else:
                assert text.startswith("HTTP/1.1 200 OK\r\n") and "X-M2M-RSC: 2000\r\n" in text
        # The two NOTIFY requests are distinct requests of one originator (TS-0001 11.4.3 C.1.c).
        ris = [re.search(r"X-M2M-RI: (\S+)", f["primitive"]).group(1) for f in flights]
        assert ris[0] == ris[1] and ris[2] == ris[3] and ris[0] != ris[2]
        assert case["capture"]["verified"] is True, case["capture"]
        assert (report_path := case["capture"]["pcapng"]) and os.path.exists(report_path)
    # Both ends exported the same pairwiseE2EKey, and both reference libraries agree with each.
    assert ter["exported"]["terminator"] == ini_case["exported"]["initiator"]
    assert ter["exported"]["recomputed"] == ter["exported"]["terminator"]
    # Only the reference libraries recompute, both of them, whichever end the harness plays.
    assert ter["exported"]["recomputed_by"] == "openssl, wolfssl"
    assert ini_case["exported"]["recomputed_by"] == "openssl, wolfssl"
    assert ter["terminator_report"]["sni"] == "my.m2mprovider.org"


def test_wrong_claim_is_named(tmp_path):
    with listener(tmp_path) as (proc, url, _, _out):
        ini = kx("initiate", "--backend", "wolfssl", "--url", url, "--output", tmp_path / "i",
                 "--claim", "export=" + "00" * 48, "--claim", "keyid=AAAA@my.example", "--fqdn", "my.example")
        finish(proc)
    assert ini.returncode == 1
    _, case = report_of(tmp_path / "i")
    assert case["outcome"] == "completed" and case["result"] == "fail"
    verdicts = {c["name"]: c for c in case["claims"]["claims"]}
    assert verdicts["export"]["verdict"] == "disagree"
    assert verdicts["keyid"]["verdict"] == "disagree"
    assert "the vendor's export (--claim) disagrees" in case["diagnosis"]
    assert set(case["key_identifier"]["readings"]) >= {"reference", "hexbinary"}


def test_python_ssl_as_the_vendor_initiator(tmp_path):
    """Another TLS client than the harness's drivers (Python's ssl over memory BIOs) plays the vendor's
    Initiating End-Point through the HTTP binding; the listening harness completes ESCertKE with it."""
    pki = BUILD / "pki"
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False  # TS-0003 names (my.m2mprovider.org/in-cse) are not host names
    ctx.load_verify_locations(str(pki / "root-ca.pem"))
    ctx.load_cert_chain(str(pki / "ae.pem"), str(pki / "ae.key"))
    ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers("ECDHE-ECDSA-AES128-SHA256")
    ctx.options |= ssl.OP_NO_TICKET
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname="my.m2mprovider.org")
    with listener(tmp_path) as (proc, _, port, out):
        for exchange in (1, 2):
            with pytest.raises(ssl.SSLWantReadError):
                tls.do_handshake()
            status, headers, body = post(port, seci(outgoing.read()), ri="py-%d" % exchange)
            assert (status, headers["x-m2m-rsc"], headers["x-m2m-ri"]) == (200, "2000", "py-%d" % exchange)
            incoming.write(base64.b64decode(body["m2m:seci"]["eckm"]))
        tls.do_handshake()
        code, stdout, stderr = finish(proc)
    assert tls.version() == "TLSv1.2" and tls.cipher()[0] == "ECDHE-ECDSA-AES128-SHA256"
    assert code == 0, stdout + stderr
    _, case = report_of(out)
    assert case["result"] == "pass" and case["outcome"] == "completed"
    assert case["terminator_report"]["peer_names"]


def test_vendor_initiator_that_stops_after_message_2(tmp_path):
    with listener(tmp_path, "--wait", "1000") as (proc, _, port, out):
        assert post(port, seci(client_hello()))[0] == 200
        code, _, _ = finish(proc)
    assert code == 1
    _, case = report_of(out)
    assert case["result"] == "fail" and case["outcome"] == "stalled"
    assert "sent no message 3 within 1000 ms" in case["diagnosis"]
    assert [f["escertke_message"] for f in case["flights"]] == [1, 2]


# ---- a vendor's bad requests, refused by the listening harness -------------------------------

HELLO_LIKE = b"\x16\x03\x03\x00\x04\x01\x00\x00\x00"

BAD_REQUESTS = [
    # name, request arguments, HTTP status, X-M2M-RSC
    ("missing-origin", dict(body=seci(HELLO_LIKE), origin=None), 400, 4000),
    ("missing-request-identifier", dict(body=seci(HELLO_LIKE), ri=None), 400, 4000),
    ("wrong-sit", dict(body=seci(HELLO_LIKE, sit=5)), 400, 4000),
    ("bad-eckm-base64", dict(body={"m2m:seci": {"sit": 6, "eckm": "FgMD-_AE"}}), 400, 4000),
    ("missing-eckm", dict(body={"m2m:seci": {"sit": 6}}), 400, 4000),
    ("no-security-info", dict(body={"m2m:rqp": {"op": 5, "pc": seci(HELLO_LIKE)}}), 400, 4000),
    ("body-not-json", dict(body=b"eckm=FgMD"), 400, 4000),
    ("unsupported-media-type", dict(body=seci(HELLO_LIKE), content_type="application/xml"), 415, 4015),
    ("create-not-notify", dict(body=seci(HELLO_LIKE), content_type="application/json;ty=2"), 405, 4005),
    ("wrong-method", dict(body=None, method="GET"), 405, 4005),
    ("wrong-target", dict(body=seci(HELLO_LIKE), path="/~/mn-cse-123456"), 404, 4004),
]


@pytest.mark.parametrize("name,request_args,http_status,rsc", BAD_REQUESTS, ids=[b[0] for b in BAD_REQUESTS])
def test_bad_request_is_refused_by_name(tmp_path, name, request_args, http_status, rsc):
    with listener(tmp_path) as (proc, _, port, out):
        args = dict(request_args)
        status, headers, body = post(port, args.pop("body"), **args)
        code, stdout, stderr = finish(proc)
    assert status == http_status
    assert headers["x-m2m-rsc"] == str(rsc)
    if request_args.get("ri", "rq-1") is not None:
        assert headers["x-m2m-ri"] == "rq-1"
    assert body and body["m2m:dbg"]  # the reason in words, TS-0004 debugInfo
    assert code == 1, stdout + stderr
    _, case = report_of(out)
    assert case["result"] == "fail" and case["outcome"] == "refused" and case["rejected_by"] == "terminator"
    refused = case["http"]["refused"]
    assert [(r["problem"], r["rsc"], r["status"], r["message"]) for r in refused] == [
        (name, rsc, http_status, "request")]
    assert refused[0]["detail"] == body["m2m:dbg"]
    assert name in case["diagnosis"] and name in stdout
    assert case["flights"] == []


def test_sit_and_base64_reasons_are_the_matrix_words(tmp_path):
    with listener(tmp_path) as (proc, _, port, out):
        _, _, body = post(port, seci(HELLO_LIKE, sit=3))
        finish(proc)
    assert body["m2m:dbg"] == "sit is 3 (Receiver E2E Rand Object Request), expected 6 (ESCertKE Message)"


def test_message3_from_another_originator_is_forbidden(tmp_path):
    hello = client_hello()
    with listener(tmp_path) as (proc, _, port, out):
        status, headers, body = post(port, seci(hello), ri="vendor-1")
        assert status == 200 and headers["x-m2m-rsc"] == "2000" and headers["x-m2m-ri"] == "vendor-1"
        message2 = base64.b64decode(body["m2m:seci"]["eckm"])
        assert message2[:1] == b"\x16" and body["m2m:seci"]["sit"] == 6
        status, headers, body = post(port, seci(b"\x16\x03\x03\x00\x01\x0b"), origin="CImpostor-AE", ri="vendor-2")
        code, stdout, _ = finish(proc)
    assert (status, headers["x-m2m-rsc"]) == (403, "4103")
    assert "C.1.c" in body["m2m:dbg"] and "CImpostor-AE" in body["m2m:dbg"]
    assert code == 1
    _, case = report_of(out)
    assert [r["problem"] for r in case["http"]["refused"]] == ["originator-differs"]
    assert [f["escertke_message"] for f in case["flights"]] == [1, 2]
    assert case["flights"][0]["items"] == "ClientHello"
    assert "originator-differs (4103 ORIGINATOR_HAS_NO_PRIVILEGE, HTTP 403)" in case["diagnosis"]


def test_message3_reusing_the_request_identifier_is_refused(tmp_path):
    with listener(tmp_path) as (proc, _, port, out):
        assert post(port, seci(client_hello()), ri="same")[0] == 200
        status, headers, _ = post(port, seci(b"\x16\x03\x03\x00\x01\x0b"), ri="same")
        finish(proc)
    assert (status, headers["x-m2m-rsc"]) == (400, "4000")
    assert [r["problem"] for r in report_of(out)[1]["http"]["refused"]] == ["request-identifier-reused"]


def test_unexpected_originator_is_forbidden(tmp_path):
    with listener(tmp_path, "--expect-origin", "CAE-only-this-one") as (proc, _, port, out):
        status, headers, _ = post(port, seci(client_hello()))
        finish(proc)
    assert (status, headers["x-m2m-rsc"]) == (403, "4103")
    assert [r["problem"] for r in report_of(out)[1]["http"]["refused"]] == ["originator-not-authorised"]


# ---- a vendor's Terminating End-Point that answers wrongly -----------------------------------


@contextmanager
def fake_terminator(answer):
    """An HTTP server answering each NOTIFY with answer(request headers, body) -> (status, headers, body)."""
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append((self.command, self.path, dict(self.headers), body))
            status, headers, payload = answer(self.headers, body)
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d" % server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


def test_initiator_request_is_the_binding(tmp_path):
    """What a vendor's terminator receives: POST to To's path, the parameters in headers, the Content as the body."""
    def answer(headers, body):
        return 403, {"X-M2M-RSC": "4103", "X-M2M-RI": headers["X-M2M-RI"], "Content-Type": "application/json"}, \
            json.dumps({"m2m:dbg": "not authorised here"}).encode()

    with fake_terminator(answer) as (url, seen):
        result = kx("initiate", "--url", url, "--output", tmp_path)
    assert result.returncode == 1
    method, path, headers, body = seen[0]
    assert (method, path) == ("POST", TARGET)
    assert headers["X-M2M-Origin"] == ORIGIN and headers["X-M2M-RVI"] == "3" and headers["X-M2M-RI"]
    assert headers["Content-Type"] == "application/json"
    content = json.loads(body)
    assert list(content) == ["m2m:seci"] and content["m2m:seci"]["sit"] == 6
    assert base64.b64decode(content["m2m:seci"]["eckm"], validate=True)[:2] == b"\x16\x03"  # a TLS handshake record
    _, case = report_of(tmp_path)
    assert case["result"] == "fail" and case["rejected_by"] == "terminator"
    assert [(r["problem"], r["rsc"], r["status"], r["message"]) for r in case["http"]["refused"]] == [
        ("not-ok", 4103, 403, "response")]
    assert "X-M2M-RSC 4103 (ORIGINATOR_HAS_NO_PRIVILEGE)" in case["diagnosis"]
    assert 'm2m:dbg "not authorised here"' in case["diagnosis"]


WRONG_ANSWERS = [
    ("missing-rsc", lambda h: (200, {"X-M2M-RI": h["X-M2M-RI"]})),
    ("status-mismatch", lambda h: (201, {"X-M2M-RSC": "2000", "X-M2M-RI": h["X-M2M-RI"]})),
    ("response-request-identifier", lambda h: (200, {"X-M2M-RSC": "2000", "X-M2M-RI": "another"})),
    ("not-ok", lambda h: (200, {"X-M2M-RSC": "4000", "X-M2M-RI": h["X-M2M-RI"]})),
]


@pytest.mark.parametrize("name,status_headers", WRONG_ANSWERS, ids=[w[0] for w in WRONG_ANSWERS])
def test_wrong_answer_of_a_vendor_terminator_is_named(tmp_path, name, status_headers):
    def answer(headers, body):
        status, extra = status_headers(headers)
        return status, dict(extra, **{"Content-Type": "application/json"}), json.dumps(seci(b"\x16\x03\x03")).encode()

    with fake_terminator(answer) as (url, _):
        result = kx("initiate", "--url", url, "--output", tmp_path)
    assert result.returncode == 1
    _, case = report_of(tmp_path)
    assert [r["problem"] for r in case["http"]["refused"]] == [name]
    assert name in case["diagnosis"]


# ---- bounded waits, loopback only --------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_terminator_is_an_error_not_a_hang(tmp_path):
    started = time.monotonic()
    result = kx("initiate", "--url", "http://127.0.0.1:%d" % free_port(), "--output", tmp_path)
    assert result.returncode == 1 and time.monotonic() - started < 10
    _, case = report_of(tmp_path)
    assert case["result"] == "error"
    assert "did not answer the NOTIFY carrying message 1" in case["diagnosis"]


def test_silent_terminator_times_out(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        started = time.monotonic()
        result = kx("initiate", "--url", "http://127.0.0.1:%d" % s.getsockname()[1], "--timeout", "800",
                    "--output", tmp_path)
    assert result.returncode == 1 and time.monotonic() - started < 8
    _, case = report_of(tmp_path)
    assert case["result"] == "error" and "did not answer" in case["diagnosis"]


def test_nobody_comes_within_the_wait(tmp_path):
    with listener(tmp_path, "--wait", "300") as (proc, _, _, out):
        code, stdout, _ = finish(proc)
    assert code == 1
    _, case = report_of(out)
    assert case["result"] == "error" and "no NOTIFY request arrived within 300 ms" in case["diagnosis"]


@pytest.mark.parametrize("args,words", [
    (("listen", "--bind", "0.0.0.0:0"), "not a loopback address"),
    (("initiate", "--url", "http://192.0.2.1:8080/"), "not loopback"),
    (("initiate", "--url", "https://127.0.0.1:8443/"), "plain http://"),
    (("initiate",), "--url is required"),
    (("listen", "--backend", "nosuch"), "--backend nosuch is not one of the drivers"),
])
def test_refused_set_up(tmp_path, args, words):
    result = kx(*args, "--output", tmp_path)
    assert result.returncode == 2
    assert words in result.stderr
    assert not (tmp_path / "reports").exists()
