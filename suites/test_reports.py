"""End-to-end tests of the three reports a run writes (docs/reports.md):
report.json against its JSON Schema, junit.xml as a CI reads it (one
testcase per case, counts equal to the JSON's, a failure exactly where an
expectation was not met), and index.html in a real headless browser (Debian's
Chromium: it loads with no console message and shows the summary). A run with
a case forced to fail must exit 1 and name the case and the reason in all
three. Only the browser tests may skip, and only when Chromium is absent."""
import html.parser
import json
import os
import re
import shutil
import subprocess
import tempfile
import urllib.parse
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from conftest import ROOT

SCHEMA = ROOT / "docs" / "report.schema.json"
SUITE = ROOT / "suites" / "onem2m.json"
CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package "
                                    "`chromium`; `make test` installs it): the browser checks of index.html did not run")

# A reason with markup, quotes and characters XML 1.0 cannot carry: every report must escape it.
HOSTILE_WHY = 'the AE holds another key <blink>&amp;</blink> "quoted" \'single\' \u0001\u001f\u007f\u0085 end'


def run(kxconform, *args, timeout=300):
    return subprocess.run([str(kxconform), "run", *map(str, args)], capture_output=True, text=True, timeout=timeout)


def load_reports(out):
    reports = out / "reports"
    report = json.loads((reports / "report.json").read_text(encoding="utf-8"))
    junit = ET.parse(reports / "junit.xml").getroot()
    page = (reports / "index.html").read_text(encoding="utf-8")
    return report, junit, page


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="module")
def full_run(kxconform, tmp_path_factory):
    """The whole matrix, every expectation met."""
    out = tmp_path_factory.mktemp("full")
    result = run(kxconform, "--output", out)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    return (out, *load_reports(out))


@pytest.fixture(scope="module")
def forced_run(kxconform, tmp_path_factory):
    """The PSK scenario over TLS with one negative case the terminator refuses made to
    expect the initiator to refuse instead, its reason full of characters to escape, and
    an expectations file that disables a case, expects one failure that happens (xfail)
    and one that does not (xpass). Returns (out, process, report, junit, page, variant)."""
    out = tmp_path_factory.mktemp("forced")
    suite = json.loads(SUITE.read_text(encoding="utf-8"))
    suite["scenarios"] = [s for s in suite["scenarios"] if s["name"] == "psk"]
    negative = next(n for n in suite["scenarios"][0]["negative"] if n["rejected_by"] == "terminator")
    negative["rejected_by"] = "initiator"
    negative["why"] = HOSTILE_WHY
    variant = negative["name"]
    suite_path = out / "suite.json"
    suite_path.write_text(json.dumps(suite), encoding="utf-8")
    expect = out / "expect.json"
    expect.write_text(json.dumps({
        "disabled": {"psk.tls.wolfssl-wolfssl": "disabled by the test"},
        "expected_failures": {"psk.tls.wolfssl-openssl." + variant: "the test expects this one to fail",
                              "psk.tls.openssl-wolfssl": "the test claims a failure that does not happen"},
    }), encoding="utf-8")
    result = run(kxconform, "--suite", suite_path, "--filter", "psk.tls.*", "--expect", expect, "--output", out)
    return (out, result, *load_reports(out), variant)


def case_ids(report):
    return [c["id"] for c in report["cases"]]


def xml_safe(text):
    """text as the reports must show it: what XML 1.0 and HTML cannot carry is U+FFFD."""
    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]", "\ufffd", text)


# --- report.json -----------------------------------------------------------


def test_report_json_is_valid_against_its_schema(full_run, forced_run, validator):
    for report in (full_run[1], forced_run[2]):
        errors = sorted(validator.iter_errors(report), key=lambda e: list(e.path))
        assert not errors, ["%s: %s" % ("/".join(map(str, e.path)), e.message) for e in errors[:10]]
        assert report["report_version"] == 1
        assert report["summary"]["cases"] == len(report["cases"])
        assert report["summary"]["unmet"] == sum(not c["met"] for c in report["cases"])


