"""End-to-end tests of the run's command line: shards and their merge,
the expectations file (disabled cases, expected failures, a claimed key
identifier reading), progress on a terminal, and set-up errors."""
import json
import os
import pty
import subprocess
import sys
import textwrap

from conftest import ROOT, built

SUITE = ROOT / "suites" / "onem2m.json"


def kx(kxconform, *args, timeout=300):
    return subprocess.run([str(kxconform), *map(str, args)], capture_output=True, text=True, timeout=timeout)


def report_of(directory):
    return json.loads((directory / "reports" / "report.json").read_text(encoding="utf-8"))


def test_shards_partition_the_cases_and_merge_back(kxconform, tmp_path):
    everything = kx(kxconform, "run", "--list", "--filter", "psk.*").stdout.split()
    slices = [kx(kxconform, "run", "--list", "--filter", "psk.*", "--shard", "%d/3" % k).stdout.split()
              for k in (1, 2, 3)]
    assert sorted(sum(slices, [])) == sorted(everything)
    assert all(slices), "a shard is empty: the slicing is not spreading cases"
    reports = []
    for k in (1, 2, 3):
        out = tmp_path / ("shard%d" % k)
        result = kx(kxconform, "run", "--filter", "psk.*", "--shard", "%d/3" % k, "--output", out)
        assert result.returncode == 0, result.stdout
        assert report_of(out)["shard"] == "%d/3" % k
        reports.append(out / "reports" / "report.json")
    merged = tmp_path / "merged"
    result = kx(kxconform, "merge", "--output", merged, *reports)
    assert result.returncode == 0, result.stderr
    report = report_of(merged)
    assert sorted(c["id"] for c in report["cases"]) == sorted(everything)
    assert report["summary"]["cases"] == len(everything) and report["summary"]["unmet"] == 0
    again = kx(kxconform, "merge", "--output", tmp_path / "twice", reports[0], reports[0])
    assert again.returncode == 2 and "already in an earlier report" in again.stderr


def test_expectations_disable_and_expect_failures(kxconform, tmp_path):
    expect = tmp_path / "expect.json"
    expect.write_text(json.dumps({
        "disabled": {"psk.dtls.*": "our product has no DTLS"},
        "expected_failures": {"psk.tls.openssl-openssl": "known issue 42"},
    }), encoding="utf-8")
    result = kx(kxconform, "run", "--filter", "psk.*", "--expect", expect, "--output", tmp_path)
    assert result.returncode == 1  # the expected failure passed: xpass is unmet
    cases = {c["id"]: c for c in report_of(tmp_path)["cases"]}
    disabled = cases["psk.dtls.wolfssl-openssl"]
    assert disabled["result"] == "skip" and disabled["met"] and "our product has no DTLS" in disabled["diagnosis"]
    xpass = cases["psk.tls.openssl-openssl"]
    assert xpass["expectation"] == "xpass" and not xpass["met"] and "known issue 42" in xpass["diagnosis"]
    assert "unmet: psk.tls.openssl-openssl" in result.stdout


def test_expected_failure_that_fails_is_met(kxconform, tmp_path):
    suite = json.loads(SUITE.read_text(encoding="utf-8"))
    psk = next(s for s in suite["scenarios"] if s["name"] == "psk")
    psk["initiator"]["psk"] = "00"  # every positive PSK case now fails
    suite["scenarios"] = [psk]
    path = tmp_path / "suite.json"
    path.write_text(json.dumps(suite), encoding="utf-8")
    expect = tmp_path / "expect.json"
    expect.write_text(json.dumps({"expected_failures": {"psk.*.*-*": "the key is wrong on purpose"}}),
                      encoding="utf-8")
    plain = kx(kxconform, "run", "--suite", path, "--filter", "psk.tls.*-*", "--output", tmp_path / "a")
    assert plain.returncode == 1
    xfail = kx(kxconform, "run", "--suite", path, "--filter", "psk.tls.openssl-wolfssl", "--expect", expect,
               "--output", tmp_path / "b")
    assert xfail.returncode == 0, xfail.stdout
    case = report_of(tmp_path / "b")["cases"][0]
    assert case["expectation"] == "xfail" and case["met"] and case["result"] == "fail"


