#!/usr/bin/env python3
"""The checks of `make check-ci` and suites/test_ci_templates.py, on the CI
templates in ci/ and on the reports a sharded run leaves.

  check_ci.py templates            the YAML parses, and each template has the keys
                                   it needs and runs the commands ci/parallel.sh runs
  check_ci.py same ONE.json MERGED.json
                                   a merged report says what one run says: the same
                                   case ids and, per case, result, met and verdict
                                   (durations, start times and paths aside)
  check_ci.py links MERGED.json    every capture link of the merged report resolves
                                   from its reports/ directory

Exit status 0, or 1 with each difference on standard error. Python's standard
library and Debian's python3-yaml only."""
import json
import os
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

# What the three recipes share (README.md, "Scale-out"): each builds with make, runs one shard
# with --shard and --output, and merges the shards' report.json files.
COMMANDS = ("make build", "build/kxconform run --shard", "build/kxconform merge --output")

# Per case, what a sharded run must report as one run does. Durations, paths and start times
# differ from run to run, and so do diagnoses that quote random identifiers or record lengths; these do not.
CASE_KEYS = ("result", "met", "expected", "kind", "outcome", "rejected_by", "expectation")


def scripts_of(job):
    """The shell lines of a GitLab job (before_script, script, after_script) as one text."""
    lines = []
    for key in ("before_script", "script", "after_script"):
        value = job.get(key, [])
        lines.extend(value if isinstance(value, list) else [value])
    return "\n".join(map(str, lines))


def check_gitlab(path):
    problems = []
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    jobs = {name: job for name, job in doc.items() if isinstance(job, dict) and "script" in job}
    shard = [job for job in jobs.values() if "parallel" in job]
    merge = [job for job in jobs.values() if "kxconform merge" in scripts_of(job)]
    if len(shard) != 1:
        problems.append("%s: want one job with `parallel:` (the shards), found %d" % (path, len(shard)))
    else:
        job = shard[0]
        text = scripts_of(job)
        if not isinstance(job["parallel"], int) or job["parallel"] < 2:
            problems.append("%s: the shard job's `parallel:` is not a count of 2 or more" % path)
        if "$CI_NODE_INDEX/$CI_NODE_TOTAL" not in text:
            problems.append("%s: the shard job does not run --shard $CI_NODE_INDEX/$CI_NODE_TOTAL" % path)
        if job.get("artifacts", {}).get("when") != "always" or not job.get("artifacts", {}).get("paths"):
            problems.append("%s: the shard job's reports and captures are not artifacts `when: always`" % path)
    if len(merge) != 1:
        problems.append("%s: want one job that runs kxconform merge, found %d" % (path, len(merge)))
    else:
        job = merge[0]
        artifacts = job.get("artifacts", {})
        junit = artifacts.get("reports", {}).get("junit")
        if not junit or "junit.xml" not in str(junit):
            problems.append("%s: the merge job does not publish junit.xml as `artifacts:reports:junit`" % path)
        if not any("index.html" in p or p.endswith("reports/") for p in artifacts.get("paths", [])):
            problems.append("%s: the merge job does not keep index.html as an artifact" % path)
        if job.get("when") != "always":
            problems.append("%s: the merge job does not run `when: always` (after a shard with unmet cases)" % path)
    text = "\n".join(scripts_of(job) for job in jobs.values())
    problems += ["%s: no job runs `%s`" % (path, c) for c in COMMANDS if c not in text]
    return problems