def test_schema_is_strict_where_the_harness_writes(full_run, validator):
    report = full_run[1]
    case = next(c for c in report["cases"] if c["kind"] == "negative" and c["met"])
    assert case["result"] == "fail" and case["expected"] == "fail"

    def broken(change):
        copy = json.loads(json.dumps(report))
        change(copy)
        return not validator.is_valid(copy)

    assert broken(lambda r: r.pop("report_version"))
    assert broken(lambda r: r.update(report_version=2))
    assert broken(lambda r: r["cases"][0].pop("met"))
    assert broken(lambda r: r["cases"][0].update(unknown_member=1))
    assert broken(lambda r: r["cases"][0].update(result="passed"))
    assert broken(lambda r: r["summary"].pop("not-implemented"))
    assert broken(lambda r: r["cases"][0]["flights"][0].update(from_="initiator"))
    # A positive case that passed is met; one that failed cannot claim to be.
    positive = next(i for i, c in enumerate(report["cases"]) if c["kind"] == "positive")
    assert broken(lambda r: r["cases"][positive].update(result="fail"))
    # What a driver says about its own session is its business.
    assert not broken(lambda r: r["cases"][positive]["initiator_report"].update(vendor_extra={"x": 1}))


# --- junit.xml -------------------------------------------------------------


def check_junit(report, junit):
    """Everything a CI reads in junit.xml agrees with report.json."""
    assert junit.tag == "testsuites"
    cases = {c["id"]: c for c in report["cases"]}
    # The requirements table is a suite of its own (check_junit_requirements); the totals count it too.
    suites = [s for s in junit.findall("testsuite") if s.get("name") != "requirements"]
    table = check_junit_requirements(report, junit)
    testcases = case_testcases(junit)
    assert sorted(t.get("name") for t in testcases) == sorted(cases), "one testcase per case"
    unmet = {i for i, c in cases.items() if not c["met"]}
    errors = {i for i in unmet if cases[i]["result"] == "error"}
    skipped = {i for i, c in cases.items() if c["met"] and c["result"] in ("skip", "not-implemented")}
    assert int(junit.get("tests")) - table["tests"] == report["summary"]["cases"] == len(testcases)
    assert int(junit.get("failures")) - table["failures"] + int(junit.get("errors")) == report["summary"]["unmet"]
    assert int(junit.get("errors")) == len(errors)
    assert int(junit.get("skipped")) - table["skipped"] == len(skipped)

    scenarios = list(dict.fromkeys(c["scenario"] for c in report["cases"]))
    assert [s.get("name") for s in suites] == scenarios
    for suite in suites:
        mine = [c for c in report["cases"] if c["scenario"] == suite.get("name")]
        names = [t.get("name") for t in suite.findall("testcase")]
        assert names == [c["id"] for c in mine]
        assert int(suite.get("tests")) == len(mine)
        assert int(suite.get("failures")) == sum(not c["met"] and c["result"] != "error" for c in mine)
        assert int(suite.get("errors")) == sum(not c["met"] and c["result"] == "error" for c in mine)
        assert int(suite.get("skipped")) == sum(c["id"] in skipped for c in mine)
        assert float(suite.get("time")) >= 0

    for testcase in testcases:
        case = cases[testcase.get("name")]
        assert testcase.get("classname") == "kxconform.%s.%s" % (case["scenario"], case["transport"])
        assert float(testcase.get("time")) == pytest.approx(case["duration_ms"] / 1000, abs=0.001)
        failure, error, skip = (testcase.find(tag) for tag in ("failure", "error", "skipped"))
        red = failure if failure is not None else error
        if case["met"]:
            assert red is None, case["id"]
        else:
            assert red is not None, case["id"]
            assert (red.tag == "error") == (case["result"] == "error")
            assert red.get("message") == xml_safe(case["diagnosis"]) or not case["diagnosis"]
            assert case["id"] in red.text
        assert (skip is not None) == (case["id"] in skipped)
        if case["met"] and case["diagnosis"] and skip is None:
            # A refusal the suite expected passes, and says who refused.
            assert xml_safe(case["diagnosis"]) in testcase.find("system-out").text


