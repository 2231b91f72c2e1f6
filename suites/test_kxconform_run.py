"""End-to-end tests of `kxconform run`: the whole scenario matrix on both
reference backends, checked from its report so that a pairing, a scenario,
a variant or a cross-check that went missing fails a test."""
import base64
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET

import pytest

from conftest import ROOT, built, hanging_driver, proxy_driver, python_script

SUITE = ROOT / "suites" / "onem2m.json"
BACKENDS = ("openssl", "wolfssl")


def run(kxconform, *args, timeout=300):
    return subprocess.run([str(kxconform), "run", *map(str, args)], capture_output=True, text=True, timeout=timeout)


def expected_case_ids(suite, drivers):
    """Every case id the suite defines for these drivers, derived here independently of the runner."""
    ids = set()
    for scenario in suite["scenarios"]:
        for transport in scenario["transports"]:
            for initiator in drivers:
                for terminator in drivers:
                    base = "%s.%s.%s-%s" % (scenario["name"], transport, initiator, terminator)
                    ids.add(base)
                    for negative in scenario.get("negative", []):
                        if transport in negative.get("transports", [transport]):
                            ids.add("%s.%s" % (base, negative["name"]))
                    for fault in scenario.get("faults", []):
                        if transport in fault.get("transports", [transport]):
                            ids.add("%s.fault-%s-flight%d" % (base, fault["fault"], fault["flight"]))
    return ids


@pytest.fixture(scope="module")
def full_run(kxconform, tmp_path_factory):
    """One run of the whole matrix, shared by the tests that read its report."""
    out = tmp_path_factory.mktemp("run")
    result = run(kxconform, "--output", out)
    report = json.loads((out / "reports" / "report.json").read_text(encoding="utf-8"))
    return result, report


def test_run_meets_every_expectation(full_run):
    result, report = full_run
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr
    summary = report["summary"]
    assert summary["unmet"] == 0
    assert summary["cases"] == len(report["cases"])
    assert "0 did not" in result.stdout


def test_no_pairing_scenario_or_variant_is_missing(full_run):
    _, report = full_run
    suite = json.loads(SUITE.read_text(encoding="utf-8"))
    ids = [case["id"] for case in report["cases"]]
    assert len(ids) == len(set(ids))
    assert set(ids) == expected_case_ids(suite, BACKENDS)
    for scenario in suite["scenarios"]:
        for transport in scenario["transports"]:
            for initiator in BACKENDS:
                for terminator in BACKENDS:
                    assert "%s.%s.%s-%s" % (scenario["name"], transport, initiator, terminator) in ids


def test_positive_cases_pass_with_every_cross_check(full_run):
    _, report = full_run
    scenarios = {s["name"]: s for s in json.loads(SUITE.read_text(encoding="utf-8"))["scenarios"]}
    positives = [c for c in report["cases"] if c["kind"] == "positive"]
    assert positives
    for case in positives:
        assert case["result"] == "pass", (case["id"], case["diagnosis"])
        assert case["outcome"] == "completed"
        for end in ("initiator_report", "terminator_report"):
            info = case[end]
            assert info["version"] == ("DTLSv1.2" if case["transport"] == "dtls" else "TLSv1.2")
            assert info["suite"] == case["suite"]
            assert re.fullmatch(r"CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}", info["keylog"])
        if "export" not in scenarios[case["scenario"]]:
            # The PSK associations export nothing (TS-0003 10.3.1 has no label for them).
            assert case["terminator_report"]["psk_identity"] == scenarios[case["scenario"]]["expect_psk_identity"]
            assert case["initiator_report"]["master_secret"] == case["terminator_report"]["master_secret"]
            continue
        exported = case["exported"]
        assert exported["initiator"] == exported["terminator"] == exported["recomputed"]
        assert len(exported["initiator"]) == 96
        assert exported["recomputed_by"] != case["initiator"]
        assert exported["key_id"] == exported["initiator"][:32]
        assert exported["key"] == exported["initiator"][32:]
        if case["scenario"] in ("connection", "bootstrap", "e2e"):
            keyid = case["key_identifier"]
            reference = base64.b64encode(bytes.fromhex(exported["key_id"])).decode() + "@" + keyid["fqdn"]
            assert keyid["readings"]["reference"] == reference
            assert keyid["initiator"] == reference and keyid["initiator_reading"] == "reference"
        if case["scenario"] == "e2e":
            e2e = case["e2e"]
            assert e2e["initiator"] == e2e["terminator"] == e2e["recomputed"]
            for hash_name, size in (("SHA-256", 64), ("SHA-512", 128)):
                keys = e2e["initiator"][hash_name]
                assert len(keys["ke2e_master"]) == size and [len(t) for t in keys["t"]] == [size] * 4


