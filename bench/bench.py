#!/usr/bin/python3
"""make bench: measures kxconform against the TLS libraries' own limit and
records the figures, with the machine they ran on, in bench/RESULTS.md.

  bench.py [--build DIR] [--results FILE] [--min-seconds S] [--vector-tests N] [--vector-runs N]
  bench.py --only-vectors [--build DIR] [--vector-tests N] [--vector-runs N]

What is measured (issue 7, "Benchmarks"; bench/README.md says why each way):
  1. raw handshakes/s per library: build/bench/kx-bench-raw-{openssl,wolfssl}
     (two sessions of one backend over memory, export included) for PSK
     0x00AE and ECDHE-ECDSA P-256 0xC023 with mutual certificates;
  2. harness cases/s per pairing, --jobs 1 and the default, positive cases of
     the suite's "psk" and "connection" scenarios repeated in a generated suite
     file so that each measurement lasts at least --min-seconds, and the ratio
     to the raw rate of the slower library for the same suite (targets at
     --jobs 1: >= 0.5 for PSK, >= 0.7 for ECDHE-ECDSA);
  3. vector checks/s per driver over a generated set of about --vector-tests
     tests (the e2e and PRF files' tests repeated; target >= 100,000/s), the
     best of --vector-runs runs (section 3 alone: --only-vectors);
  4. wall time and the runner's own peak RSS of the commands of `make
     conformance`, with the cases run and the tshark processes started
     (targets <= 15 s on 2 cores, <= 64 MB);
  5. the full profile, `kxconform run --profile full`: cases, wall time and
     the runner's peak RSS (targets >= 5,000 cases, <= 60 s on 2 cores,
     <= 64 MB).

Everything is written in a temporary directory that is removed afterwards;
nothing in the repository changes except RESULTS.md, where only the part
between the "measured" markers is replaced and one row is added to the
history table (the hand-written analysis around them is kept).

Exit status: 0 when every benchmark ran (a missed target is reported, not a
failure); 1 when one could not run (a missing executable, a run whose cases
did not all pass, a crash); 2 for bad options. Standard library only.
"""
import argparse
import datetime
import json
import math
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DRIVERS = ("openssl", "wolfssl")
PAIRINGS = ("openssl-openssl", "wolfssl-wolfssl", "openssl-wolfssl", "wolfssl-openssl")
# Suite name in the tables -> (scenario of suites/onem2m.json, raw_handshake suite, IANA id).
SUITES = {
    "PSK": ("psk", "psk", "0x00AE"),
    "ECDHE-ECDSA": ("connection", "ecdsa", "0xC023"),
}
# The case rate over the slower library's raw rate at --jobs 1 (issue 13): the harness's share of
# a certificate handshake is smaller, so its target is higher.
TARGET_RATIOS = {"PSK": 0.5, "ECDHE-ECDSA": 0.7}
# The full profile (kxconform run --profile full): at least this many cases, in at most this long.
TARGET_FULL_CASES = 5000
TARGET_FULL_WALL_S = 60.0
TARGET_VECTORS_PER_S = 100_000
TARGET_WALL_S = 15.0
TARGET_RSS_MB = 64.0
MEASURED_BEGIN = "<!-- bench.py: measured results begin (replaced by every `make bench`) -->"
MEASURED_END = "<!-- bench.py: measured results end -->"
HISTORY_BEGIN = "<!-- bench.py: history rows (one appended by every `make bench`) -->"
HISTORY_END = "<!-- bench.py: history end -->"


class BenchError(Exception):
    """A benchmark that could not run: make bench then exits 1."""


def say(text):
    print(text, flush=True)


