"""End-to-end tests of the run's command line: shards and their merge,
the expectations file (disabled cases, expected failures, a claimed key
identifier reading), progress on a terminal, set-up errors, the worker count,
and the output directory (locked, cleared, written whole or not at all)."""
import fcntl
import json
import os
import pty
import re
import resource
import signal
import struct
import subprocess
import sys
import termios
import textwrap
import time
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from conftest import ROOT, built, hanging_driver, proxy_driver

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


def test_shard_weights_cut_by_cost(kxconform, tmp_path):
    everything = kx(kxconform, "run", "--list").stdout.split()
    # Skewed: every case of the stable slice 1/3 is slow, the rest fast, so a cut by count puts
    # nearly all the time on one shard. A few cases are left out of the report: they cost its median.
    slow = set(kx(kxconform, "run", "--list", "--shard", "1/3").stdout.split())
    costs = {i: (400.0 if i in slow else 5.0) for i in everything}
    absent = everything[::37]
    weights = tmp_path / "report.json"
    weights.write_text(json.dumps({"cases": [{"id": i, "duration_ms": costs[i]} for i in everything
                                             if i not in absent]}), encoding="utf-8")

    def cut(*extra):
        return [kx(kxconform, "run", "--list", "--shard", "%d/3" % k, *extra).stdout.split() for k in (1, 2, 3)]

    weighted = cut("--shard-weights", weights)
    assert sorted(sum(weighted, [])) == sorted(everything), "the weighted shards do not partition the cases"
    assert all(weighted)
    assert cut("--shard-weights", weights) == weighted, "the weighted cut is not stable"
    for part in weighted:
        assert part == [i for i in everything if i in part], "a shard's cases are not in suite order"

    def spread(parts, cost):
        totals = [sum(cost[i] for i in part) for part in parts]
        return max(totals) - min(totals)

    assert spread(weighted, costs) < spread(cut(), costs) / 4
    # What the cut itself saw (the absent cases at the median, 5 ms): longest first onto the lightest
    # shard ends within one case's cost.
    assumed = {i: (5.0 if i in absent else costs[i]) for i in everything}
    assert spread(weighted, assumed) <= 400.0
    # Filters apply before the cut: the shards partition the filtered cases.
    psk = kx(kxconform, "run", "--list", "--filter", "psk.*").stdout.split()
    parts = cut("--filter", "psk.*", "--shard-weights", weights)
    assert sorted(sum(parts, [])) == sorted(psk)


def test_shard_weights_errors(kxconform, tmp_path):
    alone = kx(kxconform, "run", "--list", "--shard-weights", tmp_path / "none.json")
    assert alone.returncode == 2 and "--shard-weights needs --shard" in alone.stderr
    missing = kx(kxconform, "run", "--list", "--shard", "1/2", "--shard-weights", tmp_path / "none.json")
    assert missing.returncode == 2 and "none.json" in missing.stderr
    (tmp_path / "list.json").write_text("[]", encoding="utf-8")
    wrong = kx(kxconform, "run", "--list", "--shard", "1/2", "--shard-weights", tmp_path / "list.json")
    assert wrong.returncode == 2 and "not a kxconform report" in wrong.stderr
    # A report of a run that could not start has no durations: the cut goes by count, with a warning.
    (tmp_path / "empty.json").write_text('{"cases": []}', encoding="utf-8")
    parts = [kx(kxconform, "run", "--list", "--shard", "%d/2" % k, "--shard-weights", tmp_path / "empty.json")
             for k in (1, 2)]
    assert all(p.returncode == 0 and "no case durations" in p.stderr for p in parts)
    sizes = [len(p.stdout.split()) for p in parts]
    assert abs(sizes[0] - sizes[1]) <= 1


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


def keyid_vendor(tmp_path, reading):
    """A 'vendor' driver: the OpenSSL reference driver, except that it writes key
    identifiers in another reading of spec point 1."""
    return proxy_driver(tmp_path / "vendor", "vendor", """
        if request.get("op") == "keyid":
            request["reading"] = %r
        """ % reading)


def test_claimed_key_identifier_reading(kxconform, tmp_path):
    vendor = keyid_vendor(tmp_path, "hexbinary")
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
    status, text = run_on_terminal(["run", "--filter", "psk.tls.*", "--output", tmp_path], 200)
    assert status == 0
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