def case_testcases(junit):
    """The testcases of the cases: every suite's but the requirements table's."""
    return [t for s in junit.findall("testsuite") if s.get("name") != "requirements" for t in s.iter("testcase")]


REQUIREMENT_SKIPPED = ("not-run", "untestable", "gap", "unchecked")


def check_junit_requirements(report, junit):
    """The suite "requirements": a testcase per entry of the table, in its order, red exactly when the
    entry is unmet, skipped with its reason when nothing here checked it. Returns its counts."""
    mine = [s for s in junit.findall("testsuite") if s.get("name") == "requirements"]
    if "requirements" not in report:
        assert not mine
        return {"tests": 0, "failures": 0, "skipped": 0}
    assert len(mine) == 1
    suite, entries = mine[0], report["requirements"]["entries"]
    testcases = suite.findall("testcase")
    assert [t.get("name") for t in testcases] == [e["id"] for e in entries]
    counts = {"tests": len(entries), "failures": sum(e["status"] == "unmet" for e in entries),
              "skipped": sum(e["status"] in REQUIREMENT_SKIPPED for e in entries)}
    assert {k: int(suite.get(k)) for k in counts} == counts and suite.get("errors") == "0"
    for testcase, entry in zip(testcases, entries):
        assert testcase.get("classname") == "kxconform.requirements"
        failure, skip = testcase.find("failure"), testcase.find("skipped")
        assert (failure is not None) == (entry["status"] == "unmet"), entry["id"]
        assert (skip is not None) == (entry["status"] in REQUIREMENT_SKIPPED), entry["id"]
        assert testcase.find("error") is None
        if failure is not None:
            assert failure.get("type") == "unmet"
            assert all(i in failure.get("message") and "index.html#" + i in failure.text
                       for i in entry["unmet_cases"])
        if skip is not None:
            assert skip.get("message").startswith(entry["status"])
            for reason in ("untestable", "gap"):
                if entry["status"] == reason:
                    assert xml_safe(entry[reason]) in skip.get("message")
        body = (failure if failure is not None else testcase.find("system-out")).text
        assert xml_safe(entry["text"]) in body and "index.html#req-" + entry["id"] in body
    return counts


def test_junit_has_one_testcase_per_case_and_the_json_counts(full_run):
    _, report, junit, _ = full_run
    check_junit(report, junit)
    assert report["summary"]["unmet"] == 0 and junit.find(".//failure") is None
    properties = {p.get("name"): p.get("value") for p in junit.find("testsuite/properties")}
    for driver in report["drivers"]:
        assert properties["driver." + driver["name"]] == driver["implementation"]


# --- index.html ------------------------------------------------------------


class Page(html.parser.HTMLParser):
    """The elements, attributes and text of a page, for checks that need no browser."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.ids, self.details, self.text, self.raw = [], {}, {}, [], text
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if "id" in attrs:
            assert attrs["id"] not in self.ids, "duplicate id %s" % attrs["id"]
            self.ids[attrs["id"]] = tag
        if tag == "details" and "case" in attrs.get("class", ""):
            self.details[attrs["id"]] = attrs

    def handle_data(self, data):
        self.text.append(data)


def test_html_is_self_contained_with_a_section_per_case(full_run):
    _, report, _, text = full_run
    page = Page(text)
    for tag, attrs in page.tags:
        assert tag not in ("img", "iframe", "object", "embed", "base"), tag
        assert not (tag == "script" and "src" in attrs)
        assert not (tag == "link" and attrs.get("rel") != "icon"), attrs
        for name in ("src", "href", "action"):
            value = attrs.get(name) or ""
            # Only fragments, relative paths (report.json, ../captures/) and data: URLs.
            assert value.startswith("data:") or not re.match(r"(?i)([a-z][a-z0-9+.-]*:|//)", value), attrs
    assert list(page.details) == case_ids(report)
    for case in report["cases"]:
        attrs = page.details[case["id"]]
        assert ("open" in attrs) == (not case["met"])
    assert page.ids.get("summary-table") == "table"
    capture_links = [a["href"] for t, a in page.tags if t == "a" and a.get("href", "").startswith("../captures/")]
    assert "../captures/%s.pcapng" % report["cases"][0]["id"] in capture_links
    words = "".join(page.text)
    for driver in report["drivers"]:
        assert driver["implementation"] in words


def chromium(page, tmp_path, *extra):
    """Loads page in headless Chromium; returns the dumped DOM (or the screenshot run's
    stdout) and every console message it logged (all of them: the report logs nothing)."""
    profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=tmp_path)
    result = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                             "--no-first-run", "--disable-background-networking", "--disable-component-update",
                             "--disable-sync", "--user-data-dir=%s" % profile, "--enable-logging=stderr", "--v=0",
                             *extra, page.as_uri()],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    console = [line for line in result.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    return result.stdout, console


@needs_chromium
def test_console_messages_are_seen(tmp_path):
    """The console check below means something: a broken page is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><title>bad</title><script>console.error('seen-error'); nosuchfunction();"
                   "</script>", encoding="utf-8")
    _, console = chromium(bad, tmp_path, "--dump-dom")
    assert any("seen-error" in line for line in console)
    assert any("Uncaught" in line for line in console)