def check_github(path):
    problems = []
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads a bare `on:` as true.
    if "on" not in doc and True not in doc:
        problems.append("%s: no `on:` trigger" % path)
    jobs = doc.get("jobs", {})
    runs = {name: "\n".join(str(step.get("run", "")) for step in job.get("steps", [])) for name, job in jobs.items()}
    uses = {name: [str(step.get("uses", "")) for step in job.get("steps", [])] for name, job in jobs.items()}
    matrix = [name for name, job in jobs.items() if "matrix" in job.get("strategy", {})]
    merge = [name for name in jobs if "kxconform merge" in runs[name]]
    if len(matrix) != 1:
        problems.append("%s: want one job with a matrix over the shards, found %d" % (path, len(matrix)))
    else:
        job = jobs[matrix[0]]
        if job["strategy"].get("fail-fast") is not False:
            problems.append("%s: the matrix must not fail fast: every shard's report is merged" % path)
        if "--shard ${{ matrix.shard }}/" not in runs[matrix[0]]:
            problems.append("%s: the matrix job does not run --shard ${{ matrix.shard }}/N" % path)
        if not any(u.startswith("actions/upload-artifact@") for u in uses[matrix[0]]):
            problems.append("%s: the matrix job does not upload its shard with actions/upload-artifact" % path)
    if len(merge) != 1:
        problems.append("%s: want one job that runs kxconform merge, found %d" % (path, len(merge)))
    else:
        job = jobs[merge[0]]
        if not matrix or matrix[0] not in (job.get("needs") if isinstance(job.get("needs"), list)
                                           else [job.get("needs")]):
            problems.append("%s: the merge job does not need the shards' job" % path)
        if "always()" not in str(job.get("if", "")):
            problems.append("%s: the merge job does not run `if: always()`" % path)
        if not any(u.startswith("actions/download-artifact@") for u in uses[merge[0]]):
            problems.append("%s: the merge job does not download the shards" % path)
        if "junit.xml" not in json.dumps(job):
            problems.append("%s: the merge job does not publish junit.xml" % path)
    text = "\n".join(runs.values())
    problems += ["%s: no step runs `%s`" % (path, c) for c in COMMANDS if c not in text]
    return problems


def check_templates():
    problems = check_gitlab(ROOT / "ci" / "gitlab-ci.yml") + check_github(ROOT / "ci" / "github-actions.yml")
    recipe = (ROOT / "ci" / "parallel.sh").read_text(encoding="utf-8")
    # The recipe's commands, as its header lists them for a reader to copy.
    problems += ["ci/parallel.sh: does not say `%s`" % c for c in COMMANDS if c not in recipe]
    return problems


def load(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def requirement_statuses(report):
    table = report.get("requirements", {})
    rows = table.get("requirements", table) if isinstance(table, dict) else table
    if isinstance(rows, dict):
        rows = list(rows.values())
    return sorted((str(r.get("id")), str(r.get("status"))) for r in rows if isinstance(r, dict))


def check_same(one_path, merged_path):
    one, merged = load(one_path), load(merged_path)
    problems = []
    a = {c["id"]: c for c in one["cases"]}
    b = {c["id"]: c for c in merged["cases"]}
    if len(b) != len(merged["cases"]):
        problems.append("the merged report holds a case twice")
    for missing in sorted(set(a) - set(b)):
        problems.append("%s: in the single run, not in the merged report" % missing)
    for extra in sorted(set(b) - set(a)):
        problems.append("%s: in the merged report, not in the single run" % extra)
    for case_id in sorted(set(a) & set(b)):
        for key in CASE_KEYS:
            if a[case_id].get(key) != b[case_id].get(key):
                problems.append("%s: %s is %r in the single run, %r merged" %
                                (case_id, key, a[case_id].get(key), b[case_id].get(key)))
    if one["summary"] != merged["summary"]:
        problems.append("summary: %s in the single run, %s merged" % (one["summary"], merged["summary"]))
    if requirement_statuses(one) != requirement_statuses(merged):
        problems.append("the requirements table differs between the single run and the merge")
    return problems


def check_links(merged_path):
    reports = Path(merged_path).resolve().parent
    problems, seen = [], 0
    for case in load(merged_path)["cases"]:
        capture = case.get("capture") or {}
        for key in ("pcapng_link", "keylog_link"):
            link = capture.get(key)
            if link is None:
                if "error" not in capture:
                    problems.append("%s: no %s" % (case["id"], key))
                continue
            seen += 1
            if not (reports / link).is_file():
                problems.append("%s: %s %s does not resolve from %s" % (case["id"], key, link, reports))
    if seen == 0:
        problems.append("%s: no capture links at all" % merged_path)
    return problems


def main(argv):
    if len(argv) == 2 and argv[1] == "templates":
        problems = check_templates()
    elif len(argv) == 4 and argv[1] == "same":
        problems = check_same(argv[2], argv[3])
    elif len(argv) == 3 and argv[1] == "links":
        problems = check_links(argv[2])
    else:
        sys.stderr.write(__doc__)
        return 2
    for p in problems[:50]:
        print("check_ci.py %s: %s" % (argv[1], p), file=sys.stderr)
    if len(problems) > 50:
        print("check_ci.py %s: and %d more" % (argv[1], len(problems) - 50), file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
