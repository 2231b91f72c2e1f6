"""End-to-end tests of `kxconform vectors`: every vector file is checked on
both reference backends, a corrupted or malformed file is named by file and
tcId without stopping the other files, and a driver that crashes, hangs,
speaks garbage or another protocol version fails cleanly."""
import json
import re
import shutil
import stat
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

BACKENDS = ("openssl", "wolfssl")


def run(kxconform, *args, timeout=60):
    return subprocess.run([str(kxconform), "vectors", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


def file_line(output, name):
    """The per-file summary line of a run, e.g. '  keyid_test.json  73 tests  core 73/73  openssl 26/26 ...'."""
    for line in output.splitlines():
        if line.startswith("  %s " % name):
            return line
    raise AssertionError("no summary line for %s in:\n%s" % (name, output))


@pytest.fixture
def vectors_copy(tmp_path, vectors_dir):
    target = tmp_path / "vectors"
    target.mkdir()
    for path in vectors_dir.glob("*.json"):
        shutil.copy(path, target / path.name)
    return target


def edit(path, change):
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")


def first_test(data, result=None, **where):
    for group in data["testGroups"]:
        for test in group["tests"]:
            if (result is None or test["result"] == result) and all(test.get(k) == v for k, v in where.items()):
                return test
    raise AssertionError("no such test")


def edit_test(path, change, result=None, **where):
    """Applies change to the first test of the file at path with this result and members; returns its tcId."""
    target = {}

    def change_first(data):
        test = first_test(data, result, **where)
        change(test)
        target["id"] = test["tcId"]

    edit(path, change_first)
    return target["id"]


def flip_hex(text):
    return ("1" if text[0] == "0" else "0") + text[1:]


def test_every_file_every_test_on_both_backends(kxconform, vectors_dir):
    result = run(kxconform)
    assert result.returncode == 0, result.stdout + result.stderr
    files = sorted(vectors_dir.glob("*.json"))
    assert len(files) >= 6
    total = 0
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        line = file_line(result.stdout, path.name)
        assert re.search(r"\b%d tests\b" % data["numberOfTests"], line), line
        total += data["numberOfTests"]
        driver_counts = set()
        for backend in BACKENDS:
            match = re.search(r"\b%s (\d+)/(\d+)\b" % backend, line)
            assert match, "%s not checked on %s: %s" % (path.name, backend, line)
            passed, checked = map(int, match.groups())
            assert passed == checked and checked > 0, line
            driver_counts.add(checked)
        assert len(driver_counts) == 1, "backends checked different numbers of tests: " + line
    assert "kxconform vectors: %d tests;" % total in result.stdout
    assert "0 failed, 0 malformed" in result.stdout
    for backend in BACKENDS:
        assert backend in result.stdout.splitlines()[0]


def test_corrupted_output_names_file_and_tcid_on_each_backend(kxconform, vectors_copy):
    path = vectors_copy / "e2e_derivation_test.json"
    tc_id = edit_test(path, lambda test: test.update(t3=flip_hex(test["t3"])), "valid")
    result = run(kxconform, "--vectors", vectors_copy)
    assert result.returncode == 1
    for backend in BACKENDS:
        assert "FAIL e2e_derivation_test.json tcId %d [%s]: t3 is" % (tc_id, backend) in result.stdout
    # The other files are still checked and pass.
    assert re.search(r"openssl (\d+)/\1", file_line(result.stdout, "tls12_prf_test.json"))


def test_invalid_test_whose_variant_does_not_match_fails(kxconform, vectors_copy):
    path = vectors_copy / "onem2m_exporter_test.json"
    tc_id = edit_test(path, lambda test: test.update(variant="randoms-swapped"), "invalid", variant="split-swapped")
    result = run(kxconform, "--vectors", path, "--check-models")
    assert result.returncode == 1
    assert ("FAIL onem2m_exporter_test.json tcId %d [models]: the test carries randoms-swapped; the judge names "
            "split-swapped" % tc_id) in result.stdout


def test_invalid_test_carrying_reference_outputs_fails(kxconform, vectors_copy):
    """An 'invalid' test whose outputs are the reference ones would hide the mistake it names."""
    path = vectors_copy / "onem2m_exporter_test.json"
    # split-swapped keeps the correct exporter output; the reference split is computable here.
    tc_id = edit_test(path, lambda test: test.update(keyId=test["output"][:32], key=test["output"][32:]), "invalid",
                      variant="split-swapped")
    result = run(kxconform, "--vectors", path)
    assert result.returncode == 1
    assert "tcId %d [wolfssl]: the answer to the reference request is the known mistake split-swapped" \
        % tc_id in result.stdout


def test_keyid_expectation_checked_by_core_classifier(kxconform, vectors_copy):
    path = vectors_copy / "keyid_test.json"
    tc_id = edit_test(path, lambda test: test.update(reading="unpadded"), "acceptable", reading="hexbinary")
    result = run(kxconform, "--vectors", path)
    assert result.returncode == 1
    assert "FAIL keyid_test.json tcId %d [core]: the harness classifies" % tc_id in result.stdout


def test_malformed_file_does_not_stop_the_others(kxconform, vectors_copy):
    (vectors_copy / "aaa_broken.json").write_text('{"algorithm": "TLS12-PRF", "testGroups": [', encoding="utf-8")
    result = run(kxconform, "--vectors", vectors_copy)
    assert result.returncode == 1
    assert re.search(r"ERROR .*aaa_broken\.json: not readable as JSON", result.stdout), result.stdout
    for name in ("hkdf_test.json", "tls12_prf_test.json", "keyid_test.json"):
        file_line(result.stdout, name)
    assert "1 malformed" in result.stdout


def test_malformed_test_is_named_and_the_rest_checked(kxconform, vectors_copy):
    path = vectors_copy / "tls12_prf_test.json"
    target = {}

    def drop_secret(data):
        test = data["testGroups"][0]["tests"][1]
        del test["secret"]
        target["id"] = test["tcId"]

    edit(path, drop_secret)
    result = run(kxconform, "--vectors", path)
    assert result.returncode == 1
    assert 'ERROR tls12_prf_test.json tcId %d: no string "secret"' % target["id"] in result.stdout
    data = json.loads(path.read_text(encoding="utf-8"))
    remaining = data["numberOfTests"] - 1
    assert "openssl %d/%d" % (remaining, remaining) in file_line(result.stdout, "tls12_prf_test.json")


def test_shared_layout_problems_are_named(kxconform, vectors_copy):
    path = vectors_copy / "hkdf_test.json"

    def damage(data):
        data["numberOfTests"] += 1
        data["testGroups"][0]["tests"][0]["flags"].append("NoSuchFlag")
        data["testGroups"][0]["tests"][2]["tcId"] = data["testGroups"][0]["tests"][1]["tcId"]

    edit(path, damage)
    result = run(kxconform, "--vectors", path)
    assert result.returncode == 1
    assert 'flag "NoSuchFlag" is not defined in notes' in result.stdout
    assert "tcId used twice" in result.stdout
    assert "numberOfTests says" in result.stdout


def test_unknown_schema_is_an_error(kxconform, vectors_copy):
    path = vectors_copy / "hkdf_test.json"
    edit(path, lambda data: data.update(schema="sha3_test_schema.json"))
    result = run(kxconform, "--vectors", path)
    assert result.returncode == 1
    assert 'unknown schema "sha3_test_schema.json"' in result.stdout


def earlier_layout(data):
    """The file as a vendor wrote it for the schemas before Wycheproof v1: the schema name without
    `_v1`, a file-level generatorVersion, no group `source`, notes of bugType and description only."""
    data["schema"] = re.sub(r"_schema(_v1)?\.json$", "_schema.json", data["schema"])
    data["generatorVersion"] = "1.1.0"
    for group in data["testGroups"]:
        group.pop("source", None)
    for name, note in data["notes"].items():
        data["notes"][name] = {"bugType": note["bugType"], "description": note["description"]}


def v1_layout(data):
    """The file in Wycheproof v1's layout: the `_v1` schema name, a `source` in every group and no
    generatorVersion (what vectors/gen writes; applied again so the test holds either way)."""
    data["schema"] = re.sub(r"_schema(_v1)?\.json$", "_schema_v1.json", data["schema"])
    data.pop("generatorVersion", None)
    for group in data["testGroups"]:
        group.setdefault("source", {"name": "kxconform vectors/gen", "version": "test"})


def tally(output):
    """The last line's counts: '424 tests; core 152/152 passed; ...; 0 failed, 0 malformed'."""
    return output.strip().splitlines()[-1].split(": ", 1)[1]


@pytest.mark.parametrize("layout", [earlier_layout, v1_layout], ids=lambda f: f.__name__)
def test_both_schema_generations_run_every_test(kxconform, vectors_dir, vectors_copy, layout):
    """Files named for either the v1 schemas or the earlier ones are checked alike: a vendor's own
    files written before v1 keep working."""
    for path in sorted(vectors_copy.glob("*.json")):
        edit(path, layout)
    schemas = {json.loads(p.read_text(encoding="utf-8"))["schema"] for p in vectors_copy.glob("*.json")}
    assert len(schemas) == 6 and all(s.endswith("_v1.json") == (layout is v1_layout) for s in schemas), schemas
    reference = run(kxconform, "--vectors", vectors_dir, "--output", vectors_copy.parent / "reference")
    result = run(kxconform, "--vectors", vectors_copy, "--output", vectors_copy.parent / "out")
    assert reference.returncode == 0, reference.stdout + reference.stderr
    assert result.returncode == 0, result.stdout + result.stderr
    assert "unknown schema" not in result.stdout
    assert tally(result.stdout) == tally(reference.stdout)
    report = json.loads((vectors_copy.parent / "out" / "reports" / "vectors.json").read_text(encoding="utf-8"))
    assert {f["schema"] for f in report["files"]} == schemas


def test_missing_vectors_is_a_setup_error(kxconform, tmp_path):
    result = run(kxconform, "--vectors", tmp_path / "nowhere")
    assert result.returncode == 2
    assert "nowhere" in result.stderr


def fake_driver(tmp_path, name, body):
    """A driver written in Python that misbehaves as body says."""
    path = tmp_path / name
    path.write_text("#!%s\n" % sys.executable + textwrap.dedent(body), encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


OPERATIONS = '"capabilities": {"operations": ["hmac", "prf", "hkdf", "exporter", "e2e", "enrolment", "keyid"]}'
HELLO = ('import sys, json, time\nprint(json.dumps({"type": "hello", "protocol": 1, "driver": "fake", %s}), '
         'flush=True)\n' % OPERATIONS)


def test_crashing_driver_fails_its_tests_and_the_run_goes_on(kxconform, vectors_dir, tmp_path):
    driver = fake_driver(tmp_path, "crash", HELLO + "sys.stdin.readline()\nimport os\nos.abort()\n")
    result = run(kxconform, "--driver", "fake=%s" % driver, "--driver",
                 "openssl=%s" % (kxconform.parent / "kx-driver-openssl"), "--vectors", vectors_dir)
    assert result.returncode == 1
    assert re.search(r"FAIL \S+ tcId \d+ \[fake\]: driver error: .*killed by signal 6", result.stdout), result.stdout
    # The healthy driver still checked everything.
    assert re.search(r"openssl (\d+)/\1 passed", result.stdout.splitlines()[-1])


def test_hanging_driver_times_out(kxconform, vectors_dir, tmp_path):
    driver = fake_driver(tmp_path, "hang", HELLO + "time.sleep(60)\n")
    result = run(kxconform, "--driver", "fake=%s" % driver, "--timeout", "300", "--vectors",
                 vectors_dir / "hkdf_test.json", timeout=20)
    assert result.returncode == 1
    assert "no answer in time" in result.stdout


def test_garbage_writing_driver_is_named(kxconform, vectors_dir, tmp_path):
    driver = fake_driver(tmp_path, "garbage", HELLO + "sys.stdin.readline()\nprint('Segmentation fault?', flush=True)\n"
                         "time.sleep(5)\n")
    result = run(kxconform, "--driver", "fake=%s" % driver, "--vectors", vectors_dir / "hkdf_test.json")
    assert result.returncode == 1
    assert "not a JSON response: \"Segmentation fault?\"" in result.stdout


def test_other_protocol_version_is_a_setup_error(kxconform, vectors_dir, tmp_path):
    driver = fake_driver(tmp_path, "future", 'import json\nprint(json.dumps({"type": "hello", "protocol": 3}))\n')
    result = run(kxconform, "--driver", "fake=%s" % driver, "--vectors", vectors_dir)
    assert result.returncode == 2
    assert "speaks protocol 3" in result.stderr


def test_missing_driver_is_a_setup_error(kxconform, vectors_dir, tmp_path):
    result = run(kxconform, "--driver", "fake=%s" % (tmp_path / "absent"), "--vectors", vectors_dir)
    assert result.returncode == 2
    assert "is not an executable file" in result.stderr


def test_driver_answers_bad_requests_with_errors(kxconform):
    """A driver never dies on a bad request: it answers ok=false with a reason."""
    requests = [
        "not json",
        json.dumps([1, 2]),
        json.dumps({"id": 1, "op": "nonsense"}),
        json.dumps({"id": 2, "op": "prf", "hash": "SHA-256", "secret": "zz", "label": "x", "seed": "", "length": 4}),
        json.dumps({"id": 3, "op": "prf", "hash": "MD5", "secret": "", "label": "x", "seed": "", "length": 4}),
        json.dumps({"id": 4, "op": "prf", "hash": "SHA-256", "secret": "", "label": "x", "seed": "",
                    "length": 1 << 40}),
        json.dumps({"id": 5, "op": "exporter", "hash": "SHA-256", "master_secret": "00", "client_random": "",
                    "server_random": "", "label": "x", "length": 48}),
        json.dumps({"id": 6, "op": "keyid", "key_id": "00" * 16, "fqdn": "bad..fqdn"}),
        json.dumps({"id": 7, "op": "e2e", "hash": "SHA-256", "kpsa": "00", "enrolee_b_id": "a", "variant": "x"}),
        json.dumps({"id": 8, "op": "hmac", "hash": "SHA-256", "key": "", "data": ""}),
    ]
    for backend in BACKENDS:
        driver = kxconform.parent / ("kx-driver-%s" % backend)
        out = subprocess.run([str(driver)], input="\n".join(requests) + "\n", capture_output=True, text=True,
                             timeout=10)
        assert out.returncode == 0, out.stderr
        lines = [json.loads(line) for line in out.stdout.splitlines()]
        hello, answers = lines[0], lines[1:]
        assert hello["type"] == "hello" and hello["protocol"] == 2 and hello["driver"] == backend
        assert len(answers) == len(requests)
        assert [a["ok"] for a in answers] == [False] * 9 + [True]
        assert answers[-1]["out"] == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"
        assert "malformed request" in answers[0]["error"]
        assert 'unknown operation "nonsense"' in answers[2]["error"]
        assert "MD5" in answers[4]["error"]
        assert "must be 48 bytes" in answers[6]["error"]


VENDOR_E2E = HELLO.replace('"driver": "fake", ' + OPERATIONS,
                           '"driver": "vendor", "capabilities": {"operations": ["e2e"], '
                           '"variants": {"e2e": ["reference"]}}') + '''
import hashlib, hmac, unicodedata
LABEL = b"E2E Message Authentication Key"
for line in sys.stdin:
    req = json.loads(line)
    if req.get("op") == "bye":
        break
    h = getattr(hashlib, req["hash"].replace("-", "").lower())
    if "enrolee_b_id" in req:
        salt = unicodedata.normalize("NFKC", req["enrolee_b_id"]).encode()
    else:
        salt = bytes.fromhex(req["salt"])
    master = hmac.new(salt, bytes.fromhex(req["kpsa"]), h).digest()
    # The mistake: one RFC 5869 HKDF-Expand with the first label only.
    okm, block, i = b"", b"", 1
    while len(okm) < 4 * len(master):
        block = hmac.new(master, block + LABEL + bytes([i]), h).digest()
        okm += block
        i += 1
    n = len(master)
    t = [okm[k * n:(k + 1) * n].hex() for k in range(4)]
    print(json.dumps({"id": req["id"], "ok": True, "master": master.hex(), "t": t}), flush=True)
'''


def test_vendor_mistake_is_named(kxconform, vectors_dir, tmp_path):
    """A vendor driver that implements T(1)..T(4) as one HKDF-Expand is told so by name."""
    driver = fake_driver(tmp_path, "vendor", VENDOR_E2E)
    path = vectors_dir / "e2e_derivation_test.json"
    result = run(kxconform, "--driver", "vendor=%s" % driver, "--vectors", path)
    assert result.returncode == 1
    data = json.loads(path.read_text(encoding="utf-8"))
    tests = [t for g in data["testGroups"] for t in g["tests"]]
    named = [t["tcId"] for t in tests if t.get("variant") == "hkdf-single-info"]
    other_invalid = [t["tcId"] for t in tests if t["result"] == "invalid" and t.get("variant") != "hkdf-single-info"]
    valid = [t["tcId"] for t in tests if t["result"] == "valid"]
    assert named and other_invalid and valid
    for tc_id in named:
        assert ("FAIL e2e_derivation_test.json tcId %d [vendor]: the answer to the reference request is the known "
                "mistake hkdf-single-info" % tc_id) in result.stdout
    for tc_id in valid:
        assert re.search(r"FAIL e2e_derivation_test.json tcId %d \[vendor\]: t2 is .*; mistake hkdf-single-info: "
                         % tc_id, result.stdout)
    for tc_id in other_invalid:
        assert "tcId %d [vendor]" % tc_id not in result.stdout


def test_driver_closing_its_output_mid_run_is_named(kxconform, vectors_dir, tmp_path):
    """A driver that closes its pipes but stays alive fails the requests it owed; the run ends on time."""
    driver = fake_driver(tmp_path, "closer", HELLO + "sys.stdin.readline()\nimport os\nos.close(1)\nos.close(0)\n"
                         "time.sleep(30)\n")
    result = run(kxconform, "--driver", "fake=%s" % driver, "--timeout", "3000", "--vectors",
                 vectors_dir / "hkdf_test.json", timeout=20)
    assert result.returncode == 1
    assert "it closed its output" in result.stdout


# --- the vectors report (reports/vectors.json, junit-vectors.xml, and the run's report) ---

VECTORS_SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "vectors-report.schema.json"
REPORT_SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "report.schema.json"
FAIL_LINE = re.compile(r"^FAIL (\S+) tcId (\d+) \[([^\]]+)\]: (.*)$")


def validate(path, schema_path):
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    data = json.loads(path.read_text(encoding="utf-8"))
    errors = ["%s: %s" % ("/".join(map(str, e.path)), e.message)
              for e in jsonschema.Draft202012Validator(schema).iter_errors(data)]
    assert not errors, errors[:10]
    return data


def test_vector_results_are_in_every_report(kxconform, vectors_dir, tmp_path):
    """`kxconform vectors --output DIR` writes vectors.json and junit-vectors.xml, each FAIL line in both
    with its named mistake; a run into the same DIR shows them in report.json and index.html. A CI's test
    view is red exactly when the vectors exit 1."""
    vendor = fake_driver(tmp_path, "vendor", VENDOR_E2E)
    out = tmp_path / "out"
    result = run(kxconform, "--driver", "vendor=%s" % vendor, "--driver",
                 "openssl=%s" % (kxconform.parent / "kx-driver-openssl"), "--vectors",
                 vectors_dir / "e2e_derivation_test.json", "--vectors", vectors_dir / "keyid_test.json",
                 "--output", out)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "reports: %s/reports/ (vectors.json, junit-vectors.xml)" % out in result.stdout
    vectors = validate(out / "reports" / "vectors.json", VECTORS_SCHEMA)
    assert vectors["summary"]["passed"] is False and vectors["summary"]["failed"] > 0

    # Every FAIL line is a failure of the report, with the mistake the line names.
    lines = {}
    for line in result.stdout.splitlines():
        match = FAIL_LINE.match(line)
        if match:
            name, tc_id, driver, rest = match.groups()
            mistake = re.search(r"; mistake ([^:]+): ", rest)
            lines[(name, int(tc_id), driver)] = mistake.group(1) if mistake else None
    assert lines and all(key[2] == "vendor" for key in lines)
    failures = {}
    for file in vectors["files"]:
        for driver in file["drivers"]:
            assert driver["passed"] + driver["accepted"] + driver["failed"] == driver["checked"]
            assert driver["failed"] == len(driver["failures"])
            for failure in driver["failures"]:
                failures[(file["name"], failure["tcId"], driver["driver"])] = failure["mistake"]
    assert failures == lines
    assert "hkdf-single-info" in failures.values()
    by_name = {(f["name"], d["driver"]): d for f in vectors["files"] for d in f["drivers"]}
    keyid = next(f for f in vectors["files"] if f["name"] == "keyid_test.json")
    # The vendor's hello lists only e2e: its key identifier tests were not asked, never failed.
    assert by_name[("keyid_test.json", "vendor")]["not_implemented"] == len(keyid["tcIds"]) > 0
    assert by_name[("keyid_test.json", "openssl")]["passed"] == by_name[("keyid_test.json", "openssl")]["checked"]

    # junit-vectors.xml: a testcase per test and driver, red where the FAIL lines are, counts right.
    junit = ET.parse(out / "reports" / "junit-vectors.xml").getroot()
    testcases = list(junit.iter("testcase"))
    assert int(junit.get("tests")) == len(testcases)
    red = {}
    for suite in junit.findall("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == sum(c.find("failure") is not None for c in cases)
        assert int(suite.get("skipped")) == sum(c.find("skipped") is not None for c in cases)
        for case in cases:
            if case.find("failure") is not None:
                red[(suite.get("name"), case.get("name"))] = case.find("failure").get("message")
    assert int(junit.get("failures")) == len(red) == len(lines)
    assert int(junit.get("skipped")) == len(keyid["tcIds"])
    for (name, tc_id, driver), mistake in lines.items():
        message = red[("vectors.%s.%s" % (name, driver), "tcId %d" % tc_id)]
        assert mistake is None or "; mistake %s: " % mistake in message

    # A run into the same directory carries them: report.json (valid), index.html, and its summary.
    ran = subprocess.run([str(kxconform), "run", "--filter", "psk.tls.openssl-openssl", "--output", str(out)],
                         capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr
    assert "vectors: %s/reports/vectors.json" % out in ran.stdout
    report = validate(out / "reports" / "report.json", REPORT_SCHEMA)
    assert report["vectors"]["summary"]["failed"] == vectors["summary"]["failed"]
    assert "tcIds" not in report["vectors"]["files"][0]
    page = (out / "reports" / "index.html").read_text(encoding="utf-8")
    assert 'id="vectors"' in page and "did not all pass" in page and "hkdf-single-info" in page
    assert (out / "reports" / "junit-vectors.xml").exists()  # the run leaves the vectors' files alone


def test_vectors_that_cannot_run_leave_a_red_report(kxconform, tmp_path):
    out = tmp_path / "out"
    result = run(kxconform, "--vectors", tmp_path / "nowhere", "--output", out)
    assert result.returncode == 2
    vectors = validate(out / "reports" / "vectors.json", VECTORS_SCHEMA)
    assert "nowhere" in vectors["error"] and vectors["summary"]["passed"] is False
    junit = ET.parse(out / "reports" / "junit-vectors.xml").getroot()
    error = junit.find(".//testcase[@name='set-up']/error")
    assert error is not None and "nowhere" in error.get("message") and junit.get("errors") == "1"


def test_vectors_options_are_named(kxconform, tmp_path):
    for args, words in ((["--bogus"], "unknown option --bogus"),
                        (["stray"], 'unexpected argument "stray"'),
                        (["--timeout", "5s"], "--timeout takes milliseconds, a whole number from 1 to"),
                        (["--output"], "--output needs a value"),
                        (["--driver", "x=/bin/true"] * 9, "at most 8 --driver")):
        result = run(kxconform, *args, "--output", tmp_path) if args != ["--output"] else run(kxconform, *args)
        assert result.returncode == 2, args
        assert words in result.stderr, (args, result.stderr)


def test_the_judge_names_every_invalid_vector(kxconform, vectors_dir):
    """The judge's models (harness/runner/judge/judge_models.c) reproduce every invalid vector of the
    independent generator under the name the vector carries: vectors and the matrix speak one
    language (docs/mistakes.md)."""
    result = run(kxconform, "--vectors", vectors_dir, "--check-models")
    assert result.returncode == 0, result.stdout
    match = re.search(r"models (\d+)/(\d+) named", result.stdout.splitlines()[-1])
    assert match and match.group(1) == match.group(2) and int(match.group(2)) >= 200, result.stdout[-500:]


def test_reference_driver_refuses_to_model_a_mistake(kxconform):
    """A reference driver computes the reference only; the mistakes are the judge's."""
    driver = kxconform.parent / "kx-driver-openssl"
    request = {"id": 0, "op": "e2e", "hash": "SHA-256", "kpsa": "00", "salt": "00", "variant": "hkdf-per-key"}
    out = subprocess.run([str(driver)], input=json.dumps(request) + "\n", capture_output=True, text=True,
                         timeout=10)
    answer = json.loads(out.stdout.splitlines()[1])
    assert answer["ok"] is False and "reference only" in answer["error"]


def test_tr0038_keying_material_is_an_anchor(kxconform, vectors_copy):
    """TR-0038 A.4 as a whole: its 48 printed bytes split into KcID and Kc; a doctored copy fails."""
    path = vectors_copy / "keyid_test.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    anchors = [t for g in data["testGroups"] for t in g["tests"] if "keyingMaterial" in t]
    assert {t["reading"] for t in anchors} == {"tr0038-example", "reference"}
    for t in anchors:
        assert t["keyingMaterial"].upper() == ("FF15D84E3E38D6974B0EB3E5606C85FE37F61D5A7FEA1E9CFD8DB76D2F8B6230"
                                               "130EF8A84F9F9F967DA385867984EED0")
        assert t["key"].upper() == "37F61D5A7FEA1E9CFD8DB76D2F8B6230130EF8A84F9F9F967DA385867984EED0"
    assert run(kxconform, "--vectors", path).returncode == 0
    target = {}

    def doctor(doc):
        test = next(t for g in doc["testGroups"] for t in g["tests"] if "keyingMaterial" in t)
        test["key"] = test["keyingMaterial"][:64]  # the first 32 bytes: the split swapped
        target["id"] = test["tcId"]

    edit(path, doctor)
    result = run(kxconform, "--vectors", path)
    assert result.returncode == 1
    assert ("FAIL keyid_test.json tcId %d [core]: the keying material does not split" % target["id"]) in result.stdout
