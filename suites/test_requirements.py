"""The requirements catalogue (requirements/README.md): every "shall", "should" and "must" of the
five specification documents is quoted in it, every quote is in its document, every entry is checked
by a case of the suite or by vectors or says why not, the suite names only catalogued ids; and a
run's report.json carries the coverage table its cases give (docs/reports.md, "Requirements"),
which a merge of shards recounts."""
import json
import os
import re
import subprocess
from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from conftest import ROOT

CATALOGUE = ROOT / "requirements" / "catalogue.json"
SCHEMA = ROOT / "requirements" / "catalogue.schema.json"
SUITE = ROOT / "suites" / "onem2m.json"
REPORT_SCHEMA = ROOT / "docs" / "report.schema.json"
VECTORS = ROOT / "vectors"
# The texts the catalogue quotes, kept in the repository (requirements/spec/) so that a clean clone
# checks the catalogue against them; KX_SPEC_DIR names another copy.
SPEC = Path(os.environ.get("KX_SPEC_DIR", ROOT / "requirements" / "spec"))
WORKSPACE_SPEC = ROOT.parent / "shared" / "spec"
DOCUMENTS = sorted(p.name for p in SPEC.glob("00[0-9]_*.txt"))

# A sentence ends after . ! or ? before a capital, a quote, a bullet or a bracket; "e.g." and
# "i.e." end none. Sentences never run across lines: headings, table cells and list items are lines.
SENTENCE_END = re.compile(r'(?<!e\.g\.)(?<!i\.e\.)(?<=[.!?])\s+(?=[A-Z"“·(\[])')
VERBS = re.compile(r"\b(shall|should|must)\b", re.IGNORECASE)
CHECKS = ("untestable", "gap")


def normalise(text):
    return " ".join(text.split())


def sentences(text):
    for line in text.split("\n"):
        line = normalise(line)
        start = 0
        for end in SENTENCE_END.finditer(line):
            yield line[start:end.start()]
            start = end.end()
        if line[start:]:
            yield line[start:]


@pytest.fixture(scope="module")
def spec():
    """Each document's text, normalised; the texts are the project's source of truth, so their
    absence is a failure, not a skip."""
    assert len(DOCUMENTS) == 5 and (SPEC / "README.md").is_file(), (
        "the five specification documents and their index are not in %s: set KX_SPEC_DIR" % SPEC)
    return {name: (SPEC / name).read_text(encoding="utf-8") for name in DOCUMENTS + ["README.md"]}


@pytest.fixture(scope="module")
def catalogue():
    return json.loads(CATALOGUE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def entries(catalogue):
    return {e["id"]: e for e in catalogue["entries"]}


def suite_lists(suite):
    """(where, ids) for the positive cases of each scenario and each negative and fault entry."""
    for scenario in suite["scenarios"]:
        name = scenario["name"]
        yield name, scenario.get("requirements")
        for negative in scenario["negative"]:
            yield "%s negative %s" % (name, negative["name"]), negative.get("requirements")
        for fault in scenario["faults"]:
            yield "%s fault %s flight %d" % (name, fault["fault"], fault["flight"]), fault.get("requirements")


@pytest.fixture(scope="module")
def suite():
    return json.loads(SUITE.read_text(encoding="utf-8"))


# --- the catalogue ------------------------------------------------------------------------------------------

def test_catalogue_is_valid_against_its_schema(catalogue):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(catalogue), key=lambda e: list(e.path))
    assert not errors, "\n".join("%s: %s" % (list(e.path), e.message) for e in errors[:20])


def test_ids_are_unique(catalogue):
    twice = [i for i, n in Counter(e["id"] for e in catalogue["entries"]).items() if n > 1]
    assert not twice


def test_documents_are_the_five_and_the_index(catalogue, spec):
    assert sorted(catalogue["documents"]) == sorted(spec)
    assert {e["document"] for e in catalogue["entries"]} == set(spec)


def test_every_quote_is_in_its_document(catalogue, spec):
    text = {name: normalise(body) for name, body in spec.items()}
    missing = ["%s: %s" % (e["id"], e["text"][:100]) for e in catalogue["entries"]
               if e["text"] not in text[e["document"]]]
    assert not missing, "quotes not found in their document:\n" + "\n".join(missing)


def test_every_sentence_with_shall_should_or_must_is_quoted(catalogue, spec):
    missing = []
    for name in DOCUMENTS:
        quotes = [e["text"] for e in catalogue["entries"] if e["document"] == name]
        for sentence in sentences(spec[name]):
            if VERBS.search(sentence) and not any(sentence in quote for quote in quotes):
                missing.append("%s: %s" % (name, sentence))
    assert not missing, "sentences in no entry of the catalogue:\n" + "\n".join(missing)