@needs_chromium
@pytest.mark.parametrize("which", ["full", "forced"])
def test_html_loads_in_chromium_without_console_messages(which, full_run, forced_run, tmp_path):
    out, report = (full_run[0], full_run[1]) if which == "full" else (forced_run[0], forced_run[2])
    dom, console = chromium(out / "reports" / "index.html", tmp_path, "--dump-dom")
    assert console == [], console
    assert 'id="summary-table"' in dom and "<h2>Summary</h2>" in dom
    for case in report["cases"]:
        assert 'id="%s"' % case["id"] in dom
    # The inline script ran to its end: it wrote the count of shown cases.
    total = len(report["cases"])
    assert "%d of %d cases shown" % (total, total) in dom
    # ... and the requirements' filter ran too.
    rows = len(report["requirements"]["entries"])
    assert "%d of %d requirements shown" % (rows, rows) in dom


# --- a case forced to fail -------------------------------------------------


def test_forced_failure_exits_1_and_is_named_in_all_three_reports(forced_run, validator):
    out, result, report, junit, text, variant = forced_run
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr
    cases = {c["id"]: c for c in report["cases"]}
    forced = "psk.tls.openssl-openssl." + variant
    reason = "expected the initiator to refuse"
    case = cases[forced]
    assert case["result"] == "fail" and case["rejected_by"] == "terminator" and not case["met"]
    assert reason in case["diagnosis"] and HOSTILE_WHY in case["diagnosis"]
    assert "unmet: %s" % forced in result.stdout

    # The expectations file: a disabled case is a met skip, an expected failure that
    # happens is met, one that does not is not.
    assert cases["psk.tls.wolfssl-wolfssl"]["expectation"] == "disabled"
    assert cases["psk.tls.wolfssl-openssl." + variant]["expectation"] == "xfail"
    assert cases["psk.tls.openssl-wolfssl"]["expectation"] == "xpass"
    unmet = {i for i, c in cases.items() if not c["met"]}
    assert unmet == {"psk.tls.openssl-openssl." + variant, "psk.tls.openssl-wolfssl." + variant,
                     "psk.tls.wolfssl-wolfssl." + variant, "psk.tls.openssl-wolfssl"}

    # junit.xml: a failure carrying the reason, the hostile text escaped (it parsed).
    check_junit(report, junit)
    testcase = next(t for t in junit.iter("testcase") if t.get("name") == forced)
    failure = testcase.find("failure")
    assert reason in failure.get("message") and reason in failure.text
    assert "<blink>&amp;</blink> \"quoted\" 'single' \ufffd\ufffd\ufffd\ufffd end" in failure.get("message")
    assert junit.find(".//testcase[@name='psk.tls.wolfssl-wolfssl']/skipped") is not None

    # index.html: the case open, in the unmet list and its matrix cell, the reason as text, never as markup.
    page = Page(text)
    assert "open" in page.details[forced]
    assert "blink" not in [tag for tag, _ in page.tags]
    words = "".join(page.text)
    assert reason in words and "<blink>&amp;</blink>" in words
    assert "\u0001" not in text and "\u0085" not in text
    links = [a.get("href") for tag, a in page.tags if tag == "a"]
    assert links.count("#" + forced) >= 2  # the list of unmet cases and the pairing matrix
    assert "4 of %d cases did not meet their expectation" % len(cases) in words


