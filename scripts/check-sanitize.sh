#!/usr/bin/env bash
# The whole harness under AddressSanitizer and UndefinedBehaviorSanitizer:
# builds build-sanitize/ (KX_SANITIZE=ON, Debug), then runs the unit tests,
# the vectors, the full conformance matrix and the end-to-end tests against
# it. Drivers inherit the sanitizers; a finding anywhere (a crash makes a case
# an error, a leak or a UBSan report is printed) fails this script.
set -uo pipefail
cd "$(dirname "$0")/.."
build=build-sanitize
log=$build/sanitize.log
mkdir -p "$build"
: >"$log"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

step() {
  echo "check-sanitize: $1"
  shift
  "$@" >>"$log" 2>&1
}

failed=0
step "configure and build ($build)" cmake -S . -B "$build" -DKX_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug &&
  step "build" cmake --build "$build" -j "$(nproc)" || { echo "check-sanitize: the build failed (see $log)"; exit 2; }
step "unit tests" ctest --test-dir "$build" --output-on-failure || failed=1
step "vectors" "$build/kxconform" vectors || failed=1
step "conformance matrix" "$build/kxconform" run --output "$build/run" || failed=1
# The tests marked slow repeat C paths the others reach (suites/conftest.py); `make test` runs them.
step "end-to-end tests" env KX_BUILD_DIR="$PWD/$build" /usr/bin/python3 -m pytest suites -q -p no:cacheprovider \
  -n auto -m "not slow" || failed=1

# A run keeps what a driver writes to its standard error during a case with the case (report.json
# member "stderr"), not on the terminal: a finding there counts as one in the log.
if [ -f "$build/run/reports/report.json" ]; then
  /usr/bin/python3 -c 'import json, sys
for c in json.load(open(sys.argv[1]))["cases"]:
    for driver, text in c.get("stderr", {}).items():
        print("case %s, driver %s:\n%s" % (c["id"], driver, text))' "$build/run/reports/report.json" >>"$log"
fi
findings=$(grep -cE "ERROR: (AddressSanitizer|LeakSanitizer)|SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer)|runtime error:|after its last request" "$log")
if [ "$findings" -gt 0 ]; then
  echo "check-sanitize: $findings sanitizer finding(s):"
  grep -nE -A3 "ERROR: (AddressSanitizer|LeakSanitizer)|SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer)|runtime error:|after its last request" "$log" | head -40
  failed=1
fi
tail -n 3 "$log" | sed 's/^/check-sanitize: /'
if [ "$failed" -ne 0 ]; then
  echo "check-sanitize: FAILED (full log: $log)"
  exit 1
fi
echo "check-sanitize: 0 sanitizer findings; unit tests, vectors, matrix and end-to-end tests passed"