def test_the_sentence_split_finds_every_shall(spec):
    """The split loses no "shall": each one of the documents is in a sentence the test above checks."""
    for name in DOCUMENTS:
        found = sum(len(re.findall(r"\bshall\b", s, re.IGNORECASE)) for s in sentences(spec[name]))
        assert found == len(re.findall(r"\bshall\b", spec[name], re.IGNORECASE)), name
    assert sum(len(re.findall(r"\bshall\b", spec[n], re.IGNORECASE)) for n in DOCUMENTS) > 30


def test_kinds_say_the_verb_the_quote_has(catalogue):
    verb = {"shall": r"\bshall\b", "shall-not": r"\bshall not\b", "should": r"\bshould\b", "must": r"\bmust\b"}
    wrong = [e["id"] for e in catalogue["entries"]
             if e["kind"] in verb and not re.search(verb[e["kind"]], e["text"], re.IGNORECASE)]
    assert not wrong


def test_every_point_of_the_index_is_a_reading(entries, spec):
    index = normalise(spec["README.md"])
    points = index[index.index("## Points where the text is ambiguous"):index.index("## Facts from other")]
    numbers = [int(n) for n in re.findall(r"(?:^| )(\d{1,2})\. \*\*", points)]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 13
    for n in numbers:
        entry = entries.get("SPEC-POINT-%d" % n)
        assert entry is not None and entry["kind"] == "reading" and entry["document"] == "README.md", n
        assert entry["text"] in points


def test_the_formulas_are_catalogued(entries):
    """What issue 11 asks by name: the exporter split, Ke2e_master, T(1)..T(4), Km, Kpsa, the Key Identifier."""
    for id in ["TS0003-10.3.1-split-bootstrap", "TS0003-10.3.1-split-connection", "TS0003-10.3.1-split-escertke",
               "TS0003-10.3.6-ke2e-master", "TS0003-10.3.6.1-t1", "TS0003-10.3.6.1-t2", "TS0003-10.3.6.1-t3",
               "TS0003-10.3.6.1-t4", "INDEX-FACT-km", "INDEX-FACT-kpsa", "TR0038-A.4-keyid"]:
        assert entries[id]["kind"] == "formula", id
    for label in ["bootstrap", "connection", "escertke"]:
        assert entries["TS0003-10.3.1-label-" + label]["kind"] == "label"
        assert entries["TS0003-10.3.1-length-" + label]["text"].endswith("length 48")
    for n in range(1, 5):
        assert entries["TS0003-8.7.2.2-msg%d-contents" % n]["kind"] == "table-row"


# --- ties ---------------------------------------------------------------------------------------------------

def test_the_suite_names_only_catalogued_ids(suite, entries):
    for where, ids in suite_lists(suite):
        assert ids, "%s has no requirements list" % where
        assert len(ids) == len(set(ids)), "%s lists an id twice" % where
        unknown = [i for i in ids if i not in entries]
        assert not unknown, "%s names ids the catalogue lacks: %s" % (where, unknown)


def test_every_entry_is_checked_or_says_why_not(suite, catalogue):
    by_cases = {i for _, ids in suite_lists(suite) for i in ids or []}
    unchecked, contradictory = [], []
    for e in catalogue["entries"]:
        checked = e["id"] in by_cases or bool(e.get("checked_by_vectors"))
        reasons = [k for k in CHECKS if e.get(k)]
        if not checked and not reasons:
            unchecked.append(e["id"])
        if checked and reasons:
            contradictory.append(e["id"])
    assert not unchecked, "neither a case, nor vectors, nor a reason: %s" % unchecked
    assert not contradictory, "checked, yet untestable or a gap: %s" % contradictory