def test_unknown_options_and_stray_arguments_are_named(kxconform):
    for args in (["--bogus"], ["--bogus", "psk.*"], ["--list", "--bogus"]):
        result = kx(kxconform, "run", *args)
        assert result.returncode == 2, args
        assert "unknown option --bogus" in result.stderr and "needs a value" not in result.stderr, args
    stray = kx(kxconform, "run", "psk.tls.openssl-openssl")
    assert stray.returncode == 2 and 'unexpected argument "psk.tls.openssl-openssl"' in stray.stderr
    missing = kx(kxconform, "run", "--filter")
    assert missing.returncode == 2 and "--filter needs a value" in missing.stderr
    merge = kx(kxconform, "merge", "--bogus", "report.json")
    assert merge.returncode == 2 and "unknown option --bogus" in merge.stderr
    merge = kx(kxconform, "merge", "report.json", "--output")
    assert merge.returncode == 2 and "--output needs a value" in merge.stderr


def test_option_limits_are_in_the_messages(kxconform):
    for bad in ("0", "1025", "3x", ""):
        jobs = kx(kxconform, "run", "--jobs", bad)
        assert jobs.returncode == 2 and "--jobs takes a whole number from 1 to 1024" in jobs.stderr, bad
    filters = kx(kxconform, "run", "--list", *["--filter", "psk.*"] * 17)
    assert filters.returncode == 2 and "at most 16 --filter" in filters.stderr
    assert kx(kxconform, "run", "--list", *["--filter", "psk.*"] * 16).returncode == 0
    shard = kx(kxconform, "run", "--shard", "4/3")
    assert shard.returncode == 2 and "1 <= K <= N" in shard.stderr
    timeout = kx(kxconform, "run", "--timeout", "5s")
    assert timeout.returncode == 2 and "--timeout takes milliseconds" in timeout.stderr
    drivers = kx(kxconform, "run", *["--driver", "x=/bin/true"] * 9)
    assert drivers.returncode == 2 and "at most 8 --driver" in drivers.stderr