def proxy_driver(tmp_path, reading):
    """A 'vendor' driver: the OpenSSL reference driver, except that it writes key
    identifiers in another reading of spec point 1."""
    path = tmp_path / "vendor"
    path.write_text("#!%s\n" % sys.executable + textwrap.dedent('''
        import json, subprocess, sys
        real = subprocess.Popen([%r], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        hello = json.loads(real.stdout.readline())
        hello["driver"] = "vendor"
        print(json.dumps(hello), flush=True)
        for line in sys.stdin:
            request = json.loads(line)
            if request.get("op") == "keyid":
                request["reading"] = %r
            real.stdin.write(json.dumps(request) + "\\n")
            real.stdin.flush()
            if request.get("op") == "bye":
                break
            print(real.stdout.readline().strip(), flush=True)
        ''' % (str(built("kx-driver-openssl")), reading)), encoding="utf-8")
    path.chmod(0o755)
    return path


def test_claimed_key_identifier_reading(kxconform, tmp_path):
    vendor = proxy_driver(tmp_path, "hexbinary")
    args = ["run", "--driver", "vendor=%s" % vendor, "--filter", "connection.tls.vendor-vendor"]
    refused = kx(kxconform, *args, "--output", tmp_path / "a")
    assert refused.returncode == 1
    case = report_of(tmp_path / "a")["cases"][0]
    assert "the initiator (vendor)'s keyid (keyid op) disagrees, hexbinary: the hex string" in case["diagnosis"]
    assert case["key_identifier"]["initiator_reading"] == "hexbinary"
    expect = tmp_path / "expect.json"
    expect.write_text(json.dumps({"key_identifier_reading": "hexbinary"}), encoding="utf-8")
    claimed = kx(kxconform, *args, "--expect", expect, "--output", tmp_path / "b")
    assert claimed.returncode == 0, claimed.stdout
    case = report_of(tmp_path / "b")["cases"][0]
    assert case["result"] == "pass" and "not the reference" in case["key_identifier"]["note"]


def test_bad_expectations_file_is_a_setup_error(kxconform, tmp_path):
    expect = tmp_path / "expect.json"
    expect.write_text(json.dumps({"disable": {"*": "typo"}}), encoding="utf-8")
    result = kx(kxconform, "run", "--expect", expect, "--output", tmp_path)
    assert result.returncode == 2
    assert "expect.json" in result.stderr and 'unknown member "disable"' in result.stderr


def test_progress_is_one_updating_line_on_a_terminal(kxconform, tmp_path):
    master, slave = pty.openpty()
    process = subprocess.Popen([str(kxconform), "run", "--filter", "psk.tls.*", "--output", str(tmp_path)],
                               stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    output = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    assert process.wait(timeout=120) == 0
    text = output.decode("utf-8", "replace")
    assert "\r\x1b[K[" in text
    assert "[1/" not in text.split("\r\x1b[K")[0]  # no per-case lines before the updating line
    assert "met their expectation" in text


def test_usage_errors_exit_2(kxconform):
    assert kx(kxconform, "run", "--jobs", "0").returncode == 2
    assert kx(kxconform, "run", "--shard", "4/3").returncode == 2
    assert kx(kxconform, "nonsense").returncode == 2
    assert kx(kxconform, "merge").returncode == 2
    help_text = kx(kxconform, "run", "--help")
    assert help_text.returncode == 0 and "Exit status" in help_text.stdout


def test_driver_crashing_on_open_is_an_error_never_a_met_skip(kxconform, tmp_path):
    """A crash is an error: negative cases whose misbehaving peer cannot be configured are skipped,
    but a driver killed while opening the session never makes a case met."""
    crasher = tmp_path / "crasher.py"
    crasher.write_text("#!%s\n" % sys.executable + textwrap.dedent('''
        import json, os, signal, subprocess, sys
        real = subprocess.Popen([%r], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        print(real.stdout.readline().strip(), flush=True)
        for line in sys.stdin:
            if json.loads(line).get("op") == "open":
                os.kill(os.getpid(), signal.SIGSEGV)
            real.stdin.write(line)
            real.stdin.flush()
            print(real.stdout.readline().strip(), flush=True)
        ''' % str(built("kx-driver-openssl"))), encoding="utf-8")
    crasher.chmod(0o755)
    result = kx(kxconform, "run", "--driver", "crash=%s" % crasher, "--filter", "psk.tls.*", "--output", tmp_path)
    assert result.returncode == 1
    cases = report_of(tmp_path)["cases"]
    assert cases and all(c["result"] == "error" and not c["met"] for c in cases), \
        [(c["id"], c["result"]) for c in cases if c["result"] != "error"]
    assert all("signal 11" in c["diagnosis"] for c in cases)
