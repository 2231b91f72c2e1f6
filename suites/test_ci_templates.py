"""The cheap part of `make check-ci` (README.md, "Scale-out"): the CI
templates in ci/ hold the keys they need and run the recipe's commands, and
two shards of a filtered run, merged, report what one run reports."""
import subprocess
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "ci"))
import check_ci  # noqa: E402

# Every scenario on one pairing and on both transports: enough for both shards to hold cases,
# a few seconds of runs.
FILTER = "*.openssl-wolfssl*"


def kx(kxconform, *args):
    return subprocess.run([str(kxconform), *map(str, args)], capture_output=True, text=True, timeout=300)


def test_templates_hold_the_keys_and_the_commands():
    assert check_ci.check_templates() == []


def test_the_template_check_sees_a_missing_merge_job(tmp_path, monkeypatch):
    broken = tmp_path / "gitlab-ci.yml"
    text = (ROOT / "ci" / "gitlab-ci.yml").read_text(encoding="utf-8")
    broken.write_text(text.replace("build/kxconform merge", "build/kxconform merged"), encoding="utf-8")
    assert any("kxconform merge" in p for p in check_ci.check_gitlab(broken))


@pytest.mark.parametrize("weighted", [False, True], ids=["by-id", "by-cost"])
def test_two_shards_merged_report_as_one_run(kxconform, tmp_path, weighted):
    single = tmp_path / "single"
    result = kx(kxconform, "run", "--filter", FILTER, "--output", single)
    assert result.returncode == 0, result.stdout + result.stderr
    one = single / "reports" / "report.json"
    weights = ["--shard-weights", one] if weighted else []
    reports = []
    for k in (1, 2):
        out = tmp_path / ("shard-%d" % k)
        result = kx(kxconform, "run", "--filter", FILTER, "--shard", "%d/2" % k, *weights, "--output", out)
        assert result.returncode == 0, result.stdout + result.stderr
        reports.append(out / "reports" / "report.json")
    merged = tmp_path / "merged"
    result = kx(kxconform, "merge", "--output", merged, *reports)
    assert result.returncode == 0, result.stderr
    assert check_ci.check_same(one, merged / "reports" / "report.json") == []
    assert check_ci.check_links(merged / "reports" / "report.json") == []
