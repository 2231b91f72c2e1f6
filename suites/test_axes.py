"""The suite's axes and profiles (docs/suite.md, "Axes" and "Profiles"): the fast profile is the
matrix as it was, pairwise covers every pair of values of every two axes, and each axis changes
what it says on the wire: the DTLS MTU bounds every datagram and fragments handshake messages, the
relay's record layouts merge and split handshake records (inside an ESCertKE message too), a
DTLS flight the runner drops is retransmitted when it fires the sender's timer and the case
completes, a driver that ignores its timer fails the case by name, and without the extended
master secret the master secret is the classic derivation."""
import base64
import copy
import hashlib
import itertools
import json
import re
import subprocess
import sys
import textwrap
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import ROOT, built

sys.path.insert(0, str(ROOT / "vectors" / "gen"))
import prf as tls_prf  # noqa: E402  (the vectors' independent generator)

SUITE = ROOT / "suites" / "onem2m.json"
PSK = bytes.fromhex("1a2b3c4d5e6f7a8b")  # the psk scenario's TR-0038 key


def kx(*args, timeout=600):
    return subprocess.run([str(built("kxconform"))] + [str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout)


def suite():
    return json.loads(SUITE.read_text(encoding="utf-8"))


def cases_of(out):
    return {c["id"]: c for c in json.loads((out / "reports" / "report.json").read_text(encoding="utf-8"))["cases"]}


def tshark(capture, *fields, display=None):
    args = ["tshark", "-r", str(capture), "-T", "fields", "-E", "separator=|", "-E", "occurrence=a"]
    if display:
        args += ["-Y", display]
    for field in fields:
        args += ["-e", field]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [line.split("|") for line in result.stdout.splitlines()]


WIRE_CASES = [
    "psk.tls.openssl-wolfssl", "psk.tls.openssl-wolfssl+records=coalesced", "psk.tls.openssl-wolfssl+ems=off",
    "psk.tls.wolfssl-openssl+ems=initiator-off", "escertke.tls.wolfssl-openssl+records=split",
    "escertke.tls.openssl-wolfssl+records=split", "connection.dtls.openssl-wolfssl",
    "connection.dtls.openssl-wolfssl+mtu=256", "connection.dtls.wolfssl-openssl+mtu=256",
    "bootstrap.dtls.wolfssl-wolfssl+mtu=256", "psk.dtls.openssl-openssl+recovery=drop-flight2",
    "psk.dtls.openssl-wolfssl+recovery=drop-flight3", "connection.dtls.wolfssl-openssl+recovery=drop-flight4",
    "bootstrap.dtls.openssl-wolfssl+mtu=256+recovery=reorder-flight4",
]


@pytest.fixture(scope="module")
def wire(tmp_path_factory):
    """One full-profile run of the cases each wire test looks at: (output directory, cases by id)."""
    out = tmp_path_factory.mktemp("wire")
    args = ["run", "--profile", "full", "--output", out]
    for case_id in WIRE_CASES:
        args += ["--filter", case_id]
    result = kx(*args)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    got = cases_of(out)
    assert sorted(got) == sorted(WIRE_CASES)
    return out, got


# --- profiles ------------------------------------------------------------------------------------------------

def listed(*args):
    result = kx("run", "--list", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout.split(), result.stderr


def axis_values(data, scenario, transport):
    """{axis: [value names]} of the axes scenario takes over transport, as docs/suite.md says."""
    axes = {a["name"]: a for a in data.get("axes", [])}
    taken = {}
    for name in scenario.get("axes", []):
        axis = axes[name]
        if transport in axis.get("transports", ["tls", "dtls"]):
            taken[name] = [v["name"] for v in axis["values"] if transport in v.get("transports", ["tls", "dtls"])]
    return taken


def test_fast_is_the_matrix_without_axes_and_the_profiles_nest():
    fast, said = listed()
    pairwise, _ = listed("--profile", "pairwise")
    full, _ = listed("--profile", "full")
    # The fast profile names no axis: its ids are those the suite gives without its axes.
    bare = copy.deepcopy(suite())
    bare.pop("axes")
    for scenario in bare["scenarios"]:
        scenario.pop("axes", None)
    path = Path("bare.json")
    path.write_text(json.dumps(bare), encoding="utf-8")
    assert fast == listed("--suite", path, "--profile", "full")[0]
    assert not [i for i in fast if "+" in i]
    assert set(fast) < set(pairwise) < set(full)
    assert len(set(full)) == len(full) and len(set(pairwise)) == len(pairwise)
    assert "in all, --profile fast %d, pairwise %d, full %d cases" % (len(fast), len(pairwise), len(full)) in said
    # Negative and fault variants run at the defaults only: no variant id names an axis.
    assert not [i for i in full if "+" in i and i.count(".") > 2]


def test_pairwise_covers_every_pair_of_values_and_full_every_combination():
    data = suite()
    pairwise, _ = listed("--profile", "pairwise")
    full, _ = listed("--profile", "full")
    groups = defaultdict(lambda: {"pairwise": [], "full": []})
    for profile, ids in (("pairwise", pairwise), ("full", full)):
        for case_id in ids:
            scenario, transport, rest = case_id.split(".", 2)
            if "." in rest:
                continue  # a negative or fault variant
            pairing, *named = rest.split("+")
            groups[(scenario, transport, pairing)][profile].append(dict(n.split("=") for n in named))
    smaller = 0
    for (scenario_name, transport, pairing), got in groups.items():
        scenario = next(s for s in data["scenarios"] if s["name"] == scenario_name)
        taken = axis_values(data, scenario, transport)
        rows = {p: [tuple(named.get(a, values[0]) for a, values in taken.items()) for named in got[p]]
                for p in ("pairwise", "full")}
        assert sorted(rows["full"]) == sorted(itertools.product(*taken.values())), (scenario_name, transport)
        assert rows["pairwise"][0] == tuple(v[0] for v in taken.values())  # the defaults first
        for (i, a), (j, b) in itertools.combinations(enumerate(taken.values()), 2):
            missing = {(x, y) for x in a for y in b} - {(row[i], row[j]) for row in rows["pairwise"]}
            assert not missing, (scenario_name, transport, pairing, missing)
        smaller += len(rows["pairwise"]) < len(rows["full"])
    # Three axes or more (mtu, ems, recovery over DTLS) are where the pairs save cases.
    assert smaller >= 3 * 4


@pytest.mark.parametrize("change, words", [
    (lambda s: s["scenarios"][0]["axes"].append("colour"), ["scenario escertke", "axis colour"]),
    (lambda s: s["axes"][1]["values"][1]["relay"].update(records="shuffled"),
     ["axis records, value coalesced", "library, coalesced or split"]),
    (lambda s: s["axes"][1].pop("transports"), ["axis records, value coalesced", "transports"]),
    (lambda s: s["axes"][3]["values"][0].update(needs=["dtls-timeout"]), ["axis recovery, value none", "default"]),
    (lambda s: s["axes"][0]["values"].append({"name": "1200"}), ["axis mtu", "value 1200 is there twice"]),
    (lambda s: s["axes"][2]["values"][1].update(colour="red"), ["axis ems, value initiator-off", "colour"]),
])
def test_a_suite_with_a_wrong_axis_is_a_set_up_error(tmp_path, change, words):
    broken = suite()
    change(broken)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    result = kx("run", "--suite", path, "--list")
    assert result.returncode == 2, result.stdout[-500:]
    assert str(path) in result.stderr and all(w in result.stderr for w in words), result.stderr


def test_the_credential_axes_run_beside_the_wire_axes():
    """The suite's credential axes (docs/suite.md, "Credentials") combine with the wire axes in the
    scenarios that take both, and the pairwise profile keeps the product of six axes small."""
    _, said = listed()
    counts = dict(re.findall(r"(fast|pairwise|full) (\d+)", said))
    fast, pairwise, full = int(counts["fast"]), int(counts["pairwise"]), int(counts["full"])
    assert fast == len(listed()[0]) and pairwise * 3 < full
    ids = listed("--profile", "pairwise", "--filter", "psk.dtls.openssl-wolfssl+*")[0]
    assert any("+psk-identity=long" in i and "+recovery=" in i for i in ids)
    ids = listed("--profile", "pairwise", "--filter", "connection.dtls.wolfssl-openssl+*")[0]
    assert any("+chain=p384-intermediate" in i and "+mtu=256" in i for i in ids)


def test_an_unknown_profile_is_a_usage_error():
    result = kx("run", "--profile", "exhaustive", "--list")
    assert result.returncode == 2 and "--profile is fast, pairwise or full" in result.stderr


def test_a_case_reports_every_axis_its_scenario_takes(wire):
    _, got = wire
    assert got["psk.tls.openssl-wolfssl"]["axes"] == {"records": "library", "ems": "on", "psk-identity": "typical"}
    assert got["bootstrap.dtls.openssl-wolfssl+mtu=256+recovery=reorder-flight4"]["axes"] == {
        "mtu": "256", "ems": "on", "recovery": "reorder-flight4"}
    assert all(c["met"] and c["result"] == "pass" and c["capture"]["verified"] for c in got.values())


# --- the DTLS MTU ---------------------------------------------------------------------------------------------

def test_mtu_256_bounds_every_datagram_and_fragments_handshake_messages(wire):
    out, got = wire
    for case_id in ("connection.dtls.openssl-wolfssl+mtu=256", "connection.dtls.wolfssl-openssl+mtu=256",
                    "bootstrap.dtls.wolfssl-wolfssl+mtu=256"):
        assert got[case_id]["inputs"]["initiator"]["mtu"] == got[case_id]["inputs"]["terminator"]["mtu"] == 256
        capture = got[case_id]["capture"]["pcapng"]
        sizes = [int(length) - 8 for (length,) in tshark(capture, "udp.length", display="udp")]
        assert sizes and max(sizes) <= 256, (case_id, sizes)
        fragments = tshark(capture, "dtls.handshake.fragment_length", "dtls.handshake.length",
                           display="dtls.handshake")
        cut = [(f, n) for row in fragments for f, n in zip(row[0].split(","), row[1].split(","))
               if f and n and int(f) < int(n)]
        assert cut, "%s: no handshake message is fragmented" % case_id
    # At the default 1200 bytes the certificate flights need datagrams longer than 256.
    default = got["connection.dtls.openssl-wolfssl"]["capture"]["pcapng"]
    assert max(int(length) - 8 for (length,) in tshark(default, "udp.length", display="udp")) > 256


# --- TLS record layouts ---------------------------------------------------------------------------------------

def records(data):
    """The (content type, length) of each TLS record in data."""
    found, at = [], 0
    while at + 5 <= len(data):
        length = data[at + 3] << 8 | data[at + 4]
        found.append((data[at], length))
        at += 5 + length
    return found


def stream_from(capture, port):
    """The bytes one end sent over TCP, in order (the terminator sends from port 4433)."""
    rows = tshark(capture, "tcp.srcport", "tcp.payload", display="tcp.len > 0")
    return [bytes.fromhex(payload) for srcport, payload in rows if (srcport == "4433") == (port == 4433)]


def test_coalesced_records_are_fewer_than_the_librarys(wire):
    _, got = wire
    counts = {}
    for case_id in ("psk.tls.openssl-wolfssl", "psk.tls.openssl-wolfssl+records=coalesced"):
        server = b"".join(stream_from(got[case_id]["capture"]["pcapng"], 4433))
        before_ccs = list(itertools.takewhile(lambda r: r[0] != 20, records(server)))
        counts[case_id] = len([r for r in before_ccs if r[0] == 22])
        flight = got[case_id]["flights"][1]
        assert flight["items"] == "ServerHello, ServerHelloDone"
    assert counts["psk.tls.openssl-wolfssl"] == 2 and counts["psk.tls.openssl-wolfssl+records=coalesced"] == 1
    assert "re-framed its 2 plaintext handshake records as 1" in got[
        "psk.tls.openssl-wolfssl+records=coalesced"]["flights"][1]["relay"]


def test_a_split_escertke_message_holds_several_records(wire):
    _, got = wire
    for case_id in ("escertke.tls.wolfssl-openssl+records=split", "escertke.tls.openssl-wolfssl+records=split"):
        case = got[case_id]
        assert case["met"] and not case["diagnosis"], case["diagnosis"]  # Table 8.7.2.2-1 held
        for flight in case["flights"][:3]:
            primitive = json.loads(flight["primitive"])
            body = primitive.get("m2m:rqp") or primitive.get("m2m:rsp")
            eckm = base64.b64decode(body["pc"]["m2m:seci"]["eckm"])
            handshake = list(itertools.takewhile(lambda r: r[0] != 20, records(eckm)))
            assert len(handshake) >= 2 and all(t == 22 and n <= 100 for t, n in handshake), (case_id, handshake)
            # More records than handshake messages: a message spans records.
            assert len(handshake) > len(flight["items"].split(", ")) - ("ChangeCipherSpec" in flight["items"]) * 2
            assert "split, at most 100 bytes" in flight["relay"]


# --- DTLS loss recovery ---------------------------------------------------------------------------------------

def test_a_dropped_dtls_flight_is_retransmitted_and_the_case_completes(wire):
    _, got = wire
    for case_id, dropped in (("psk.dtls.openssl-openssl+recovery=drop-flight2", 2),
                             ("psk.dtls.openssl-wolfssl+recovery=drop-flight3", 3),
                             ("connection.dtls.wolfssl-openssl+recovery=drop-flight4", 4)):
        case = got[case_id]
        assert case["result"] == "pass" and case["met"], case["diagnosis"]
        flights = case["flights"]
        lost = flights[dropped - 1]
        assert lost["fault"] == "dropped by the runner" and lost["delivered"] == 0
        again = [f for f in flights[dropped:] if f["items"] == lost["items"] and f["from"] == lost["from"]]
        assert again and again[0]["delivered"] > 0, (case_id, flights)
        fired = [f for f in flights if "when the runner fired its retransmission timer" in f.get("relay", "")]
        assert fired, case_id
        comments = tshark(case["capture"]["pcapng"], "frame.comment")
        assert any("when the runner fired its retransmission timer" in c for (c,) in comments)
        assert any(("flight %d:" % fired[0]["number"]) in c for (c,) in comments)
    # An OpenSSL terminator resends its own flight 2 when its timer fires.
    first = got["psk.dtls.openssl-openssl+recovery=drop-flight2"]["flights"]
    assert first[2]["from"] == "terminator" and first[2]["items"] == first[1]["items"]
    assert first[2]["relay"].startswith("sent by the terminator")


def proxy(tmp_path, name, rewrite_answer, rewrite_hello="pass"):
    """A vendor driver in front of the OpenSSL reference driver whose answers rewrite_answer changes."""
    path = tmp_path / name
    path.write_text("#!%s\n" % sys.executable + textwrap.dedent('''
        import json, subprocess, sys
        real = subprocess.Popen([%r], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        hello = json.loads(real.stdout.readline())
        hello["driver"] = %r
        def rewrite_hello(hello):
        %s
        def rewrite(request, answer):
        %s
        rewrite_hello(hello)
        print(json.dumps(hello), flush=True)
        for line in sys.stdin:
            request = json.loads(line)
            real.stdin.write(line)
            real.stdin.flush()
            if request.get("op") == "bye":
                break
            answer = json.loads(real.stdout.readline())
            rewrite(request, answer)
            print(json.dumps(answer), flush=True)
        ''') % (str(built("kx-driver-openssl")), name, textwrap.indent(rewrite_hello, "    "),
                textwrap.indent(rewrite_answer, "    ")), encoding="utf-8")
    path.chmod(0o755)
    return path


def test_a_driver_that_does_not_fire_its_timer_fails_the_recovery_case_by_name(tmp_path):
    deaf = proxy(tmp_path, "deaf", textwrap.dedent('''
        if request.get("op") == "timeout":
            answer["flight"] = []'''))
    out = tmp_path / "out"
    result = kx("run", "--profile", "full", "--driver", "deaf=%s" % deaf, "--driver",
                "openssl=%s" % built("kx-driver-openssl"), "--filter", "psk.dtls.deaf-openssl+recovery=drop-flight1",
                "--filter", "psk.dtls.openssl-deaf+recovery=drop-flight1", "--filter", "psk.dtls.deaf-openssl",
                "--output", out)
    assert result.returncode == 1, result.stdout[-2000:]
    got = cases_of(out)
    assert got["psk.dtls.deaf-openssl"]["met"]  # no loss, no timer
    lost = got["psk.dtls.deaf-openssl+recovery=drop-flight1"]
    assert not lost["met"] and lost["result"] == "fail" and lost["outcome"] == "stalled"
    assert "after flight 1 was dropped by the runner" in lost["diagnosis"]
    assert "the initiator (deaf) retransmitted nothing when the runner fired its retransmission timer" in lost[
        "diagnosis"], lost["diagnosis"]
    # The deaf end as terminator: the initiator's own timer recovers the lost ClientHello.
    assert got["psk.dtls.openssl-deaf+recovery=drop-flight1"]["met"]


def test_a_driver_without_the_timer_feature_is_not_implemented_for_recovery(tmp_path):
    plain = proxy(tmp_path, "plain", "pass", textwrap.dedent('''
        hello["capabilities"]["features"] = [f for f in hello["capabilities"]["features"] if f != "dtls-timeout"]'''))
    out = tmp_path / "out"
    result = kx("run", "--profile", "full", "--driver", "plain=%s" % plain, "--driver",
                "openssl=%s" % built("kx-driver-openssl"), "--filter", "psk.dtls.plain-openssl+recovery=drop-flight2",
                "--filter", "psk.dtls.plain-openssl+mtu=576", "--output", out)
    assert result.returncode == 1, result.stdout[-2000:]  # a case not played is not met
    got = cases_of(out)
    skipped = got["psk.dtls.plain-openssl+recovery=drop-flight2"]
    assert skipped["result"] == "not-implemented" and "dtls-timeout" in skipped["diagnosis"]
    assert "flights" not in skipped  # never played, so neither passed nor failed
    assert got["psk.dtls.plain-openssl+mtu=576"]["result"] == "pass"


# --- the extended master secret -------------------------------------------------------------------------------

def transcript_until_client_key_exchange(capture):
    """The handshake messages of a TLS capture up to the ClientKeyExchange, in the order sent, as RFC
    7627's session_hash covers them: the client's flight 1, the server's flight 2, then the client's
    messages up to its ClientKeyExchange."""
    def messages(stream):
        data = b"".join(body for kind, body in stream if kind == 22)
        found, at = [], 0
        while at + 4 <= len(data):
            length = int.from_bytes(data[at + 1:at + 4], "big")
            found.append(data[at:at + 4 + length])
            at += 4 + length
        return found

    def plaintext(port):
        data, out, at = b"".join(stream_from(capture, port)), [], 0
        while at + 5 <= len(data):
            length = data[at + 3] << 8 | data[at + 4]
            if data[at] == 20:
                break
            out.append((data[at], data[at + 5:at + 5 + length]))
            at += 5 + length
        return out

    client, server = messages(plaintext(0)), messages(plaintext(4433))
    until = next(i for i, m in enumerate(client) if m[0] == 16) + 1
    return client[:1] + server + client[1:until]


def psk_premaster(psk):
    """RFC 4279 2: the premaster secret of a plain PSK suite."""
    n = len(psk).to_bytes(2, "big")
    return n + bytes(len(psk)) + n + psk


@pytest.mark.parametrize("case_id, ems", [("psk.tls.openssl-wolfssl", True), ("psk.tls.openssl-wolfssl+ems=off", False),
                                           ("psk.tls.wolfssl-openssl+ems=initiator-off", False)])
def test_without_the_extended_master_secret_the_master_secret_is_the_classic_one(wire, case_id, ems):
    _, got = wire
    case = got[case_id]
    ini, ter = case["initiator_report"], case["terminator_report"]
    assert ini["master_secret"] == ter["master_secret"] and ini["suite"] == "0x00AE"  # PRF SHA-256
    assert ini["extended_master_secret"] is ems and ter["extended_master_secret"] is ems
    master = bytes.fromhex(ini["master_secret"])
    randoms = bytes.fromhex(ini["client_random"] + ini["server_random"])
    classic = tls_prf.prf("SHA-256", psk_premaster(PSK), "master secret", randoms, 48)
    session_hash = hashlib.sha256(b"".join(transcript_until_client_key_exchange(case["capture"]["pcapng"]))).digest()
    extended = tls_prf.prf("SHA-256", psk_premaster(PSK), "extended master secret", session_hash, 48)
    assert master == (extended if ems else classic) and master != (classic if ems else extended)
    # The key log the capture decrypts with holds that master secret.
    keylog = Path(case["capture"]["keylog"]).read_text(encoding="utf-8")
    assert re.search(r"CLIENT_RANDOM %s %s" % (ini["client_random"], ini["master_secret"]), keylog, re.I)
