"""The runner's memory does not grow with the number of cases (issue 13): each
case's result goes to the run's spool as the case finishes and is read back one
at a time while the reports are written, so a run keeps only a small row per
case. Measured as the runner's own peak RSS (VmHWM, read by bench/peak_rss.c as
the process exits), not its drivers' or tshark's.

Both runs load the same suite and profile, so that what they hold of the suite
is the same, and run a different share of its cases (--shard): the difference
is what the runner keeps per case run."""
import json
import re
import subprocess

import pytest

from conftest import built


def peak_rss(kxconform, tmp_path, shard):
    """(cases, peak RSS in kB) of the runner over one shard of the pairwise profile, every case met
    and reported."""
    name = shard.replace("/", "-of-")
    out, rss = tmp_path / ("out-" + name), tmp_path / ("rss-%s.txt" % name)
    result = subprocess.run([str(built("bench/kx-bench-peak-rss")), str(rss), str(kxconform), "run", "--profile",
                             "pairwise", "--shard", shard, "--output", str(out)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    met = re.search(r"kxconform run: (\d+) cases, (\d+) met their expectation", result.stdout)
    assert met and met.group(1) == met.group(2), result.stdout[-2000:]
    cases = int(met.group(1))
    assert len(json.loads((out / "reports" / "report.json").read_text(encoding="utf-8"))["cases"]) == cases
    fields = dict(item.split("=") for item in rss.read_text().split())
    return cases, int(fields["self_hwm_kb"])


# Slow in the sense of suites/conftest.py: its C paths are every run's, and under the sanitizers
# (check-sanitize) the figure would be AddressSanitizer's, whose quarantine keeps what is freed.
@pytest.mark.slow
def test_peak_rss_does_not_grow_with_the_number_of_cases(kxconform, tmp_path):
    few, small = peak_rss(kxconform, tmp_path, "1/16")
    many, large = peak_rss(kxconform, tmp_path, "1/2")
    assert few >= 50 and many >= few + 500, (few, many)
    # Holding every result until the reports were written cost about 90 KB a case: the larger
    # shard took some 60 MB more. A row and the capture check's facts are a few hundred bytes.
    assert large - small < 8 * 1024, "%d cases: %d kB, %d cases: %d kB" % (few, small, many, large)