# --- triage: grouped diagnoses, facets, captures and standard error with the case -------------

CRASHER = '''
import json, os, signal, subprocess, sys
real = subprocess.Popen([%r], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
print(real.stdout.readline().strip(), flush=True)
for line in sys.stdin:
    if json.loads(line).get("op") == "open":
        sys.stderr.write("crasher: segfaulting on open, as told\\n")
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGSEGV)
    real.stdin.write(line)
    real.stdin.flush()
    print(real.stdout.readline().strip(), flush=True)
'''


@pytest.fixture(scope="module")
def crash_run(kxconform, tmp_path_factory):
    """A driver that crashes on every open, paired with itself: every case fails with the same words."""
    out = tmp_path_factory.mktemp("crash")
    crasher = out / "crasher.py"
    crasher.write_text("#!/usr/bin/python3\n" + CRASHER % str(kxconform.parent / "kx-driver-openssl"),
                       encoding="utf-8")
    crasher.chmod(0o755)
    result = run(kxconform, "--driver", "crash=%s" % crasher, "--filter", "psk.*", "--output", out)
    return (out, result, *load_reports(out))


def test_unmet_cases_are_grouped_by_diagnosis(crash_run, validator):
    out, result, report, junit, text = crash_run
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr
    unmet = [c for c in report["cases"] if not c["met"]]
    diagnoses = {c["diagnosis"] for c in unmet}
    assert len(unmet) > 4 and len(diagnoses) == 1
    # The console: one line for the cause, with the count and the ids, not one line per case.
    lines = [line for line in result.stdout.splitlines() if line.startswith("  unmet")]
    assert lines == ["  unmet, %d cases [error]: %s" % (len(unmet), diagnoses.pop())], lines
    assert unmet[0]["id"] in result.stdout.split(lines[0])[1]
    # The page: one entry for the cause, linking every case.
    page = Page(text)
    assert page.ids.get("unmet-groups") == "ul"
    group = text.split('<ul id="unmet-groups">')[1].split("</ul>")[0]
    assert group.count("<li>") == 1 and "%d cases" % len(unmet) in group
    assert all('href="#%s"' % c["id"] in group for c in unmet)


def test_driver_stderr_is_kept_with_its_case(crash_run, validator):
    out, result, report, junit, text = crash_run
    said = "crasher: segfaulting on open, as told"
    assert said not in result.stderr  # not interleaved on the terminal
    assert not list(validator.iter_errors(report))
    unmet = [c for c in report["cases"] if not c["met"]]
    assert all(said in c["stderr"]["crash"] for c in unmet), [c.get("stderr") for c in unmet]
    for testcase in case_testcases(junit):
        err = testcase.find("system-err")
        assert err is not None and "[driver crash]" in err.text and said in err.text
    assert said in "".join(Page(text).text)


def test_junit_carries_the_capture_paths_and_axes(full_run):
    _, report, junit, _ = full_run
    cases = {c["id"]: c for c in report["cases"]}
    with_axes = 0
    for testcase in case_testcases(junit):
        capture = cases[testcase.get("name")]["capture"]
        properties = {p.get("name"): p.get("value") for p in testcase.findall("properties/property")}
        assert properties["capture.pcapng"] == capture["pcapng"]
        assert properties["capture.keylog"] == capture["keylog"]
        assert "capture: %s" % capture["pcapng"] in testcase.find("system-out").text
        # The case's axes, each a property (docs/suite.md, "Profiles"); a scenario may take none.
        axes = {k[len("axis."):]: v for k, v in properties.items() if k.startswith("axis.")}
        assert axes == cases[testcase.get("name")].get("axes", {})
        with_axes += bool(axes)
    assert with_axes > len(report["cases"]) // 2