def test_negative_and_fault_cases_fail_for_a_named_reason(full_run):
    _, report = full_run
    suite = json.loads(SUITE.read_text(encoding="utf-8"))
    rejected_by = {(s["name"], n["name"]): n["rejected_by"] for s in suite["scenarios"] for n in s.get("negative", [])}
    others = [c for c in report["cases"] if c["kind"] != "positive"]
    assert others
    for case in others:
        assert case["expected"] == "fail"
        assert case["met"], (case["id"], case["diagnosis"])
        if case["result"] == "skip":
            # Only a misbehaving peer a library cannot play may be skipped, and it says why.
            assert case["kind"] == "negative" and "cannot open the session" in case["diagnosis"]
            continue
        assert case["result"] == "fail" and case["diagnosis"], case["id"]
        if case["kind"] == "fault":
            assert "by the runner" in case["diagnosis"], (case["id"], case["diagnosis"])
        else:
            expected = rejected_by[(case["scenario"], case["variant"]["name"])]
            if expected != "either":
                assert case["rejected_by"] == expected, (case["id"], case["diagnosis"])


def test_escertke_travels_in_notify_primitives(full_run):
    _, report = full_run
    cases = [c for c in report["cases"] if c["scenario"] == "escertke" and c["kind"] == "positive"]
    assert len(cases) == 4
    for case in cases:
        flights = case["flights"]
        # Four messages and then the export: no application data (spec README point 12).
        assert [f["escertke_message"] for f in flights] == [1, 2, 3, 4]
        assert not [f for f in flights if "application_data" in f]
        primitives = [json.loads(f["primitive"]) for f in flights]
        assert [next(iter(p)) for p in primitives] == ["m2m:rqp", "m2m:rsp", "m2m:rqp", "m2m:rsp"]
        requests = [primitives[0]["m2m:rqp"], primitives[2]["m2m:rqp"]]
        responses = [primitives[1]["m2m:rsp"], primitives[3]["m2m:rsp"]]
        for request, response in zip(requests, responses):
            assert request["op"] == 5 and response["rsc"] == 2000 and request["rqi"] == response["rqi"]
        assert requests[0]["fr"] == requests[1]["fr"] == "CAE123456789012-Lock"
        assert requests[0]["rqi"] != requests[1]["rqi"]
        for flight, primitive in zip(flights, primitives):
            seci = next(iter(primitive.values()))["pc"]["m2m:seci"]
            assert seci["sit"] == 6
            assert len(base64.b64decode(seci["eckm"], validate=True)) == flight["delivered"]
        assert flights[3]["items"] == "ChangeCipherSpec, Finished"


def test_filter_and_list_select_cases(kxconform):
    listed = run(kxconform, "--list", "--filter", "psk.dtls.*")
    assert listed.returncode == 0
    ids = listed.stdout.split()
    assert ids and all(i.startswith("psk.dtls.") for i in ids)
    assert "psk.dtls.openssl-wolfssl" in ids and "psk.dtls.wolfssl-openssl.wrong-psk" in ids


