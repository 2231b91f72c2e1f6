"""A vendor's driver with one plausible mistake at a time (suites/mutant_driver.py)
is detected and named by `kxconform vectors` and, wherever a handshake can show
the mistake, by `kxconform run`, in both roles. The same driver without a
mistake, listing only the reference variants, passes everything, and a broken
vendor never makes a case between the reference drivers unmet."""
import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import BUILD, built

MUTANT = Path(__file__).resolve().parent / "mutant_driver.py"

# mistake -> (the name vectors must give or None when vectors cannot see it,
#             the scenario whose handshakes show it or None, the name run must give)
MISTAKES = {
    "randoms-swapped": ("randoms-swapped", "connection", "randoms-swapped"),
    "empty-context": ("empty-context", "connection", "empty-context"),
    "wrong-prf-hash": ("wrong-prf-hash", "connection", "wrong-prf-hash"),
    "wrong-label": ("wrong-label", "connection", "wrong-label"),
    "key-expansion": ("key-expansion", "connection", "key-expansion"),
    # A stack that ignores the suite's PRF hash passes every SHA-256 suite: only a SHA-384 one shows it.
    "prf-sha256-always": ("wrong-prf-hash", "connection-sha384", "wrong-prf-hash"),
    "master-secret": ("master-secret", "connection", "master-secret"),
    "split-swapped": ("split-swapped", "connection", "split-swapped"),
    "tr0038-example": ("tr0038-example", "connection", "tr0038-example"),
    "hexbinary": ("hexbinary", "connection", "hexbinary"),
    "base64url": ("base64url", "bootstrap", "base64url"),
    "unpadded": ("unpadded", "bootstrap", "unpadded"),
    "fqdn-case": ("fqdn-case", "connection", "fqdn-case"),
    "fqdn-trailing-dot": ("fqdn-trailing-dot", "connection", "fqdn-trailing-dot"),
    "keyid-from-key": (None, "connection", "keyid-from-key"),
    "hkdf-single-info": ("hkdf-single-info", "e2e", "hkdf-single-info"),
    "hkdf-per-key": ("hkdf-per-key", "e2e", "hkdf-per-key"),
    "label-trailing-nul": ("label-trailing-nul", "e2e", "label-trailing-nul"),
    "extract-swapped": ("extract-swapped", "e2e", "extract-swapped"),
    "counter-from-zero": ("counter-from-zero", "e2e", "counter-from-zero"),
    "counter-constant": ("counter-constant", "e2e", "counter-constant"),
    "unchained": ("unchained", "e2e", "unchained"),
    "t-order": ("t-order", "e2e", "t-order"),
    "wrong-hash": ("wrong-hash", "e2e", "wrong-hash"),
    "truncated": ("truncated", "e2e", "truncated"),
    "salt-missing": ("salt-missing", "e2e", "salt-missing"),
    "labels-exchanged": ("labels-exchanged", "e2e", "labels-exchanged"),
    "separator": ("separator", "e2e", "separator"),
    "identifier-first": ("identifier-first", "e2e", "identifier-first"),
    "hmac-swapped": ("hmac-swapped", "e2e", "hmac-swapped"),
    "no-identifier": ("no-identifier", "e2e", "no-identifier"),
    # The e2e-nfkc scenario's Enrolee-B-ID is changed by NFKC and differently by NFC: normalising in
    # one place but not another shows in the handshake's E2E keys.
    "missing-nfkc": ("missing-nfkc", "e2e-nfkc", "missing-nfkc"),
    "nfc-not-nfkc": ("nfc-not-nfkc", "e2e-nfkc", "nfc-not-nfkc"),
    "e2e-missing-nfkc": ("missing-nfkc", "e2e-nfkc", "missing-nfkc"),
    "e2e-nfc-not-nfkc": ("nfc-not-nfkc", "e2e-nfkc", "nfc-not-nfkc"),
}


def mutant(tmp_path, mistake):
    path = tmp_path / ("vendor-" + mistake)
    path.write_text("#!/bin/sh\nexec /usr/bin/python3 %s %s %s\n" % (MUTANT, built("kx-driver-openssl"), mistake),
                    encoding="utf-8")
    path.chmod(0o755)
    return path


def kx(*args, timeout=300):
    # The captures are not what these tests judge: tshark's second per run is saved (the capture
    # check is then reported "not-run"), and vectors reports go to a scratch directory.
    env = dict(os.environ, KX_TSHARK="/nonexistent/tshark")
    args = [str(a) for a in args]
    if args[0] == "vectors" and "--output" not in args:
        args += ["--output", tempfile.mkdtemp(prefix="kx-mistakes-")]
    return subprocess.run([str(built("kxconform"))] + args, capture_output=True, text=True, timeout=timeout,
                          env=env)


def references():
    return ["--driver", "openssl=%s" % built("kx-driver-openssl"), "--driver", "wolfssl=%s" % built("kx-driver-wolfssl")]


# One mistake of each family runs under the sanitizers too; the rest are marked slow.
REPRESENTATIVE = {"randoms-swapped", "split-swapped", "tr0038-example", "fqdn-trailing-dot", "counter-from-zero",
                  "wrong-hash", "labels-exchanged", "nfc-not-nfkc", "wrong-prf-hash"}