def test_html_facets_by_result_scenario_pairing_and_driver(full_run):
    _, report, _, text = full_run
    page = Page(text)
    options = {}
    select = None
    for tag, attrs in page.tags:
        if tag == "select":
            select = attrs["id"]
            options[select] = []
        elif tag == "option" and select is not None:
            options[select].append(attrs["value"])
    # The cases' facets, one per axis the cases have (docs/suite.md, "Axes"), and the requirements
    # table's status filter (check_html_requirements).
    axes = {a for c in report["cases"] for a in c.get("axes", {})}
    taken = {a for s in json.loads(SUITE.read_text(encoding="utf-8"))["scenarios"] for a in s.get("axes", [])}
    assert axes == taken and {"mtu", "records", "ems", "recovery", "chain"} <= axes
    assert set(options) == {"facet-result", "facet-scenario", "facet-pairing", "facet-driver", "req-status",
                            *("facet-axis-" + a for a in axes)}
    for axis in axes:
        assert set(options["facet-axis-" + axis]) == {"", *(c["axes"][axis] for c in report["cases"]
                                                            if axis in c.get("axes", {}))}
    assert set(options["req-status"]) == {"", *(k for k, v in report["requirements"]["totals"].items()
                                               if v and k != "requirements")}
    assert set(options["facet-scenario"]) == {"", *(c["scenario"] for c in report["cases"])}
    assert set(options["facet-driver"]) == {"", *(d["name"] for d in report["drivers"])}
    assert set(options["facet-pairing"]) == {"", *("%s-%s" % (c["initiator"], c["terminator"])
                                                   for c in report["cases"])}
    assert set(options["facet-result"]) == {"", *(c["result"] for c in report["cases"])}
    for case in report["cases"]:
        attrs = page.details[case["id"]]
        assert attrs["data-result"] == case["result"] and attrs["data-scenario"] == case["scenario"]
        assert attrs["data-pairing"] == "%s-%s" % (case["initiator"], case["terminator"])
        assert " %s " % case["initiator"] in attrs["data-drivers"]
        assert {k[len("data-axis-"):]: v for k, v in attrs.items() if k.startswith("data-axis-")} == case.get("axes", {})