def test_named_vector_files_and_flags_exist(catalogue):
    flags = {}
    for path in VECTORS.glob("*_test.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        flags[path.name] = {f for g in data["testGroups"] for t in g["tests"] for f in t.get("flags", [])}
    for e in catalogue["entries"]:
        for ref in e.get("checked_by_vectors", []):
            name, _, flag = ref.partition("#")
            assert name in flags, "%s: no vector file %s" % (e["id"], name)
            assert not flag or flag in flags[name], "%s: no test of %s has the flag %s" % (e["id"], name, flag)


# --- the run ------------------------------------------------------------------------------------------------

def run(kxconform, *args):
    return subprocess.run([str(kxconform), "run", *map(str, args)], capture_output=True, text=True, timeout=300)


def case_entry(suite, case_id):
    """The suite entry a case id expands from, and what it checks."""
    scenario_name, _, _, *variant = case_id.split(".", 3)
    scenario = next(s for s in suite["scenarios"] if s["name"] == scenario_name)
    if not variant:
        return scenario["requirements"]
    m = re.fullmatch(r"fault-(.+)-flight(\d+)", variant[0])
    if m:
        return next(f for f in scenario["faults"]
                    if f["fault"] == m.group(1) and f["flight"] == int(m.group(2)))["requirements"]
    return next(n for n in scenario["negative"] if n["name"] == variant[0])["requirements"]


def check_table(report, suite, catalogue, all_ids):
    """report["requirements"] is what the report's cases give, entry by entry, in the report's layout."""
    jsonschema.Draft202012Validator(json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))).validate(report)
    table = report["requirements"]
    assert [r["id"] for r in table["entries"]] == [e["id"] for e in catalogue["entries"]]
    for c in report["cases"]:
        assert c.get("requirements", []) == case_entry(suite, c["id"]), c["id"]
    totals = Counter()
    for row, entry in zip(table["entries"], catalogue["entries"]):
        for member in ("document", "clause", "kind", "text", "untestable", "gap", "note"):
            assert row.get(member) == entry.get(member), (row["id"], member)
        assert row.get("vectors") == entry.get("checked_by_vectors"), row["id"]
        checking = [c for c in report["cases"] if row["id"] in c.get("requirements", [])]
        assert row["suite_cases"] == sum(row["id"] in case_entry(suite, i) for i in all_ids), row["id"]
        assert row["cases"] == len(checking)
        assert row["unmet_cases"] == [c["id"] for c in checking if not c["met"]]
        skipped = [c for c in checking if c["met"] and c["result"] == "skip"]
        xfail = [c for c in checking if c["met"] and c["result"] != "skip" and c.get("expectation") == "xfail"]
        assert (row["skipped"], row["xfail"]) == (len(skipped), len(xfail)), row["id"]
        assert row["met"] == row["cases"] - len(row["unmet_cases"]) - row["skipped"] - row["xfail"]
        expected = ("unmet" if row["unmet_cases"] else "xfail" if row["xfail"] else "met" if row["met"]
                    else "not-run" if row["suite_cases"] else "untestable" if "untestable" in entry
                    else "gap" if "gap" in entry else "vectors" if entry.get("checked_by_vectors") else "unchecked")
        assert row["status"] == expected, row["id"]
        totals[row["status"]] += 1
    assert table["totals"]["requirements"] == len(catalogue["entries"])
    assert {k: v for k, v in table["totals"].items() if k != "requirements" and v} == dict(totals)
    return table


@pytest.fixture(scope="module")
def all_ids(kxconform):
    listed = run(kxconform, "--list")
    assert listed.returncode == 0, listed.stderr
    return listed.stdout.split()


