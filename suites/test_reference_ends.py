"""The harness's own OpenSSL and wolfSSL ends in-process (the default of `kxconform run`) and as
driver processes (`--reference-ends process`): the same cases, the same verdicts, and clear errors
when the module is missing or the option is wrong (docs/architecture.md, "In-process reference
ends")."""
import json
import shutil
import subprocess

from conftest import BUILD, ROOT, built


def run(kxconform, out, *args):
    return subprocess.run([str(kxconform), "run", "--output", str(out), *args], capture_output=True, text=True,
                          timeout=600)


def verdicts(out):
    report = json.loads((out / "reports" / "report.json").read_text())
    return report, {c["id"]: (c["result"], c["met"]) for c in report["cases"]}


def test_in_process_and_process_ends_give_every_case_the_same_verdict(kxconform, tmp_path):
    """The whole fast profile both ways: positive, negative, fault, DTLS recovery, ESCertKE, MAF and
    e2e cases alike. Session secrets, random identifiers and signature lengths differ between runs,
    and with them the wording of some diagnoses; the verdicts must not."""
    fast = run(kxconform, tmp_path / "in")
    assert fast.returncode == 0, fast.stdout[-2000:] + fast.stderr[-2000:]
    slow = run(kxconform, tmp_path / "proc", "--reference-ends", "process")
    assert slow.returncode == 0, slow.stdout[-2000:] + slow.stderr[-2000:]
    report_in, cases_in = verdicts(tmp_path / "in")
    report_proc, cases_proc = verdicts(tmp_path / "proc")
    assert len(cases_in) >= 400
    assert cases_in == cases_proc
    assert all(d.get("in_process") is True for d in report_in["drivers"])
    assert all("in_process" not in d for d in report_proc["drivers"])


def test_workers_running_cases_of_one_id_at_once_keep_their_sessions_apart(kxconform, tmp_path):
    """Sessions are named after the case id, and an in-process module is shared by every worker
    thread: two workers playing cases of the same id at the same moment must still each find their
    own sessions (the session table is per thread)."""
    suite = json.loads((ROOT / "suites" / "onem2m.json").read_text())
    psk = next(s for s in suite["scenarios"] if s["name"] == "psk")
    one = {k: v for k, v in psk.items() if k not in ("negative", "faults")}
    one["transports"] = ["tls"]
    suite["scenarios"] = [one] * 80
    path = tmp_path / "copies.json"
    path.write_text(json.dumps(suite))
    result = run(kxconform, tmp_path / "out", "--suite", str(path), "--filter", "psk.tls.openssl-openssl",
                 "--jobs", "2")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "80 cases, 80 met their expectation" in result.stdout


def copy_without_modules(tmp_path):
    """kxconform and its drivers in a directory of their own, without the drivers' modules."""
    here = tmp_path / "bin"
    here.mkdir()
    for name in ("kxconform", "kx-driver-openssl", "kx-driver-wolfssl"):
        shutil.copy2(built(name), here / name)
    return here


def test_a_missing_module_is_named_with_the_way_out(tmp_path):
    here = copy_without_modules(tmp_path)
    args = ["--pki", str(BUILD / "pki"), "--filter", "psk.tls.openssl-wolfssl"]
    result = run(here / "kxconform", tmp_path / "out", *args)
    assert result.returncode == 2
    assert str(here / "kx-driver-openssl.so") in result.stderr
    assert "--reference-ends process" in result.stderr
    # The way out it names works: the same executables, as processes.
    result = run(here / "kxconform", tmp_path / "out2", "--reference-ends", "process", *args)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "1 cases, 1 met their expectation" in result.stdout


def test_a_module_that_is_not_a_driver_module_is_refused_by_name(tmp_path):
    here = copy_without_modules(tmp_path)
    (here / "kx-driver-openssl.so").write_bytes(b"not an ELF file")
    shutil.copy2(BUILD / "kx-driver-wolfssl.so", here / "kx-driver-wolfssl.so")
    result = run(here / "kxconform", tmp_path / "out", "--pki", str(BUILD / "pki"), "--filter", "psk.tls.*")
    assert result.returncode == 2
    assert "cannot load %s" % (here / "kx-driver-openssl.so") in result.stderr


def test_reference_ends_takes_two_values(kxconform, tmp_path):
    result = run(kxconform, tmp_path / "out", "--reference-ends", "thread")
    assert result.returncode == 2
    assert '--reference-ends is in-process or process, not "thread"' in result.stderr
    assert "--reference-ends WHERE" in subprocess.run([str(kxconform), "run", "--help"], capture_output=True,
                                                      text=True).stdout


def test_a_vendor_driver_stays_a_process(kxconform, tmp_path):
    """Only the harness's own executables run in-process: the same binary copied elsewhere and named
    as a vendor's driver is started as a process (its crashes must fail its cases, not the run)."""
    vendor = tmp_path / "vendor-driver"
    shutil.copy2(built("kx-driver-openssl"), vendor)
    result = run(kxconform, tmp_path / "out", "--driver", "vendor=%s" % vendor, "--driver",
                 "openssl=%s" % built("kx-driver-openssl"), "--filter", "psk.tls.vendor-openssl")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    report, _ = verdicts(tmp_path / "out")
    ends = {d["name"]: d.get("in_process", False) for d in report["drivers"]}
    assert ends == {"vendor": False, "openssl": True}