def test_a_filter_that_matches_nothing_is_a_usage_error(kxconform, tmp_path):
    listed = kx(kxconform, "run", "--list", "--filter", "psk.tcp.*", "--output", tmp_path)
    assert listed.returncode == 2 and "no case matches --filter 'psk.tcp.*'" in listed.stderr
    assert not (tmp_path / "reports").exists()  # --list writes nothing
    # A run that cannot start replaces an earlier run's green reports with ones that say why: a CI's
    # test view must not stay green while `make conformance` exits 2.
    assert kx(kxconform, "run", "--filter", "psk.tls.openssl-openssl", "--output", tmp_path).returncode == 0
    result = kx(kxconform, "run", "--filter", "psk.tcp.*", "--output", tmp_path)
    assert result.returncode == 2
    assert "no case matches --filter 'psk.tcp.*'" in result.stderr
    report = report_of(tmp_path)
    assert "no case matches" in report["error"] and report["cases"] == []
    schema = json.loads((ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(report)
    junit = ET.parse(tmp_path / "reports" / "junit.xml").getroot()
    assert junit.get("errors") == "1" and junit.get("tests") == "1"
    assert "no case matches" in junit.find(".//testcase[@name='set-up']/error").get("message")
    assert not list((tmp_path / "captures").glob("*.pcapng"))  # nor the earlier run's captures
    one = kx(kxconform, "run", "--list", "--filter", "psk.tcp.*", "--filter", "psk.tls.openssl-openssl")
    assert one.returncode == 0 and one.stdout.split() == ["psk.tls.openssl-openssl"]


def test_expectations_that_match_no_case_are_warned_about(kxconform, tmp_path):
    expect = tmp_path / "expect.json"
    expect.write_text(json.dumps({
        "disabled": {"psk.dtsl.*": "a typo"},
        "expected_failures": {"psk.tls.openssl-openssl": "real", "renamed.tls.*": "gone from the suite"},
    }), encoding="utf-8")
    result = kx(kxconform, "run", "--list", "--filter", "psk.tls.*", "--expect", expect)
    assert result.returncode == 0
    assert '"disabled" entry "psk.dtsl.*" matches no case' in result.stderr
    assert '"expected_failures" entry "renamed.tls.*" matches no case' in result.stderr
    assert "psk.tls.openssl-openssl" not in result.stderr
    assert "expect.json" in result.stderr


def test_more_jobs_than_the_old_64_thread_array(kxconform, tmp_path):
    """--jobs defaults to the cores, uncapped, and the workers were a fixed array of 64: a big
    machine overflowed it. 100 jobs on a run of more than 100 cases must simply work."""
    # 100 workers on a small machine (and under the sanitizers) share few cores: a generous
    # per-case limit keeps this about the workers, not about the machine's speed.
    suite = json.loads(SUITE.read_text(encoding="utf-8"))
    suite["defaults"]["timeout_ms"] = 120000
    roomy = tmp_path / "suite.json"
    roomy.write_text(json.dumps(suite), encoding="utf-8")
    ids = kx(kxconform, "run", "--suite", roomy, "--list", "--filter", "*.tls.*").stdout.split()
    assert len(ids) > 100
    result = kx(kxconform, "run", "--suite", roomy, "--jobs", "100", "--filter", "*.tls.*", "--output",
                tmp_path / "out")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    assert "%d cases on 100 jobs" % len(ids) in result.stdout
    report = report_of(tmp_path / "out")
    assert report["jobs"] == 100 and report["summary"]["cases"] == len(ids)
    # Never more workers than cases.
    few = kx(kxconform, "run", "--jobs", "1024", "--filter", "psk.tls.*-openssl", "--output", tmp_path / "few")
    assert few.returncode == 0 and report_of(tmp_path / "few")["jobs"] == len(
        kx(kxconform, "run", "--list", "--filter", "psk.tls.*-openssl").stdout.split())


def test_jobs_fit_the_open_file_limit(kxconform, tmp_path):
    """Each worker holds its drivers' pipes: with a low open-file limit the run uses fewer
    workers, and says so, rather than failing to start drivers."""
    def low_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (200, 200))
    result = subprocess.run([str(kxconform), "run", "--jobs", "100", "--filter", "*.tls.*", "--output",
                             str(tmp_path)], capture_output=True, text=True, timeout=300, preexec_fn=low_limit)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    assert "open-file limit (200)" in result.stderr
    assert 1 <= report_of(tmp_path)["jobs"] < 100


def test_a_second_run_into_the_same_output_is_refused(kxconform, tmp_path):
    out = tmp_path / "out"
    first = subprocess.Popen([str(kxconform), "run", "--driver", "hang=%s" % hanging_driver(tmp_path),
                              "--filter", "psk.tls.hang-hang", "--timeout", "3000", "--output", str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = out / ".kxconform.lock"
    deadline = time.monotonic() + 10
    while not (lock.exists() and lock.read_text().startswith("%d " % first.pid)):
        assert time.monotonic() < deadline and first.poll() is None, "the first run never took the lock"
        time.sleep(0.05)
    second = kx(kxconform, "run", "--filter", "psk.tls.openssl-openssl", "--output", out)
    assert second.returncode == 2
    assert "is in use by another kxconform (pid %d, `kxconform run`" % first.pid in second.stderr
    assert first.poll() is None, "the first run ended before the checks: make it longer"
    first.communicate(timeout=60)
    assert first.returncode == 1
    assert report_of(out)["cases"][0]["id"] == "psk.tls.hang-hang"
    # The lock ends with its run (and no driver inherited it).
    again = kx(kxconform, "run", "--filter", "psk.tls.openssl-openssl", "--output", out)
    assert again.returncode == 0, again.stderr


def test_a_second_merge_into_a_locked_output_is_refused(kxconform, tmp_path):
    shard = tmp_path / "shard"
    assert kx(kxconform, "run", "--filter", "psk.tls.openssl-openssl", "--output", shard).returncode == 0
    out = tmp_path / "merged"
    out.mkdir()
    with open(out / ".kxconform.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("4242 kxconform run\n")
        held.flush()
        merge = kx(kxconform, "merge", "--output", out, shard / "reports" / "report.json")
        assert merge.returncode == 2 and "pid 4242" in merge.stderr
        assert not (out / "reports" / "report.json").exists()
    merge = kx(kxconform, "merge", "--output", out, shard / "reports" / "report.json")
    assert merge.returncode == 0, merge.stderr


def test_a_new_run_clears_the_old_report_and_captures(kxconform, tmp_path):
    assert kx(kxconform, "run", "--filter", "psk.tls.*-wolfssl", "--output", tmp_path).returncode == 0
    old = {p.name for p in (tmp_path / "captures").iterdir()}
    assert "psk.tls.openssl-wolfssl.pcapng" in old
    (tmp_path / "captures" / "notes.txt").write_text("mine")
    assert kx(kxconform, "run", "--filter", "psk.tls.openssl-openssl", "--output", tmp_path).returncode == 0
    left = {p.name for p in (tmp_path / "captures").iterdir()}
    assert left == {"all-cases.pcapng", "psk.tls.openssl-openssl.pcapng", "psk.tls.openssl-openssl.keylog",
                    "notes.txt"}
    assert [c["id"] for c in report_of(tmp_path)["cases"]] == ["psk.tls.openssl-openssl"]


def test_a_report_that_cannot_be_written_is_said_and_none_is_left(kxconform, tmp_path):
    """A full disk, modelled by a file size limit between the size of a capture and that of
    report.json (SIGXFSZ ignored, so that the write fails with EFBIG as it would with ENOSPC)."""
    args = ["run", "--filter", "psk.tls.openssl-openssl", "--output", tmp_path]
    assert kx(kxconform, *args).returncode == 0
    capture = max(p.stat().st_size for p in (tmp_path / "captures").iterdir())
    report = (tmp_path / "reports" / "report.json").stat().st_size
    assert report > capture + 600
    limit = (capture + report) // 2

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    full = subprocess.run([str(kxconform), *map(str, args)], capture_output=True, text=True, timeout=300,
                          preexec_fn=small_disk)
    assert full.returncode == 2
    assert "no report was written: cannot write %s/reports/.report.json.tmp: File too large" % tmp_path \
        in full.stderr
    assert "reports: none written" in full.stdout and "reports: %s" % tmp_path not in full.stdout
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == []  # neither the old report nor a part

    # Reports in the way of a file, and a console on a full device.
    (tmp_path / "reports").rmdir()
    (tmp_path / "reports").write_text("in the way")
    blocked = kx(kxconform, *args)
    assert blocked.returncode == 2 and "no report was written" in blocked.stderr
    with open("/dev/full", "w") as full_device:
        lost = subprocess.run([str(kxconform), "run", "--filter", "psk.tls.openssl-openssl", "--output",
                               str(tmp_path / "b")], stdout=full_device, stderr=subprocess.PIPE, text=True)
    assert lost.returncode == 2 and "cannot write the standard output" in lost.stderr


def test_make_conformance_takes_the_vendor_inputs(tmp_path):
    """DRIVERS, EXPECT, OUTPUT, FILTER and JOBS reach `kxconform vectors` and `kxconform run`."""
    from conftest import BUILD
    expect = tmp_path / "expect.json"
    expect.write_text(json.dumps({"disabled": {"psk.tls.mine-mine.wrong-psk": "not in our product"}}),
                      encoding="utf-8")
    out = tmp_path / "out"
    # Variables of an enclosing `make test` must not leak into this make.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    result = subprocess.run(
        ["make", "-C", str(ROOT), "conformance", "BUILD_DIR=%s" % BUILD,
         "DRIVERS=mine=%s" % built("kx-driver-openssl"), "EXPECT=%s" % expect, "OUTPUT=%s" % out,
         "FILTER=psk.tls.mine-mine psk.tls.mine-mine.wrong-psk", "JOBS=1"],
        capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert re.search(r"; mine (\d+)/\1 passed;", result.stdout)  # the vectors ran on the given driver
    report = report_of(out)
    assert [d["name"] for d in report["drivers"]] == ["mine"]
    assert report["jobs"] == 1 and report["expectations"] == str(expect)
    cases = {c["id"]: c for c in report["cases"]}
    assert sorted(cases) == ["psk.tls.mine-mine", "psk.tls.mine-mine.wrong-psk"]
    assert cases["psk.tls.mine-mine.wrong-psk"]["expectation"] == "disabled"
    assert cases["psk.tls.mine-mine"]["result"] == "pass"
    # OUTPUT reached the vectors too: their report and JUnit view beside the run's, shown in its page.
    vectors = json.loads((out / "reports" / "vectors.json").read_text(encoding="utf-8"))
    assert [d["name"] for d in vectors["drivers"]] == ["mine"] and vectors["summary"]["passed"] is True
    assert report["vectors"]["summary"]["tests"] == vectors["summary"]["tests"]
    assert (out / "reports" / "junit-vectors.xml").exists()
    assert 'id="vectors"' in (out / "reports" / "index.html").read_text(encoding="utf-8")


def run_on_terminal(args, columns):
    """Runs kxconform on a pseudo-terminal `columns` wide; returns its exit status and output."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    process = subprocess.Popen([str(built("kxconform")), *map(str, args)], stdout=slave, stderr=slave,
                               close_fds=True)
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
    os.close(master)
    return process.wait(timeout=120), output.decode("utf-8", "replace")


@pytest.mark.parametrize("columns", [50, 70])
def test_progress_and_summary_fit_the_terminal(tmp_path, columns):
    """The updating line is cut to the width (a wrapped line cannot be rewritten and leaves stale
    lines behind); the summary and the FAIL lines wrap at the width, at spaces."""
    expect = tmp_path / "expect.json"
    expect.write_text(json.dumps({"expected_failures": {
        "bootstrap.dtls.openssl-wolfssl": "a reason long enough to need wrapping on any terminal narrower "
                                          "than a hundred and twenty columns or so"}}), encoding="utf-8")
    status, text = run_on_terminal(["run", "--filter", "bootstrap.dtls.openssl-wolfssl*", "--expect", expect,
                                    "--output", tmp_path / "out"], columns)
    assert status == 1, text
    updates = [part.split("\r")[0].split("\n")[0] for part in text.split("\r\x1b[K")[1:]]
    progress = [u for u in updates if u.startswith("[")]
    assert progress and all(len(u) < columns for u in progress), [u for u in progress if len(u) >= columns]
    # The longest id (bootstrap.dtls.openssl-wolfssl.non-mandated-suites-only) was cut, not wrapped.
    assert any(u.endswith("...") for u in progress)
    lines = [line.split("\r")[-1].replace("\x1b[K", "") for line in text.split("\n")]
    assert all(len(line) < columns for line in lines), [line for line in lines if len(line) >= columns]
    summary = " ".join(line.strip() for line in text.split("kxconform run: ")[-1].splitlines())
    assert "unmet: bootstrap.dtls.openssl-wolfssl [pass]: the expectations file says this case fails" in summary
    assert "than a hundred and twenty columns or so" in summary


def test_build_noise_only_when_asked_for():
    """A build with nothing to do says nothing: no "Entering directory" from the nested makes, no
    "Built target" per CMake target; VERBOSE=1 shows them."""
    from conftest import BUILD
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}

    def build(*extra):
        result = subprocess.run(["make", "-C", str(ROOT), "--no-print-directory", "build", "BUILD_DIR=%s" % BUILD,
                                 *extra], capture_output=True, text=True, timeout=600, env=env)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return result.stdout + result.stderr

    build()  # whatever was left to build
    quiet = build()
    assert "Entering directory" not in quiet and "Built target" not in quiet, quiet[-2000:]
    assert quiet.strip() == "", quiet[-2000:]
    verbose = build("VERBOSE=1")
    assert "Built target kxconform" in verbose
    assert "Built target" not in build()


@pytest.mark.parametrize("command", [["live"], ["verify"], ["http", "initiate"], ["vectors"], ["merge"]])
def test_every_command_names_unknown_options_and_stray_arguments(kxconform, command):
    bogus = kx(kxconform, *command, "--bogus")
    assert bogus.returncode == 2 and "unknown option --bogus" in bogus.stderr, bogus.stderr
    assert "needs a value" not in bogus.stderr and "bad option" not in bogus.stderr
    if command != ["merge"]:  # merge's arguments are report files
        stray = kx(kxconform, *command, "stray")
        assert stray.returncode == 2 and 'unexpected argument "stray"' in stray.stderr, stray.stderr


def test_option_limits_of_the_vendor_commands(kxconform):
    cases = [
        (["live", "--timeout", "0"], "--timeout takes milliseconds, a whole number from 1 to 600000, not \"0\""),
        (["live", "--claim-wait", "5s"], "--claim-wait takes milliseconds, a whole number from 0 to 600000"),
        (["live", *["--claim", "export=00"] * 33], "at most 32 --claim options"),
        (["live", "--claim"], "--claim needs a value"),
        (["live", "--label", "--role", "client"], "--label needs a value"),
        (["verify", "--timeout", "-1"], "--timeout takes milliseconds, a whole number from 1 to"),
        (["verify", *["--claim", "export=00"] * 33], "at most 32 --claim options"),
        (["http", "initiate", "--wait", "x"], "--wait takes milliseconds, a whole number from 1 to"),
        (["http", "listen", *["--driver", "x=/bin/true"] * 9], "at most 8 --driver options"),
        (["http", "--url", "http://127.0.0.1:1"], "the role comes first"),
        (["http", "initate"], 'unknown role "initate"'),
    ]
    for args, words in cases:
        result = kx(kxconform, *args)
        assert result.returncode == 2, args
        assert words in result.stderr, (args, result.stderr)
    usage = kx(kxconform, "live", "--help").stdout.split("\n\n")[0]
    assert "--vendor-name NAME" in usage and "--allow-remote" in usage