def fake_psk_driver(path, on_request):
    """A driver of protocol 1 named after its file that plays psk over TLS (suite 0x00AE) and nothing else;
    on_request is the Python that handles each request (a dict in `request`) and prints its answer, if any."""
    prelude = '''\
        import json, os, sys, time
        caps = {"scenarios": ["psk"], "roles": ["client", "server"], "transports": ["tls"],
                "suites": {"tls": ["0x00AE"]}}
        print(json.dumps({"type": "hello", "protocol": 1, "driver": "%s", "capabilities": caps}), flush=True)
        for line in sys.stdin:
            request = json.loads(line)
        ''' % path.name
    body = textwrap.indent(textwrap.dedent(on_request).lstrip("\n"), "    ")
    return python_script(path, textwrap.dedent(prelude) + body)


def test_crashing_driver_fails_only_its_cases(kxconform, tmp_path):
    fake = fake_psk_driver(tmp_path / "crash", '''
        if request.get("op") == "step":
            os.abort()
        print(json.dumps({"id": request["id"], "ok": True}), flush=True)
        ''')
    openssl = built("kx-driver-openssl")
    result = run(kxconform, "--driver", "crash=%s" % fake, "--driver", "openssl=%s" % openssl,
                 "--filter", "psk.tls.*", "--output", tmp_path)
    assert result.returncode == 1
    report = json.loads((tmp_path / "reports" / "report.json").read_text(encoding="utf-8"))
    by_id = {c["id"]: c for c in report["cases"]}
    assert by_id["psk.tls.openssl-openssl"]["result"] == "pass"
    crashed = by_id["psk.tls.crash-openssl"]
    assert crashed["result"] == "error" and not crashed["met"]
    assert "killed by signal 6" in crashed["diagnosis"]
    # The crashed driver was restarted for the next case rather than sinking the run.
    assert by_id["psk.tls.openssl-crash"]["result"] == "error"
    assert "killed by signal 6" in by_id["psk.tls.openssl-crash"]["diagnosis"]


def test_missing_capability_is_not_implemented_never_passed(kxconform, tmp_path):
    fake = python_script(tmp_path / "derive-only", '''
        import json, sys
        print(json.dumps({"type": "hello", "protocol": 1, "driver": "derive-only", "capabilities": {}}), flush=True)
        for line in sys.stdin:
            request = json.loads(line)
            print(json.dumps({"id": request["id"], "ok": False, "error": "not supported"}), flush=True)
        ''')
    result = run(kxconform, "--driver", "vendor=%s" % fake, "--filter", "connection.tls.*", "--output", tmp_path)
    assert result.returncode == 1
    report = json.loads((tmp_path / "reports" / "report.json").read_text(encoding="utf-8"))
    positive = [c for c in report["cases"] if c["kind"] == "positive"]
    assert positive and all(c["result"] == "not-implemented" and not c["met"] for c in positive)
    assert "does not list scenario connection" in positive[0]["diagnosis"]


def test_unreadable_suite_is_a_setup_error(kxconform, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"scenarios": [{"name": "x", "run": "nonsense"}]}', encoding="utf-8")
    result = run(kxconform, "--suite", bad, "--output", tmp_path)
    assert result.returncode == 2
    assert "bad.json" in result.stderr and "run" in result.stderr


def generator():
    """The vectors' generator (vectors/gen, Python standard library only), an implementation
    that shares no code with the harness."""
    sys.path.insert(0, str(ROOT / "vectors" / "gen"))
    import e2e
    import enrolment
    import exporter
    return e2e, enrolment, exporter