def test_a_run_reports_the_table_its_cases_give(kxconform, suite, catalogue, all_ids, tmp_path):
    """ESCertKE between two libraries, every negative and fault variant included."""
    result = run(kxconform, "--filter", "escertke.tls.openssl-wolfssl*", "--output", tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    report = json.loads((tmp_path / "reports" / "report.json").read_text(encoding="utf-8"))
    table = check_table(report, suite, catalogue, all_ids)
    assert table["catalogue"] == str(CATALOGUE)
    rows = {r["id"]: r for r in table["entries"]}
    # The refusal of a message 3 From another originator is what checks the From correlation.
    correlation = rows["TS0001-11.4.3-from-correlation"]
    assert correlation["status"] == "met" and correlation["cases"] == 4
    assert rows["SPEC-POINT-12"]["cases"] == 2 and rows["SPEC-POINT-12"]["met"] == 2
    assert rows["TS0003-10.3.1-label-bootstrap"]["status"] == "not-run"
    assert rows["TS0001-11.4.3-e2e-security-capabilities"]["status"] == "untestable"
    assert rows["INDEX-FACT-km"]["status"] == "vectors" and rows["INDEX-FACT-km"]["suite_cases"] == 0


def test_unmet_xfail_and_disabled_cases_are_counted_apart(kxconform, suite, catalogue, all_ids, tmp_path):
    """A negative case made to expect the wrong end is unmet; an expected failure and a disabled case are
    met for the run but not counted as checking what they list."""
    forced = json.loads(json.dumps(suite))
    psk = next(s for s in forced["scenarios"] if s["name"] == "psk")
    next(n for n in psk["negative"] if n["name"] == "unknown-kpsaid")["rejected_by"] = "initiator"
    suite_path = tmp_path / "suite.json"
    suite_path.write_text(json.dumps(forced), encoding="utf-8")
    expect = tmp_path / "expect.json"
    expect.write_text(json.dumps({
        "disabled": {"psk.tls.openssl-openssl.wrong-psk": "disabled by the test"},
        "expected_failures": {"psk.tls.wolfssl-openssl.unknown-kpsaid": "the test expects this one to fail"},
    }), encoding="utf-8")
    result = run(kxconform, "--suite", suite_path, "--expect", expect, "--filter", "psk.tls.*-openssl*",
                 "--output", tmp_path / "out")
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr
    report = json.loads((tmp_path / "out" / "reports" / "report.json").read_text(encoding="utf-8"))
    rows = {r["id"]: r for r in check_table(report, forced, catalogue, all_ids)["entries"]}
    lookup = rows["TR0038-7.1.2-lookup"]  # checked by the positive cases and unknown-kpsaid
    assert lookup["status"] == "unmet" and lookup["unmet_cases"] == ["psk.tls.openssl-openssl.unknown-kpsaid"]
    assert lookup["xfail"] == 1
    psk_set = rows["TR0038-7.1.2-psk-set"]  # the positive cases and wrong-psk
    assert psk_set["skipped"] == 1 and psk_set["status"] == "met"


def test_a_merge_of_shards_recounts_the_table(kxconform, suite, catalogue, all_ids, tmp_path):
    whole = run(kxconform, "--filter", "psk.*.openssl-*", "--output", tmp_path / "whole")
    assert whole.returncode == 0, whole.stderr
    for k in (1, 2):
        shard = run(kxconform, "--filter", "psk.*.openssl-*", "--shard", "%d/2" % k, "--output", tmp_path / str(k))
        assert shard.returncode == 0, shard.stderr
    merged = subprocess.run([str(kxconform), "merge", "--output", tmp_path / "merged",
                             tmp_path / "1" / "reports" / "report.json", tmp_path / "2" / "reports" / "report.json"],
                            capture_output=True, text=True, timeout=120)
    assert merged.returncode == 0, merged.stderr
    load = lambda d: json.loads((tmp_path / d / "reports" / "report.json").read_text(encoding="utf-8"))
    one, two, joined, whole = load("1"), load("2"), load("merged"), load("whole")
    check_table(joined, suite, catalogue, all_ids)
    counts = lambda r: [(e["id"], e["status"], e["cases"], e["met"]) for e in r["requirements"]["entries"]]
    # Each shard counted only its own cases; the merge counts them all, as one run does.
    assert one["cases"] and two["cases"] and counts(one) != counts(whole)
    assert counts(joined) == counts(whole)


def test_axis_cases_check_their_scenarios_requirements(kxconform, suite, catalogue, tmp_path):
    """A case with axes (docs/suite.md, "Axes") is a positive case of its scenario and checks what the
    scenario lists, DTLS loss recovery included: the pairwise profile adds coverage, never new ties."""
    listed = run(kxconform, "--list", "--profile", "pairwise")
    assert listed.returncode == 0, listed.stderr
    result = run(kxconform, "--profile", "pairwise", "--filter", "psk.dtls.openssl-wolfssl*", "--output", tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    report = json.loads((tmp_path / "reports" / "report.json").read_text(encoding="utf-8"))
    check_table(report, suite, catalogue, listed.stdout.split())
    recovered = [c for c in report["cases"] if c.get("axes", {}).get("recovery", "none") != "none"]
    psk = next(s for s in suite["scenarios"] if s["name"] == "psk")
    assert recovered and all(c["requirements"] == psk["requirements"] and c["met"] for c in recovered)


def test_a_catalogue_that_cannot_be_read_is_a_set_up_error(kxconform, tmp_path):
    missing = tmp_path / "nowhere.json"
    result = run(kxconform, "--requirements", missing, "--filter", "psk.*", "--output", tmp_path)
    assert result.returncode == 2 and str(missing) in result.stderr
    # A set-up error leaves a red report (CI views show it), never one of an earlier run.
    report = json.loads((tmp_path / "reports" / "report.json").read_text(encoding="utf-8"))
    assert str(missing) in report["error"] and report["cases"] == []


def test_an_id_the_catalogue_lacks_is_a_set_up_error(kxconform, suite, tmp_path):
    broken = json.loads(json.dumps(suite))
    broken["scenarios"][0]["negative"][0]["requirements"].append("TS0003-9.9.9-no-such-thing")
    path = tmp_path / "suite.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    result = run(kxconform, "--suite", path, "--list")
    assert result.returncode == 2
    assert "TS0003-9.9.9-no-such-thing" in result.stderr and "wrong-name" in result.stderr


def test_the_kept_texts_are_the_workspace_ones():
    """requirements/spec/ is a copy of the project's source of truth, ../shared/spec/, where that
    exists beside the repository: they must not drift apart."""
    if not WORKSPACE_SPEC.is_dir():
        pytest.skip("no ../shared/spec beside this clone to compare requirements/spec/ with")
    kept = sorted(p.name for p in SPEC.iterdir())
    assert kept == sorted(p.name for p in WORKSPACE_SPEC.iterdir())
    for name in kept:
        assert (SPEC / name).read_bytes() == (WORKSPACE_SPEC / name).read_bytes(), name