def children_cpu():
    """CPU seconds (user + system) of every descendant waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(cmd, cwd=None, env=None, stdout_path=None, timeout=600, cpu=None):
    """Runs cmd; returns (exit status, wall seconds, stdout text, stderr text).

    cpu, a list, receives the CPU seconds of cmd and its descendants (the
    runner waits for its drivers, so theirs are included): unlike the wall
    time, it hardly changes when other work shares the machine."""
    cpu_start = children_cpu()
    start = time.monotonic()
    if stdout_path is None:
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
        out = proc.stdout
    else:
        # Per-case progress lines of long runs go to a file, not into memory.
        with open(stdout_path, "w") as sink:
            proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=sink, stderr=subprocess.PIPE, text=True,
                                  timeout=timeout)
        with open(stdout_path) as f:
            out = f.read()
    wall = time.monotonic() - start
    if cpu is not None:
        cpu.append(children_cpu() - cpu_start)
    return proc.returncode, wall, out, proc.stderr


# ---------------------------------------------------------------- the machine

def first_line(cmd):
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return (proc.stdout or proc.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "unknown"


def driver_hello(path):
    """The hello line a driver sends first: the library version it was built with."""
    try:
        proc = subprocess.run([path], input='{"op":"bye"}\n', capture_output=True, text=True, timeout=30)
        return json.loads(proc.stdout.splitlines()[0]).get("implementation", "unknown")
    except (OSError, IndexError, ValueError, subprocess.SubprocessError):
        return "unknown"


def machine(build):
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    pretty = "unknown"
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    pretty = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass

    def deb(package):
        return first_line(["dpkg-query", "-W", "-f=${Version}", package])

    dirty = first_line(["sh", "-c", f"git -C {ROOT} status --porcelain | wc -l"])
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": first_line(["nproc"]),
        "cpu": cpu,
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "os": f"{pretty}, Linux {platform.release()}",
        "openssl": driver_hello(os.path.join(build, "kx-driver-openssl")),
        "wolfssl": driver_hello(os.path.join(build, "kx-driver-wolfssl")),
        "jansson": deb("libjansson4"),
        "tshark": deb("tshark"),
        "gcc": first_line(["gcc", "-dumpfullversion"]),
        "commit": first_line(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]) + f" ({dirty} paths changed in the working tree)",
        "load_before": "%.2f %.2f %.2f" % os.getloadavg(),
    }


# ------------------------------------------------------------ 1. raw handshakes

def raw_rates(build, seconds, rates=None):
    """{(driver, raw suite): {...}}; given the rates of an earlier pass, keeps the better of the two.

    Two passes, one before and one after the harness runs, because the raw
    loop is the denominator of every ratio: one unlucky second (another
    process on the machine) would flatter them all."""
    rates = {} if rates is None else rates
    for driver in DRIVERS:
        exe = os.path.join(build, "bench", f"kx-bench-raw-{driver}")
        for _, (_, raw_suite, _) in SUITES.items():
            status, _, out, err = run([exe, raw_suite, str(seconds)])
            m = re.search(r"handshakes=(\d+) seconds=([\d.]+) cpu_seconds=([\d.]+) rate=([\d.]+)", out)
            if status != 0 or m is None:
                raise BenchError(f"{exe} {raw_suite} failed (status {status}): {err.strip() or out.strip()}")
            new = {"n": int(m.group(1)), "seconds": float(m.group(2)), "cpu": float(m.group(3)),
                   "rate": float(m.group(4)), "cpu_rate": int(m.group(1)) / max(float(m.group(3)), 1e-9)}
            old = rates.get((driver, raw_suite))
            if old is not None:
                new["spread"] = (min(old["rate"], new["rate"]), max(old["rate"], new["rate"]))
                new["cpu_rate"] = max(old["cpu_rate"], new["cpu_rate"])
                if old["rate"] > new["rate"]:
                    new.update({k: old[k] for k in ("n", "seconds", "cpu", "rate")})
            rates[(driver, raw_suite)] = new
            say(f"  raw {driver:8s} {raw_suite:6s} {float(m.group(4)):9.1f} handshakes/s "
                f"({m.group(1)} in {m.group(2)} s, {m.group(3)} s CPU)")
    return rates


# ------------------------------------------------------------- 2. case rate

def capture_modes(kxconform):
    """[(label, extra run arguments)]: captures on and off when `run --help` offers a switch."""
    _, _, text, _ = run([kxconform, "run", "--help"])
    # A switch, not an option with a value (--capture-dir DIR, --captures DIR).
    off = re.search(r"(--no-captures?)(?=[\s,|\]]|$)(?! [A-Z])", text)
    on = re.search(r"(--captures?)(?=[\s,|\]]|$)(?! [A-Z])", text)
    if off:
        return [("captures on", []), ("captures off", [off.group(1)])], f"`{off.group(1)}` turns captures off"
    if on:
        return [("captures on", [on.group(1)]), ("captures off", [])], f"`{on.group(1)}` turns captures on"
    return [("", [])], None


def write_suite(path, scenario, copies):
    """A suite file whose only scenario is `scenario` (TLS, positive cases only), `copies` times.

    The copies keep the scenario's name: drivers list the scenarios they play
    in their hello, so a renamed copy would be refused as not implemented.
    The runner accepts repeated case ids; each repetition is a full case."""
    with open(os.path.join(ROOT, "suites", "onem2m.json")) as f:
        suite = json.load(f)
    base = next(s for s in suite["scenarios"] if s["name"] == scenario)
    one = {k: v for k, v in base.items() if k not in ("negative", "faults")}
    one["transports"] = ["tls"]
    suite["scenarios"] = [one] * copies
    with open(path, "w") as f:
        json.dump(suite, f)


def run_cases(kxconform, tmp, scenario, copies, pairing, jobs, extra, env=None):
    """Runs `copies` cases of one pairing; returns (cases, wall seconds, CPU seconds)."""
    suite = os.path.join(tmp, f"suite-{scenario}-{copies}.json")
    if not os.path.exists(suite):
        write_suite(suite, scenario, copies)
    out = os.path.join(tmp, "run-out")
    shutil.rmtree(out, ignore_errors=True)
    cmd = [kxconform, "run", "--suite", suite, "--filter", f"{scenario}.tls.{pairing}", "--output", out] + extra
    if jobs is not None:
        cmd += ["--jobs", str(jobs)]
    cpu = []
    status, wall, text, err = run(cmd, stdout_path=os.path.join(tmp, "run-stdout.txt"), cpu=cpu, env=env)
    m = re.search(r"kxconform run: (\d+) cases, (\d+) met their expectation", text)
    if status != 0 or m is None or int(m.group(1)) != copies or int(m.group(2)) != copies:
        tail = (err.strip() or text.strip()).splitlines()[-3:]
        raise BenchError(f"{' '.join(cmd)}: status {status}, expected {copies} cases met: {' / '.join(tail)}")
    return copies, wall, cpu[0]


def measure_cases(kxconform, tmp, scenario, estimate, min_seconds, pairing, jobs, extra, env=None):
    """One case-rate measurement sized from estimate (cases/s) to last min_seconds; a run that ends
    sooner is redone larger (up to three times). Returns {...}."""
    copies = max(20, math.ceil(estimate * min_seconds * 1.3))
    n, wall, cpu = run_cases(kxconform, tmp, scenario, copies, pairing, jobs, extra, env)
    # The rate moves with the machine's load, so a resized run can still end early.
    for _ in range(3):
        if wall >= min_seconds:
            break
        copies = math.ceil(copies * min_seconds * 1.3 / wall)
        n, wall, cpu = run_cases(kxconform, tmp, scenario, copies, pairing, jobs, extra, env)
    return {"cases": n, "seconds": wall, "rate": n / wall, "cpu": cpu, "cpu_ms": 1000 * cpu / n}


def case_rates(kxconform, tmp, min_seconds, nproc):
    """{(suite label, pairing, jobs label, capture label): {...}}, the capture note, the capture
    labels, and {suite label: (with the tshark check, without it)} when $KX_TSHARK can switch it off."""
    modes, capture_note = capture_modes(kxconform)
    results = {}
    job_settings = [("1", 1), (f"default ({nproc})", None)]
    for label, (scenario, _, _) in SUITES.items():
        # A short run estimates the rate, so each real run can be sized to last min_seconds.
        n, wall, _ = run_cases(kxconform, tmp, scenario, 40, "openssl-openssl", 1, modes[0][1])
        estimate = n / wall
        for capture_label, extra in modes:
            for jobs_label, jobs in job_settings:
                width = 1 if jobs == 1 else nproc
                for pairing in PAIRINGS:
                    r = measure_cases(kxconform, tmp, scenario, estimate * width, min_seconds, pairing, jobs, extra)
                    estimate = r["rate"] / width
                    results[(label, pairing, jobs_label, capture_label)] = r
                    say(f"  cases {label:11s} {pairing:15s} jobs {jobs_label:11s} {capture_label:12s} "
                        f"{r['rate']:8.1f} cases/s ({r['cases']} in {r['seconds']:.2f} s; "
                        f"{r['cpu_ms']:.2f} ms CPU per case)")
    # The runner checks every capture with tshark at the end of the run; $KX_TSHARK naming no
    # program skips that check (captures are still written). One pairing shows its share.
    check = {}
    with open(kxconform, "rb") as f:
        knows_kx_tshark = b"KX_TSHARK" in f.read()
    if knows_kx_tshark and capture_note is None:
        env = dict(os.environ, KX_TSHARK=os.path.join(tmp, "no-such-tshark"))
        for label, (scenario, _, _) in SUITES.items():
            on = results[(label, "openssl-openssl", "1", modes[0][0])]
            off = measure_cases(kxconform, tmp, scenario, on["rate"], min_seconds, "openssl-openssl", 1, [], env)
            # The reference ends as driver processes (--reference-ends process), as before they ran
            # in-process: what the pipes cost.
            processes = measure_cases(kxconform, tmp, scenario, on["rate"], min_seconds, "openssl-openssl", 1,
                                      ["--reference-ends", "process"])
            check[label] = (on, off, processes)
            say(f"  cases {label:11s} openssl-openssl jobs 1 without the tshark check "
                f"{off['rate']:8.1f} cases/s ({off['cases']} in {off['seconds']:.2f} s; "
                f"{off['cpu_ms']:.2f} ms CPU per case); ends as processes {processes['rate']:8.1f} cases/s")
    return results, capture_note, [m[0] for m in modes], check


# ------------------------------------------------------------ 3. vector rate

def write_vectors(directory, total):
    """The e2e and PRF files' tests repeated to about `total` tests; returns (tests, derivation requests)."""
    os.makedirs(directory, exist_ok=True)
    tests = requests = 0
    for name in ("e2e_derivation_test", "tls12_prf_test"):
        with open(os.path.join(ROOT, "vectors", f"{name}.json")) as f:
            data = json.load(f)
        per_copy = sum(len(g["tests"]) for g in data["testGroups"])
        copies = max(1, total // 2 // per_copy)
        groups, tc = [], 0
        for _ in range(copies):
            for group in data["testGroups"]:
                new = {k: v for k, v in group.items() if k != "tests"}
                new["tests"] = []
                for test in group["tests"]:
                    tc += 1
                    new["tests"].append(dict(test, tcId=tc))
                    # An invalid test also asks for the named mistake: two derivations.
                    requests += 2 if test["result"] == "invalid" else 1
                groups.append(new)
        data["testGroups"] = groups
        data["numberOfTests"] = tc
        tests += tc
        with open(os.path.join(directory, f"{name}.json"), "w") as f:
            json.dump(data, f)
    return tests, requests


def vector_rates(build, tmp, total, runs):
    """Each driver `runs` times, interleaved; the best wall time counts (as for
    the raw handshakes: other work on a shared machine only ever slows a run
    down), with the median CPU time beside it."""
    directory = os.path.join(tmp, "vectors")
    tests, requests = write_vectors(directory, total)
    kxconform = os.path.join(build, "kxconform")
    walls = {driver: [] for driver in DRIVERS}
    cpus = {driver: [] for driver in DRIVERS}
    for _ in range(runs):
        for driver in DRIVERS:
            spec = f"{driver}={os.path.join(build, 'kx-driver-' + driver)}"
            # The reports (vectors.json, junit-vectors.xml) go to the scratch directory, not the repository.
            status, wall, out, err = run([kxconform, "vectors", "--vectors", directory, "--driver", spec,
                                          "--output", os.path.join(tmp, "vectors-out")], cpu=cpus[driver])
            m = re.search(rf" {driver} (\d+)/(\d+) passed;", out)
            if status != 0 or m is None or m.group(1) != m.group(2) or int(m.group(2)) != tests:
                raise BenchError(f"kxconform vectors on {driver}: status {status}: "
                                 f"{(err.strip() or out.strip()).splitlines()[-1:]}")
            walls[driver].append(wall)
    results = {}
    for driver in DRIVERS:
        wall, cpu = min(walls[driver]), sorted(cpus[driver])[len(cpus[driver]) // 2]
        results[driver] = {"tests": tests, "requests": requests, "seconds": wall, "rate": tests / wall,
                           "request_rate": requests / wall, "cpu": cpu, "runs": walls[driver]}
        say(f"  vectors {driver:8s} {tests / wall:9.0f} tests/s ({requests / wall:.0f} derivations/s; "
            f"{tests} tests in {wall:.2f} s (runs: {', '.join(f'{w:.2f}' for w in walls[driver])}), "
            f"{cpu:.2f} s CPU)")
    return results


# ---------------------------------------------------- 4. make conformance

def measured_run(build, tmp, name, args, cwd, env=None, timeout=600):
    """kxconform ARGS under kx-bench-peak-rss: status, wall time, output, and the runner's own peak
    RSS (self_kb) beside the largest process of its tree (tree_kb)."""
    peak = os.path.join(build, "bench", "kx-bench-peak-rss")
    rss_file = os.path.join(tmp, f"rss-{name}.txt")
    status, wall, out, err = run([peak, rss_file, os.path.join(build, "kxconform")] + args, cwd=cwd, env=env,
                                 stdout_path=os.path.join(tmp, f"{name}.txt"), timeout=timeout)
    try:
        with open(rss_file) as f:
            rss = dict(kv.split("=") for kv in f.read().split())
    except (OSError, ValueError):
        raise BenchError(f"kx-bench-peak-rss could not measure kxconform {name}: {err.strip()}")
    return {"status": status, "wall": wall, "self_kb": int(rss["self_hwm_kb"]),
            "tree_kb": int(rss["tree_maxrss_kb"]), "out": out, "err": err}


def conformance(build, tmp):
    """The commands of `make conformance` on a built tree, in a scratch directory."""
    work = os.path.join(tmp, "conformance")
    wrap = os.path.join(tmp, "wrap")
    os.makedirs(work)
    os.makedirs(wrap)
    log = os.path.join(tmp, "tshark.log")
    real = shutil.which("tshark")
    # Counts every tshark started through PATH or $KX_TSHARK, then becomes the real one.
    with open(os.path.join(wrap, "tshark"), "w") as f:
        f.write("#!/bin/sh\n# Logs one line per tshark process the runner starts, then runs the real tshark.\n"
                f"echo \"$$ $*\" >> '{log}'\n"
                + (f"exec '{real}' \"$@\"\n" if real else "echo 'tshark is not installed' >&2\nexit 127\n"))
    os.chmod(os.path.join(wrap, "tshark"), 0o755)
    env = dict(os.environ, PATH=wrap + os.pathsep + os.environ.get("PATH", ""),
               KX_TSHARK=os.path.join(wrap, "tshark"))

    # What make adds before the runs on a built tree: the package check and a no-op build.
    status_d, deps, _, _ = run([os.path.join(ROOT, "scripts", "install-deps.sh"), "conformance"])
    status_b, nobuild, _, err_b = run(["cmake", "--build", build, "-j", str(os.cpu_count() or 2)])
    make_steps = deps + nobuild if status_d == 0 and status_b == 0 else None

    steps = {name: measured_run(build, tmp, name, args, work, env)
             for name, args in (("vectors", ["vectors"]), ("run", ["run"]))}
    m = re.search(r"kxconform run: (\d+) cases, (\d+) met their expectation", steps["run"]["out"])
    v = re.search(r"kxconform vectors: (\d+) tests;", steps["vectors"]["out"])
    if m is None or v is None:
        raise BenchError("the conformance commands did not print their summaries")
    tshark = 0
    if os.path.exists(log):
        with open(log) as f:
            tshark = sum(1 for _ in f)
    result = {
        "vectors_wall": steps["vectors"]["wall"], "run_wall": steps["run"]["wall"],
        "wall": steps["vectors"]["wall"] + steps["run"]["wall"],
        "make_steps": make_steps, "make_steps_note": None if make_steps is not None else
        f"install-deps status {status_d}, cmake --build status {status_b}: {err_b.strip()[-200:]}",
        "rss_run_mb": steps["run"]["self_kb"] / 1024, "rss_vectors_mb": steps["vectors"]["self_kb"] / 1024,
        "rss_tree_mb": max(s["tree_kb"] for s in steps.values()) / 1024,
        "cases": int(m.group(1)), "met": int(m.group(2)), "vector_tests": int(v.group(1)),
        "status": max(steps["vectors"]["status"], steps["run"]["status"]), "tshark": tshark,
    }
    say(f"  conformance: {result['wall']:.2f} s ({result['vectors_wall']:.2f} vectors + {result['run_wall']:.2f} run"
        + (f"; make's own steps {make_steps:.2f} s" if make_steps is not None else "") + f"), "
        f"{result['cases']} cases ({result['met']} met), {result['vector_tests']} vector tests, "
        f"{tshark} tshark processes, runner peak RSS {result['rss_run_mb']:.1f} MB "
        f"(vectors {result['rss_vectors_mb']:.1f} MB; largest process of the tree {result['rss_tree_mb']:.1f} MB)")
    return result


def full_profile(build, tmp):
    """`kxconform run --profile full` with captures and the tshark check, as a vendor's CI would."""
    work = os.path.join(tmp, "full")
    os.makedirs(work)
    step = measured_run(build, tmp, "full", ["run", "--profile", "full", "--output", work], work, timeout=1800)
    m = re.search(r"kxconform run: (\d+) cases, (\d+) met their expectation", step["out"])
    if m is None:
        raise BenchError("kxconform run --profile full did not print its summary: " + step["err"].strip()[-300:])
    result = {"wall": step["wall"], "cases": int(m.group(1)), "met": int(m.group(2)), "status": step["status"],
              "rss_mb": step["self_kb"] / 1024, "rss_tree_mb": step["tree_kb"] / 1024}
    say(f"  full profile: {result['cases']} cases ({result['met']} met) in {result['wall']:.1f} s, runner peak RSS "
        f"{result['rss_mb']:.1f} MB (largest process of the tree {result['rss_tree_mb']:.1f} MB)")
    return result


# ------------------------------------------------------------------ report

def verdict(ok):
    return "met" if ok else "**MISSED**"


def render(info, raw, cases, capture_note, capture_labels, check, vectors, conf, full, min_seconds):
    lines = []
    add = lines.append
    add(MEASURED_BEGIN)
    add("")
    add(f"Measured {info['date']} by `make bench` (bench/bench.py).")
    add("")
    add("| machine | |")
    add("|---|---|")
    for key, name in (("nproc", "`nproc`"), ("cpu", "CPU"), ("memory", "memory"), ("os", "OS"),
                      ("openssl", "OpenSSL (driver hello)"), ("wolfssl", "wolfSSL (driver hello)"),
                      ("jansson", "jansson"), ("tshark", "tshark"), ("gcc", "gcc"), ("commit", "commit"),
                      ("load_before", "load average before"), ("load_after", "load average after")):
        add(f"| {name} | {info[key]} |")
    add("")
    add("The load average is there because this machine is shared: other work running at the same time")
    add("lowers every rate below, the harness's more than the raw loop's (it needs both cores).")
    add("")

    add("### 1. Raw in-process handshakes (one core, export included)")
    add("")
    add("Best of two passes (before and after the harness runs; both shown). CPU rate: handshakes per CPU")
    add("second, which other load on the machine hardly moves.")
    add("")
    add("ECDHE-ECDSA: P-256 certificates on both ends; the ECDHE group is the library's choice (X25519 between")
    add("two OpenSSL ends, P-256 between two wolfSSL ends; see the analysis, section 1).")
    add("")
    add("| library | PSK 0x00AE | (passes) | per CPU s | ECDHE-ECDSA 0xC023, mutual certificates | (passes) | per CPU s |")
    add("|---|---:|---:|---:|---:|---:|---:|")
    for driver in DRIVERS:
        row = f"| {driver} |"
        for raw_suite in ("psk", "ecdsa"):
            r = raw[(driver, raw_suite)]
            spread = r.get("spread", (r["rate"], r["rate"]))
            row += f" {r['rate']:.0f}/s | {spread[0]:.0f}, {spread[1]:.0f} | {r['cpu_rate']:.0f} |"
        add(row)
    add("")

    add(f"### 2. Harness case rate (positive TLS cases, one pairing at a time, each run >= {min_seconds:g} s)")
    add("")
    if capture_note is None:
        add("`kxconform run --help` offers no capture option: the captures cannot be switched off, so only")
        add("one figure per configuration exists, with captures written and checked by tshark. When an")
        add("option appears, bench.py measures both settings.")
    else:
        add(f"Captures: {capture_note}; both settings are measured.")
    add("")
    add("ratio: cases/s over the raw handshakes/s of the slower library (wall clock, the target's measure).")
    add("CPU ms/case: CPU of kxconform, its drivers and tshark per case. CPU ratio: the slower library's raw")
    add("CPU per handshake over it, the share of the harness's CPU that is the library's own work; unlike the")
    add("wall-clock ratio it hardly moves when other work shares the machine.")
    add("")
    for label, (scenario, raw_suite, iana) in SUITES.items():
        slower_name = min(DRIVERS, key=lambda d: raw[(d, raw_suite)]["rate"])
        slower = raw[(slower_name, raw_suite)]["rate"]
        slower_cpu_ms = 1000 / min(raw[(d, raw_suite)]["cpu_rate"] for d in DRIVERS)
        add(f"**{label} ({iana}, scenario `{scenario}`)**: raw rate of the slower library ({slower_name}) "
            f"{slower:.0f}/s ({slower_cpu_ms:.2f} ms CPU per handshake); target ratio >= {TARGET_RATIOS[label]} "
            "at --jobs 1.")
        add("")
        head = "| pairing | jobs |"
        rule = "|---|---|"
        for c in capture_labels:
            tag = f" ({c})" if c else ""
            head += f" cases/s{tag} | ratio | CPU ms/case | CPU ratio |"
            rule += "---:|---:|---:|---:|"
        add(head)
        add(rule)
        for jobs_label in sorted({k[2] for k in cases}, key=lambda j: (j != "1", j)):
            for pairing in PAIRINGS:
                row = f"| {pairing} | {jobs_label} |"
                for c in capture_labels:
                    r = cases[(label, pairing, jobs_label, c)]
                    ratio = r["rate"] / slower
                    missed = jobs_label == "1" and ratio < TARGET_RATIOS[label]
                    row += (f" {r['rate']:.0f} | {ratio:.2f}{' (missed)' if missed else ''} |"
                            f" {r['cpu_ms']:.2f} | {slower_cpu_ms / r['cpu_ms']:.2f} |")
                add(row)
        add("")

    if check:
        add("Share of the tshark check and of the driver processes (one pairing, `--jobs 1`): the same run")
        add("with `$KX_TSHARK` naming no program, which skips the check (the captures are still written), and")
        add("with `--reference-ends process`, the reference ends as driver processes instead of in-process.")
        add("")
        add("| suite | with the check | without | ends as processes | CPU ms/case with | without | processes |")
        add("|---|---:|---:|---:|---:|---:|---:|")
        for label, (on, off, processes) in check.items():
            add(f"| {label} | {on['rate']:.0f}/s | {off['rate']:.0f}/s | {processes['rate']:.0f}/s | "
                f"{on['cpu_ms']:.2f} | {off['cpu_ms']:.2f} | {processes['cpu_ms']:.2f} |")
        add("")

    add(f"### 3. Vector checking rate (target >= {TARGET_VECTORS_PER_S:,} per second per backend)")
    add("")
    any_v = next(iter(vectors.values()))
    add(f"`kxconform vectors` with one driver over {any_v['tests']:,} tests (the e2e and PRF files' tests")
    add(f"repeated in two files; {any_v['requests']:,} derivations, an invalid test asking for the reference and")
    add("the named mistake). Wall time of the whole command: loading, requests, driver, verdicts; the best of")
    add(f"{len(any_v['runs'])} runs per driver, interleaved (all shown), with the median CPU time. The target is judged")
    add("on tests/s, the stricter of the two rates.")
    add("")
    add("| driver | seconds | (runs) | CPU s (runner + driver) | tests/s | derivations/s | target |")
    add("|---|---:|---:|---:|---:|---:|---|")
    for driver in DRIVERS:
        r = vectors[driver]
        runs = ", ".join(f"{w:.2f}" for w in r["runs"])
        add(f"| {driver} | {r['seconds']:.2f} | {runs} | {r['cpu']:.2f} | {r['rate']:,.0f} | "
            f"{r['request_rate']:,.0f} | {verdict(r['rate'] >= TARGET_VECTORS_PER_S)} |")
    add("")

    add("### 4. `make conformance` on a built tree")
    add("")
    add("`kxconform vectors` then `kxconform run` with their defaults, in a scratch directory, with a `tshark`")
    add("wrapper first on PATH and in `$KX_TSHARK` that counts its starts. Peak RSS is the runner's own")
    add("VmHWM (kx-bench-peak-rss reads it at exit), not its drivers'.")
    add("")
    add("| | value | target |")
    add("|---|---:|---|")
    add(f"| wall time of the two commands | {conf['wall']:.2f} s (vectors {conf['vectors_wall']:.2f}, run "
        f"{conf['run_wall']:.2f}) | <= {TARGET_WALL_S:g} s: {verdict(conf['wall'] <= TARGET_WALL_S)} |")
    if conf["make_steps"] is not None:
        total = conf["wall"] + conf["make_steps"]
        add(f"| with make's own steps (package check, no-op build) | {total:.2f} s | <= {TARGET_WALL_S:g} s: "
            f"{verdict(total <= TARGET_WALL_S)} |")
    else:
        add(f"| make's own steps | not measured: {conf['make_steps_note']} | |")
    add(f"| runner peak RSS, `kxconform run` | {conf['rss_run_mb']:.1f} MB | <= {TARGET_RSS_MB:g} MB: "
        f"{verdict(conf['rss_run_mb'] <= TARGET_RSS_MB)} |")
    add(f"| runner peak RSS, `kxconform vectors` | {conf['rss_vectors_mb']:.1f} MB | |")
    add(f"| largest single process of either command (drivers, tshark included) | {conf['rss_tree_mb']:.1f} MB | |")
    add(f"| cases run (met) | {conf['cases']} ({conf['met']}) | |")
    add(f"| vector tests | {conf['vector_tests']} | |")
    add(f"| tshark processes started | {conf['tshark']} | |")
    add(f"| exit status | {conf['status']} | |")
    add("")
    add("### 5. The full profile (`kxconform run --profile full`)")
    add("")
    add("Every combination of every scenario's axes (README.md, \"Axes and profiles\"), captures written and")
    add("checked by tshark, in a scratch directory at the default --jobs.")
    add("")
    add("| | value | target |")
    add("|---|---:|---|")
    add(f"| cases (met) | {full['cases']} ({full['met']}) | >= {TARGET_FULL_CASES:,}: "
        f"{verdict(full['cases'] >= TARGET_FULL_CASES)} |")
    add(f"| wall time | {full['wall']:.1f} s | <= {TARGET_FULL_WALL_S:g} s: {verdict(full['wall'] <= TARGET_FULL_WALL_S)} |")
    add(f"| runner peak RSS | {full['rss_mb']:.1f} MB | <= {TARGET_RSS_MB:g} MB: {verdict(full['rss_mb'] <= TARGET_RSS_MB)} |")
    add(f"| largest single process (drivers, tshark included) | {full['rss_tree_mb']:.1f} MB | |")
    add(f"| exit status | {full['status']} | |")
    add("")
    add(MEASURED_END)
    return "\n".join(lines)


def ratio_range(raw, cases, label, jobs_label):
    """(wall ratios, CPU ratios) of one suite and jobs setting over the pairings."""
    raw_suite = SUITES[label][1]
    slower = min(raw[(d, raw_suite)]["rate"] for d in DRIVERS)
    slower_cpu_ms = 1000 / min(raw[(d, raw_suite)]["cpu_rate"] for d in DRIVERS)
    chosen = [v for k, v in cases.items() if k[0] == label and k[2] == jobs_label]
    return [v["rate"] / slower for v in chosen], [slower_cpu_ms / v["cpu_ms"] for v in chosen]


def history_row(info, raw, cases, vectors, conf, full):
    cells = [info["date"], info["commit"].split()[0], info["load_before"].split()[0]]
    dflt = next(k[2] for k in cases if k[2] != "1")
    for label, (_, raw_suite, _) in SUITES.items():
        cells.append(f"{min(raw[(d, raw_suite)]['rate'] for d in DRIVERS):.0f}")
        for jobs_label in ("1", dflt):
            wall, cpu = ratio_range(raw, cases, label, jobs_label)
            cells.append(f"{min(wall):.2f}-{max(wall):.2f} (CPU {min(cpu):.2f}-{max(cpu):.2f})")
    cells.append(" / ".join(f"{vectors[d]['rate']:,.0f}" for d in DRIVERS))
    cells.append(f"{conf['wall']:.2f} s, {conf['rss_run_mb']:.1f} MB, {conf['tshark']} tshark")
    cells.append(f"{full['cases']} cases, {full['wall']:.1f} s, {full['rss_mb']:.1f} MB")
    return "| " + " | ".join(cells) + " |"


HISTORY_HEAD = ("| date | commit | load | raw PSK (slower) | PSK ratio jobs 1 | PSK ratio default | "
                "raw ECDSA (slower) | ECDSA ratio jobs 1 | ECDSA ratio default | vectors/s openssl / wolfssl | "
                "conformance | full profile |\n|---|---|---:|---:|---|---|---:|---|---|---|---|---|")


def update_results(path, measured, row):
    """Replaces the measured block and appends the history row, keeping everything else."""
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        text = ("# Benchmark results\n\n" + MEASURED_BEGIN + "\n" + MEASURED_END + "\n\n## History\n\n"
                + HISTORY_HEAD + "\n" + HISTORY_BEGIN + "\n" + HISTORY_END + "\n")
    if MEASURED_BEGIN not in text or MEASURED_END not in text:
        text += "\n" + MEASURED_BEGIN + "\n" + MEASURED_END + "\n"
    if HISTORY_BEGIN not in text or HISTORY_END not in text:
        text += "\n## History\n\n" + HISTORY_HEAD + "\n" + HISTORY_BEGIN + "\n" + HISTORY_END + "\n"
    start, end = text.index(MEASURED_BEGIN), text.index(MEASURED_END) + len(MEASURED_END)
    text = text[:start] + measured + text[end:]
    at = text.index(HISTORY_END)
    text = text[:at] + row + "\n" + text[at:]
    with open(path, "w") as f:
        f.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--results", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    parser.add_argument("--min-seconds", type=float, default=2.0, help="shortest harness case-rate run")
    parser.add_argument("--raw-seconds", type=float, default=1.5, help="length of each raw handshake loop")
    parser.add_argument("--vector-tests", type=int, default=100_000, help="size of the generated vector set")
    parser.add_argument("--vector-runs", type=int, default=3, help="runs per driver of the vector benchmark")
    parser.add_argument("--only-vectors", action="store_true",
                        help="run section 3 only and print it; RESULTS.md is left as it is")
    args = parser.parse_args()
    build = os.path.abspath(args.build)
    needed = [os.path.join(build, p) for p in ("kxconform", "kx-driver-openssl", "kx-driver-wolfssl",
                                                 "bench/kx-bench-raw-openssl", "bench/kx-bench-raw-wolfssl",
                                                 "bench/kx-bench-peak-rss")]
    missing = [p for p in needed if not os.access(p, os.X_OK)]
    if missing:
        say("make bench: cannot run, missing: " + ", ".join(missing))
        return 1
    started = time.monotonic()
    if args.only_vectors:
        tmp = tempfile.mkdtemp(prefix="kxbench-")
        try:
            say(f"3. vector checking rate (load {'%.2f %.2f %.2f' % os.getloadavg()}; RESULTS.md not written)")
            vectors = vector_rates(build, tmp, args.vector_tests, args.vector_runs)
        except (BenchError, subprocess.SubprocessError, OSError) as e:
            say(f"make bench: the vector benchmark could not run: {e}")
            return 1
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        for driver in DRIVERS:
            say(f"  vectors {driver:8s} {vectors[driver]['rate']:,.0f} tests/s "
                f"{verdict(vectors[driver]['rate'] >= TARGET_VECTORS_PER_S).replace('*', '')}")
        return 0
    info = machine(build)
    nproc = int(info["nproc"]) if info["nproc"].isdigit() else (os.cpu_count() or 1)
    say(f"make bench on {info['nproc']} x {info['cpu']}, {info['memory']}, {info['os']}; "
        f"{info['openssl']}, {info['wolfssl']}; load {info['load_before']}")
    tmp = tempfile.mkdtemp(prefix="kxbench-")
    try:
        say("1. raw in-process handshakes")
        raw = raw_rates(build, args.raw_seconds)
        say("2. harness case rate")
        cases, capture_note, capture_labels, check = case_rates(os.path.join(build, "kxconform"), tmp,
                                                                args.min_seconds, nproc)
        say("3. vector checking rate")
        vectors = vector_rates(build, tmp, args.vector_tests, args.vector_runs)
        say("4. make conformance on a built tree")
        conf = conformance(build, tmp)
        say("5. the full profile")
        full = full_profile(build, tmp)
        say("6. raw in-process handshakes again (the better of the two passes counts)")
        raw = raw_rates(build, args.raw_seconds, raw)
    except (BenchError, subprocess.SubprocessError, OSError) as e:
        say(f"make bench: a benchmark could not run: {e}")
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    info["load_after"] = "%.2f %.2f %.2f" % os.getloadavg()

    measured = render(info, raw, cases, capture_note, capture_labels, check, vectors, conf, full, args.min_seconds)
    update_results(args.results, measured, history_row(info, raw, cases, vectors, conf, full))

    say("")
    say("Summary (targets: ratio at --jobs 1 >= 0.5 PSK, >= 0.7 ECDHE-ECDSA; vectors >= 100,000/s; conformance "
        "<= 15 s and <= 64 MB; full profile >= 5,000 cases in <= 60 s and <= 64 MB):")
    for label, (_, raw_suite, _) in SUITES.items():
        slower = min(raw[(d, raw_suite)]["rate"] for d in DRIVERS)
        for jobs_label in sorted({k[2] for k in cases}, key=lambda j: (j != "1", j)):
            wall, cpu = ratio_range(raw, cases, label, jobs_label)
            say(f"  {label:11s} jobs {jobs_label:11s} ratio to the slower library's raw rate ({slower:.0f}/s): "
                f"{min(wall):.2f}..{max(wall):.2f} "
                + (f"{verdict(min(wall) >= TARGET_RATIOS[label]).replace('*', '')} " if jobs_label == "1" else "")
                + 
                f"(CPU ratio {min(cpu):.2f}..{max(cpu):.2f})")
    for driver in DRIVERS:
        say(f"  vectors {driver:8s} {vectors[driver]['rate']:,.0f} tests/s "
            f"{verdict(vectors[driver]['rate'] >= TARGET_VECTORS_PER_S).replace('*', '')}")
    say(f"  conformance {conf['wall']:.2f} s {verdict(conf['wall'] <= TARGET_WALL_S).replace('*', '')}, "
        f"runner {conf['rss_run_mb']:.1f} MB {verdict(conf['rss_run_mb'] <= TARGET_RSS_MB).replace('*', '')}, "
        f"{conf['cases']} cases, {conf['tshark']} tshark processes")
    say(f"  full profile {full['cases']} cases "
        f"{verdict(full['cases'] >= TARGET_FULL_CASES).replace('*', '')} in {full['wall']:.1f} s "
        f"{verdict(full['wall'] <= TARGET_FULL_WALL_S).replace('*', '')}, runner {full['rss_mb']:.1f} MB "
        f"{verdict(full['rss_mb'] <= TARGET_RSS_MB).replace('*', '')}")
    say(f"make bench: {time.monotonic() - started:.0f} s; recorded in {os.path.relpath(args.results, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
