#!/usr/bin/env bash
# scripts/check-ci.sh - `make check-ci`: the CI templates in ci/ checked, and
# the GNU parallel recipe run with 2 and 4 local shards, each merged report
# compared with one run of the whole matrix (same case ids, results, met and
# verdicts; durations aside) and its capture links resolved. README.md,
# "Scale-out". Expects `make build` done (the Makefile does it first).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
out="$BUILD_DIR/ci-check"

echo "check-ci: the templates' structure and commands (ci/check_ci.py templates)"
"$PYTHON" ci/check_ci.py templates

# The GitHub workflow against its schema, with the npm validator installed into the build
# directory (a pinned version: a new release's schema must not turn an unchanged tree red).
validator="$BUILD_DIR/ci-node/node_modules/.bin/action-validator"
if [ ! -x "$validator" ]; then
  command -v npm >/dev/null || scripts/install-deps.sh npm
  mkdir -p "$BUILD_DIR/ci-node"
  echo "check-ci: installing @action-validator/cli into $BUILD_DIR/ci-node"
  npm install --prefix "$BUILD_DIR/ci-node" --no-audit --no-fund --silent @action-validator/cli@0.6.0
fi
echo "check-ci: ci/github-actions.yml against the workflow schema (action-validator)"
"$validator" ci/github-actions.yml

rm -rf "$out"
mkdir -p "$out"
echo "check-ci: one run of the whole matrix"
"$BUILD_DIR/kxconform" run --output "$out/single" >"$out/single.log" 2>&1 || {
  status=$?; tail -20 "$out/single.log"; echo "check-ci: the single run exited $status" >&2; exit 1; }
for n in 2 4; do
  echo "check-ci: ci/parallel.sh --local $n"
  ci/parallel.sh --local "$n" --output "$out/local-$n" >"$out/local-$n.log" 2>&1 || {
    status=$?; tail -20 "$out/local-$n.log"; echo "check-ci: ci/parallel.sh --local $n exited $status" >&2; exit 1; }
  grep 'shards in' "$out/local-$n.log"
  "$PYTHON" ci/check_ci.py same "$out/single/reports/report.json" "$out/local-$n/merged/reports/report.json"
  "$PYTHON" ci/check_ci.py links "$out/local-$n/merged/reports/report.json"
done
# The cut by cost, from the single run's durations: the same union and verdicts.
echo "check-ci: ci/parallel.sh --local 2 --weights (the single run's durations)"
ci/parallel.sh --local 2 --weights "$out/single/reports/report.json" --output "$out/weighted-2" \
  >"$out/weighted-2.log" 2>&1 || { tail -20 "$out/weighted-2.log"; exit 1; }
grep 'shards in' "$out/weighted-2.log"
"$PYTHON" ci/check_ci.py same "$out/single/reports/report.json" "$out/weighted-2/merged/reports/report.json"
"$PYTHON" ci/check_ci.py links "$out/weighted-2/merged/reports/report.json"
echo "check-ci: passed (2 and 4 shards, and 2 cut by cost, report as one run does)"