def test_exports_and_e2e_keys_agree_with_the_vectors_generator(full_run):
    e2e, enrolment, exporter = generator()
    _, report = full_run
    checked = 0
    for case in report["cases"]:
        if case["result"] != "pass" or "exported" not in case:
            continue
        # A MAF chain's export is its first handshake's (the MAF connection).
        info = case.get("first_handshake", case)["initiator_report"]
        output = exporter.export(exporter.suite_prf_hash(info["suite"]), bytes.fromhex(info["master_secret"]),
                                 case["exported"]["label"],
                                 bytes.fromhex(info["client_random"]), bytes.fromhex(info["server_random"]))
        assert output.hex() == case["exported"]["initiator"], case["id"]
        if case["scenario"] == "e2e":
            derived = case["e2e"]
            ke = bytes.fromhex(derived["ke"])
            assert ke == output[16:]
            kpsa = enrolment.derive("Kpsa", ke, derived["enrolee_b_id"])
            assert kpsa.hex() == derived["initiator"]["kpsa"], case["id"]
            salt = enrolment.normalize(derived["enrolee_b_id"])
            for hash_name in ("SHA-256", "SHA-512"):
                master, blocks = e2e.derive(hash_name, salt, kpsa)
                assert master.hex() == derived["initiator"][hash_name]["ke2e_master"], case["id"]
                assert [b.hex() for b in blocks] == derived["initiator"][hash_name]["t"], case["id"]
        checked += 1
    assert checked >= 24


def test_case_time_limit_ends_a_slow_handshake(kxconform, tmp_path):
    slow = fake_psk_driver(tmp_path / "slow", '''
        answer = {"id": request["id"], "ok": True}
        if request.get("op") == "step":
            time.sleep(0.15)  # always busy, never done
            answer.update(state="handshaking", flight=["AAAA"])
        print(json.dumps(answer), flush=True)
        ''')
    suite = json.loads(SUITE.read_text(encoding="utf-8"))
    suite["defaults"]["timeout_ms"] = 400
    suite["scenarios"] = [s for s in suite["scenarios"] if s["name"] == "psk"]
    suite_path = tmp_path / "suite.json"
    suite_path.write_text(json.dumps(suite), encoding="utf-8")
    result = run(kxconform, "--suite", suite_path, "--driver", "slow=%s" % slow, "--filter", "psk.tls.slow-slow",
                 "--output", tmp_path, timeout=60)
    assert result.returncode == 1
    report = json.loads((tmp_path / "reports" / "report.json").read_text(encoding="utf-8"))
    case = report["cases"][0]
    assert case["result"] == "error"
    assert "did not end within the case's 400 ms limit" in case["diagnosis"]
    assert case["duration_ms"] < 2000