def test_merged_report_links_the_shards_captures(kxconform, tmp_path):
    """Shards in their own directories, merged elsewhere: every capture link of the merged page opens
    a file, and junit.xml names paths that exist from where the merge ran."""
    shards = []
    for k in (1, 2):
        out = tmp_path / "ci" / ("shard%d" % k)
        result = run(kxconform, "--filter", "psk.tls.*", "--shard", "%d/2" % k, "--output", out)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr
        shards.append(out / "reports" / "report.json")
    merged = tmp_path / "pages" / "merged"
    result = subprocess.run([str(kxconform), "merge", "--output", str(merged), *map(str, shards)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    report, junit, text = load_reports(merged)
    page = Page(text)
    links = [a["href"] for tag, a in page.tags if tag == "a" and a.get("href", "").endswith((".pcapng", ".keylog"))]
    assert len(links) == 2 * len(report["cases"]) > 0
    for link in links:
        assert (merged / "reports" / urllib.parse.unquote(link)).resolve().is_file(), link
    for testcase in case_testcases(junit):
        properties = {p.get("name"): p.get("value") for p in testcase.findall("properties/property")}
        assert os.path.isfile(properties["capture.pcapng"]), properties
    # The merge recounted the requirements table from both shards' cases; both views show the recount.
    check_junit(report, junit)
    check_html_requirements(report, page)
    assert report["requirements"]["totals"]["met"] > 0


# --- verdicts -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def mutant_run(kxconform, tmp_path_factory):
    """A vendor whose driver swaps the split, initiating against the reference OpenSSL driver."""
    out = tmp_path_factory.mktemp("mutant")
    vendor = out / "vendor"
    vendor.write_text("#!/bin/sh\nexec /usr/bin/python3 %s %s split-swapped\n" % (
        ROOT / "suites" / "mutant_driver.py", kxconform.parent / "kx-driver-openssl"), encoding="utf-8")
    vendor.chmod(0o755)
    result = run(kxconform, "--driver", "vendor=%s" % vendor, "--driver", "openssl=%s" %
                 (kxconform.parent / "kx-driver-openssl"), "--filter", "connection.tls.vendor-openssl",
                 "--output", out)
    return (out, result, *load_reports(out))


def test_html_shows_each_verdict_and_the_odd_end_out(mutant_run):
    out, result, report, junit, text = mutant_run
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr
    case = report["cases"][0]
    wrong = [v for v in case["verdicts"] if v["verdict"] == "disagree"]
    assert wrong and all(v["end"].startswith("the initiator") for v in wrong)
    assert any(v["mistake"] == "split-swapped" for v in wrong)
    section = text.split('id="%s"' % case["id"])[1].split("</details>")[0]
    table = section.split('<table class="verdicts">')[1].split("</table>")[0]
    rows = re.findall(r'<tr class="verdict-(\w+)">(.*?)</tr>', table)
    assert len(rows) == len(case["verdicts"])
    red = [row for kind, row in rows if kind == "disagree"]
    assert len(red) == len(wrong) and all("the initiator (vendor)" in row and "split-swapped" in row for row in red)
    assert all("the terminator (openssl)" in row for kind, row in rows if kind == "agree" and "terminator" in row)
    # The reference is shown under each wrong value, and the value under the mouse has both.
    assert table.count('<tr class="expected">') == len(wrong)
    assert all('title="claimed: %s&#10;expected: %s"' % (v["claimed"], v["expected"]) in table for v in wrong)


def test_html_judges_each_end_against_the_reference(mutant_run):
    """The reference drivers' recomputation is the reference: a row is marked differing because it
    differs from it, never because it differs from a vendor's end."""
    _, _, report, _, text = mutant_run
    case = report["cases"][0]
    exported = case["exported"]
    section = text.split('id="%s"' % case["id"])[1].split("</details>")[0]
    keys = section.split("<h4>Exported keying material</h4>")[1].split("</table>")[0]
    rows = re.findall(r"<tr><th>(.*?)</th>(.*?)</tr>", keys)
    marks = {label.split(" (")[0]: row for label, row in rows}
    assert exported["recomputed"] == exported["terminator"]
    assert "differs" not in marks["reference"] and "differs" not in marks["terminator"]
    assert ("differs" in marks["initiator"]) == (exported["initiator"] != exported["recomputed"])


# --- requirements -------------------------------------------------------------------------


def check_html_requirements(report, page):
    """index.html's Requirements section says what report.json's table says: the totals line, one row
    per entry (unmet ones first, then the catalogue's order), a status filter with each status's count,
    and each case's requirement ids linked to their rows. Returns the rows' attributes by id."""
    table = report["requirements"]
    assert page.ids.get("requirements") == "section" and page.ids.get("requirements-table") == "table"
    totals = {a["data-status"]: None for t, a in page.tags if t == "span" and "data-status" in a}
    assert list(totals) == ["unmet", "xfail", "met", "not-run", "untestable", "gap", "vectors", "unchecked"]
    line = re.search(r'<p id="requirements-totals">(.*?)</p>', page.raw, re.S)
    words = re.sub("<[^>]+>", "", line.group(1))
    assert words.startswith("%d requirements:" % table["totals"]["requirements"])
    for status in totals:
        assert " %d %s" % (table["totals"][status], status) in words, (status, words)
    rows = [a for t, a in page.tags if t == "tr" and "req" in a.get("class", "").split()]
    entries = table["entries"]
    ordered = [e for e in entries if e["status"] == "unmet"] + [e for e in entries if e["status"] != "unmet"]
    assert [r["id"] for r in rows] == ["req-" + e["id"] for e in ordered]
    assert [r["data-status"] for r in rows] == [e["status"] for e in ordered]
    assert all(("unmet" in r["class"].split()) == (r["data-status"] == "unmet") for r in rows)
    options = [a["value"] for t, a in page.tags if t == "option" and a.get("value") in table["totals"]]
    assert set(options) == {k for k, v in table["totals"].items() if v and k != "requirements"}
    words = "".join(page.text)
    for entry in entries:
        for reason in ("untestable", "gap"):
            if entry["status"] == reason:
                assert xml_safe(entry[reason]) in words, entry["id"]
    links = {a["href"] for t, a in page.tags if t == "a" and a.get("href", "").startswith("#req-")}
    assert links == {"#req-" + i for c in report["cases"] for i in c.get("requirements", [])}
    return {r["id"][4:]: r for r in rows}


def test_a_filtered_run_shows_its_requirements_in_html_and_junit(kxconform, tmp_path):
    """One pairing of the PSK scenario: the cases it ran meet what they list, the rest of the catalogue is
    not run, untestable, a gap or left to the vectors, in both views with the JSON's counts."""
    result = run(kxconform, "--filter", "psk.tls.openssl-*", "--output", tmp_path)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    report, junit, text = load_reports(tmp_path)
    totals = report["requirements"]["totals"]
    assert totals["met"] > 0 and totals["not-run"] > 0 and totals["untestable"] > 0 and totals["unmet"] == 0
    rows = check_html_requirements(report, Page(text))
    assert rows["TR0038-7.1.2-psk-set"]["data-status"] == "met"
    counts = check_junit(report, junit) or check_junit_requirements(report, junit)
    assert counts == {"tests": totals["requirements"], "failures": 0,
                      "skipped": sum(totals[k] for k in ("not-run", "untestable", "gap", "unchecked"))}
    assert int(junit.get("tests")) == len(report["cases"]) + totals["requirements"]
    assert int(junit.get("skipped")) == counts["skipped"] and junit.find(".//failure") is None
    suite = next(s for s in junit.findall("testsuite") if s.get("name") == "requirements")
    properties = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert properties["catalogue"] == report["requirements"]["catalogue"]
    untestable = suite.find("testcase[@name='TS0001-11.4.3-e2e-security-capabilities']/skipped")
    assert untestable.get("message").startswith("untestable: ")


def test_an_unmet_requirement_is_a_junit_failure_and_the_first_html_row(forced_run):
    """The forced run's negative case expects the wrong end to refuse: what that case checks is unmet."""
    out, result, report, junit, text, variant = forced_run
    assert result.returncode == 1
    unmet = [e for e in report["requirements"]["entries"] if e["status"] == "unmet"]
    forced = "psk.tls.openssl-openssl." + variant
    case = next(c for c in report["cases"] if c["id"] == forced)
    assert not case["met"] and {e["id"] for e in unmet} >= set(case["requirements"])
    unmet_cases = {c["id"] for c in report["cases"] if not c["met"]}
    assert all(set(e["unmet_cases"]) <= unmet_cases for e in unmet)
    assert report["requirements"]["totals"]["unmet"] == len(unmet)
    check_junit(report, junit)
    suite = next(s for s in junit.findall("testsuite") if s.get("name") == "requirements")
    assert int(suite.get("failures")) == len(unmet)
    failed = [t.get("name") for t in suite.findall("testcase") if t.find("failure") is not None]
    assert failed == [e["id"] for e in unmet]
    failure = suite.find("testcase[@name='%s']/failure" % case["requirements"][0])
    assert forced in failure.get("message") and "index.html#" + forced in failure.text
    page = Page(text)
    rows = check_html_requirements(report, page)
    first = [a["id"][4:] for t, a in page.tags if t == "tr" and "req" in a.get("class", "").split()]
    assert first[:len(unmet)] == [e["id"] for e in unmet]
    assert all(rows[e["id"]]["class"] == "req unmet" for e in unmet)
    assert "#" + forced in {a["href"] for t, a in page.tags if t == "a"}