def mistakes(column):
    return [pytest.param(m, marks=() if m in REPRESENTATIVE else pytest.mark.slow)
            for m, spec in sorted(MISTAKES.items()) if spec[column] is not None]


@pytest.mark.parametrize("mistake", mistakes(0))
def test_vectors_name_the_mistake(tmp_path, mistake):
    name = MISTAKES[mistake][0]
    result = kx("vectors", "--driver", "vendor=%s" % mutant(tmp_path, mistake))
    assert result.returncode == 1, result.stdout
    fails = [line for line in result.stdout.splitlines() if line.startswith("FAIL") and "[vendor]" in line]
    assert fails, result.stdout
    named = [line for line in fails if ("mistake %s:" % name) in line or ("reads as %s" % name) in line]
    assert named, "no FAIL line names %s:\n%s" % (name, "\n".join(fails[:5]))


@pytest.mark.parametrize("mistake", mistakes(1))
def test_run_names_the_mistake_in_both_roles(tmp_path, mistake):
    _, scenario, name = MISTAKES[mistake]
    out = tmp_path / "out"
    result = kx("run", "--driver", "vendor=%s" % mutant(tmp_path, mistake), *references(),
                "--filter", "%s.*.vendor-openssl" % scenario, "--filter", "%s.*.wolfssl-vendor" % scenario,
                "--output", out)
    report = json.loads((out / "reports" / "report.json").read_text(encoding="utf-8"))
    assert len(report["cases"]) in (2, 4)
    showing = 0
    for case in report["cases"]:
        role = "initiator" if case["initiator"] == "vendor" else "terminator"
        readings = case.get("key_identifier", {}).get("readings", {})
        if name in readings and readings[name] == readings["reference"]:
            # This session's identifier has no '+' or '/': base64url spells it as the reference does.
            assert case["met"], case["diagnosis"]
            continue
        showing += 1
        assert not case["met"] and case["result"] == "fail", case["diagnosis"]
        assert "the %s (vendor)" % role in case["diagnosis"] and name in case["diagnosis"], case["diagnosis"]
        wrong = [v for v in case["verdicts"] if v["verdict"] == "disagree"]
        assert wrong and all(v["end"] == "the %s (vendor)" % role for v in wrong), wrong
        assert any(name in (v["mistake"] or "").split("+") for v in wrong), wrong
        assert case["exported"]["recomputed_by"] == "openssl, wolfssl"
    assert showing > 0 or mistake == "base64url"
    assert result.returncode == (1 if showing else 0), result.stdout


def test_vendor_without_mistake_passes_vectors_and_the_whole_matrix(tmp_path):
    vendor = mutant(tmp_path, "none")
    vectors = kx("vectors", "--driver", "vendor=%s" % vendor)
    assert vectors.returncode == 0, vectors.stdout
    # It lists only the reference key identifier reading: the others are not asked, not failed.
    assert "not implemented" in vectors.stdout.splitlines()[-1]
    run = kx("run", "--driver", "vendor=%s" % vendor, *references(), "--output", tmp_path / "out")
    assert run.returncode == 0, run.stdout[-3000:]


def test_broken_vendor_never_fails_a_case_between_reference_drivers(tmp_path):
    out = tmp_path / "out"
    result = kx("run", "--driver", "vendor=%s" % mutant(tmp_path, "split-swapped"), *references(), "--output", out)
    assert result.returncode == 1
    report = json.loads((out / "reports" / "report.json").read_text(encoding="utf-8"))
    reference_only = [c for c in report["cases"] if "vendor" not in (c["initiator"], c["terminator"])]
    assert len(reference_only) == len(kx("run", "--list").stdout.split())
    assert all(c["met"] for c in reference_only), [c["id"] for c in reference_only if not c["met"]]
    for case in report["cases"]:
        assert "vendor" not in case.get("exported", {}).get("recomputed_by", "")


def test_vendor_named_like_a_reference_is_not_trusted(tmp_path):
    """A proxy registered under the name openssl is still judged, never used as the reference."""
    out = tmp_path / "out"
    result = kx("run", "--driver", "openssl=%s" % mutant(tmp_path, "randoms-swapped"), "--filter",
                "connection.tls.openssl-openssl", "--output", out)
    assert result.returncode == 1
    case = json.loads((out / "reports" / "report.json").read_text(encoding="utf-8"))["cases"][0]
    assert "randoms-swapped" in case["diagnosis"]
    assert case["exported"]["recomputed_by"] == "reference-openssl, reference-wolfssl"


def test_a_vendor_key_identifier_reading_breaks_the_maf_chain_on_the_wire(tmp_path):
    """Spec README point 11: an AE whose Key Identifier is in another reading offers it as its
    psk_identity; the IN-CSE, holding the MAF's reference one, refuses, and the reading is named."""
    out = tmp_path / "out"
    result = kx("run", "--driver", "vendor=%s" % mutant(tmp_path, "tr0038-example"), *references(),
                "--filter", "maf-association.tls.vendor-openssl", "--output", out)
    assert result.returncode == 1
    case = json.loads((out / "reports" / "report.json").read_text(encoding="utf-8"))["cases"][0]
    assert case["outcome"] == "refused" and case["rejected_by"] == "terminator"
    assert "unknown_psk_identity" in case["diagnosis"]
    assert "the initiator (vendor)'s keyid" in case["diagnosis"] and "tr0038-example" in case["diagnosis"]