@pytest.mark.parametrize("jobs", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_a_driver_that_hangs_is_given_up_after_three_timeouts(kxconform, tmp_path, jobs):
    hang = hanging_driver(tmp_path)
    drivers = ["--driver", "hang=%s" % hang, "--driver", "openssl=%s" % built("kx-driver-openssl")]
    ids = run(kxconform, *drivers, "--filter", "psk.tls.*", "--list").stdout.split()
    with_hang = [i for i in ids if "hang" in i]
    assert len(with_hang) >= 12
    timeout_s = 1.0
    started = time.monotonic()
    result = run(kxconform, *drivers, "--filter", "psk.tls.*", "--timeout", int(timeout_s * 1000), "--jobs", jobs,
                 "--output", tmp_path, timeout=120)
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr
    # Each case with the hung driver used to wait the whole timeout: 18 s here. Three timeouts, not
    # more; the slack is for a loaded machine (pytest-xdist runs other tests beside this one).
    assert elapsed < (3 + jobs) * timeout_s + 8, elapsed
    report = json.loads((tmp_path / "reports" / "report.json").read_text(encoding="utf-8"))
    by_id = {c["id"]: c for c in report["cases"]}
    assert all(by_id[i]["result"] == "pass" or by_id[i]["met"] for i in ids if "hang" not in i)
    given_up = [by_id[i] for i in with_hang if "times in a row" in by_id[i]["diagnosis"]]
    assert len(given_up) >= len(with_hang) - 3 * jobs
    assert all(c["result"] == "error" and not c["met"] and c["duration_ms"] == 0 for c in given_up)
    # Three in a row; with two workers, a fourth may time out before the first worker gives up.
    counted = re.search(r"driver hang stopped answering: it timed out \(no answer within 1000 ms, --timeout\) "
                        r"(\d+) times in a row", given_up[0]["diagnosis"])
    assert counted and 3 <= int(counted.group(1)) <= 2 + jobs, given_up[0]["diagnosis"]
    assert "driver hang stopped answering" in result.stdout  # the summary names the cause


def test_a_driver_that_recovers_is_not_given_up(kxconform, tmp_path):
    """Timeouts count in a row: a driver that hangs on one case and then answers is restarted as before."""
    marker = tmp_path / "hung-once"
    slow_once = proxy_driver(tmp_path / "slow-once", "openssl", '''
        import os, time
        if request.get("op") != "bye" and not os.path.exists(%r):
            open(%r, "w").close()
            time.sleep(30)
        ''' % (str(marker), str(marker)))
    result = run(kxconform, "--driver", "vendor=%s" % slow_once, "--filter", "psk.tls.vendor-vendor*",
                 "--timeout", "1000", "--jobs", "1", "--output", tmp_path, timeout=120)
    report = json.loads((tmp_path / "reports" / "report.json").read_text(encoding="utf-8"))
    assert not any("times in a row" in c["diagnosis"] for c in report["cases"])
    assert report["cases"][0]["result"] == "error" and "no answer in time" in report["cases"][0]["diagnosis"]
    assert all(c["met"] for c in report["cases"][1:]), result.stdout


def slow_driver(tmp_path):
    """The OpenSSL reference driver behind a proxy that waits 60 ms before each request: a run
    of a few dozen cases lasts seconds, long enough to be interrupted half-way."""
    return proxy_driver(tmp_path / "slow-openssl", "openssl", "import time\ntime.sleep(0.06)")


def processes_running(path):
    """Pids of live processes whose command line names path."""
    pids = []
    for entry in os.listdir("/proc"):
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                if str(path).encode() in f.read():
                    pids.append(int(entry))
        except (OSError, ValueError):
            pass
    return pids


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM", "Ctrl-C"])
def test_an_interrupted_run_stops_and_says_so(kxconform, tmp_path, how):
    import jsonschema
    slow = slow_driver(tmp_path)
    out = tmp_path / "out"
    # A report of another run is there first: it must not survive beside this one's captures.
    assert run(kxconform, "--filter", "connection.tls.openssl-openssl", "--output", out).returncode == 0
    args = [str(kxconform), "run", "--driver", "slow=%s" % slow, "--filter", "psk.*", "--jobs", "1",
            "--output", str(out)]
    total = len(run(kxconform, *args[2:], "--list").stdout.split())
    # Ctrl-C in a terminal signals the whole foreground process group, drivers included.
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=how == "Ctrl-C")
    # Signal once a case has finished (its progress line is out), however slow the build (sanitizers).
    first_lines = []
    while not any(line.startswith("[") for line in first_lines):
        line = process.stdout.readline()
        assert line, "the run printed no case before it ended"
        first_lines.append(line)
    assert process.poll() is None, "the run ended before the signal: make it slower"
    signalled = time.monotonic()
    if how == "Ctrl-C":
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(getattr(signal, how))
    stdout, stderr = process.communicate(timeout=60)
    stdout = "".join(first_lines) + stdout
    assert process.returncode == 130, stdout[-2000:] + stderr
    assert time.monotonic() - signalled < 5
    assert "interrupted by %s" % ("SIGTERM" if how == "SIGTERM" else "SIGINT") in stderr
    report = json.loads((out / "reports" / "report.json").read_text(encoding="utf-8"))
    schema = json.loads((ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(report)
    assert report["interrupted"] is True
    assert 1 <= report["summary"]["cases"] < total
    assert all(c["met"] for c in report["cases"]), [c["diagnosis"] for c in report["cases"] if not c["met"]]
    assert all(c["id"].startswith("psk.") for c in report["cases"])
    captures = {p.name for p in (out / "captures").iterdir()}
    assert not any(name.startswith("connection.") for name in captures)
    assert "interrupted" in (out / "reports" / "index.html").read_text(encoding="utf-8")
    # The CI test view is red too: the run exits 130 with every case it ran met.
    junit = ET.parse(out / "reports" / "junit.xml").getroot()
    assert junit.find(".//testcase[@name='interrupted']/error") is not None
    # The requirements table's suite counts too: what the finished cases checked.
    table = len(report["requirements"]["entries"])
    assert int(junit.get("errors")) == 1 and int(junit.get("tests")) == report["summary"]["cases"] + 1 + table
    # A merge of an interrupted shard is incomplete, and says so.
    merge = subprocess.run([str(kxconform), "merge", "--output", str(tmp_path / "merged"),
                            str(out / "reports" / "report.json")], capture_output=True, text=True, timeout=60)
    assert merge.returncode == 1 and "interrupted" in merge.stderr
    assert json.loads((tmp_path / "merged" / "reports" / "report.json").read_text())["interrupted"] is True
    # Every driver was ended.
    deadline = time.monotonic() + 5
    while processes_running(slow) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_running(slow) == []


def test_maf_chain_carries_the_key_identifier_onto_the_wire(full_run):
    """TR-0038 7.1.4 steps 1 and 6-8: the MAF connection's Kc and Key Identifier are the PSK and
    psk_identity of the AE's handshake with the IN-CSE, in all four pairings, over TLS and DTLS."""
    _, report = full_run
    cases = [c for c in report["cases"] if c["scenario"] == "maf-association"]
    positive = [c for c in cases if c["kind"] == "positive"]
    assert len(positive) == 8 and all(c["result"] == "pass" and c["met"] for c in positive), \
        [(c["id"], c["diagnosis"]) for c in positive if not c["met"]]
    for case in positive:
        assert case["first_handshake"]["outcome"] == "completed"
        assert case["first_handshake"]["scenario"] == "connection"
        identity = case["inputs"]["initiator"]["psk_identity"]
        assert identity == case["key_identifier"]["readings"]["reference"]
        assert identity.endswith("@myMAF.provider.org")
        assert case["terminator_report"]["psk_identity"] == identity
        assert case["inputs"]["initiator"]["psk"] == case["exported"]["key"]
    refused = [c for c in cases if c["kind"] == "negative"]
    assert len(refused) == 7 * 8
    for case in refused:
        assert case["met"] and case["rejected_by"] == "terminator", (case["id"], case["diagnosis"])
        assert "unknown_psk_identity" in case["diagnosis"], case["diagnosis"]
        assert "the AE offered the PSK identity" in case["diagnosis"]
    named = {c["variant"]["name"]: c["diagnosis"] for c in refused if c["id"].startswith("maf-association.tls.openssl-wolfssl")}
    assert ": tr0038-example, " in named["identity-tr0038-example"]
    assert ": hexbinary, " in named["identity-hexbinary"]
    assert ": fqdn-case, " in named["identity-fqdn-upper-case"]
    assert ": fqdn-trailing-dot, " in named["identity-fqdn-trailing-dot"]
    assert ": wrong-fqdn, " in named["identity-unknown-maf"]


def test_extended_master_secret_axis(full_run):
    """RFC 7627 on and off: with it off at both ends, or not offered by the initiator, both ends
    report the classic master secret, and the exports (judged against the reference libraries and
    recomputed by the vectors' generator in another test) still agree."""
    _, report = full_run
    def ems(case):
        return (case["initiator_report"]["extended_master_secret"], case["terminator_report"]["extended_master_secret"])
    off = [c for c in report["cases"] if c["scenario"] in ("connection-no-ems", "bootstrap-ems-initiator-off")]
    on = [c for c in report["cases"] if c["scenario"] == "connection" and c["kind"] == "positive"]
    assert len(off) == 16 and len(on) == 8
    assert all(c["result"] == "pass" and ems(c) == (False, False) for c in off), [(c["id"], ems(c)) for c in off]
    assert all(ems(c) == (True, True) for c in on)
    assert all(v["verdict"] == "agree" for c in off for v in c["verdicts"])
