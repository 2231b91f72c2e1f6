#!/usr/bin/env bash
# ci/parallel.sh - a sharded conformance run on your own machines with GNU
# parallel (Debian's `parallel`), merged into one report. The same three
# commands as ci/gitlab-ci.yml and ci/github-actions.yml:
#   make build
#   build/kxconform run --shard K/N --output OUT/shard-K
#   build/kxconform merge --output OUT/merged OUT/shard-*/reports/report.json
#
# Usage, from the repository's top directory:
#   ci/parallel.sh --local N [options] [-- RUN-OPTIONS]
#       N shards on this machine, N at a time
#   ci/parallel.sh -S host1,host2 [--remote-dir DIR] [--shards N] [options] [-- RUN-OPTIONS]
#       N shards (default: one per host) over ssh; each host needs a clone of
#       this repository at DIR (default: this directory's path) and the build's
#       Debian packages (`make build` installs them there); the shards'
#       directories are copied back with rsync
# Options:
#   --output DIR     where shard-K/ and merged/ go (default: ci-out; a path
#                    inside the repository when -S is used, since parallel
#                    returns files relative to the remote directory)
#   --weights FILE   an earlier report.json: the shards are cut by its case
#                    durations (`--shard-weights`), so they finish together
# RUN-OPTIONS go to every `kxconform run` (e.g. --filter 'psk.*' --expect FILE);
# every shard must get the same ones.
#
# Exit status: the merge's (0 every case met its expectation, 1 one did not,
# 2 a report could not be merged); 2 when a shard failed without a report
# that says so. The merged reports are OUT/merged/reports/: report.json,
# junit.xml, index.html (its capture links point into OUT/shard-K/captures/).
set -uo pipefail

usage() { sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

local_slots=""
hosts=""
shards=""
output="ci-out"
weights=""
remote_dir="$PWD"
run_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --local) local_slots=${2:?--local needs a number}; shift 2 ;;
    -S) hosts=${2:?-S needs host1,host2,...}; shift 2 ;;
    --shards) shards=${2:?--shards needs a number}; shift 2 ;;
    --output) output=${2:?--output needs a directory}; shift 2 ;;
    --weights) weights=${2:?--weights needs a report.json}; shift 2 ;;
    --remote-dir) remote_dir=${2:?--remote-dir needs a directory}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; run_args=("$@"); break ;;
    *) echo "ci/parallel.sh: unknown argument $1 (--help lists them)" >&2; exit 2 ;;
  esac
done
if [ -z "$local_slots$hosts" ] || { [ -n "$local_slots" ] && [ -n "$hosts" ]; }; then
  echo "ci/parallel.sh: give either --local N or -S host1,host2 (--help)" >&2
  exit 2
fi
if [ -z "$shards" ]; then
  if [ -n "$local_slots" ]; then shards=$local_slots; else shards=$(tr ',' '\n' <<<"$hosts" | grep -c .); fi
fi
case "$shards" in ''|*[!0-9]*|0) echo "ci/parallel.sh: the shard count must be a whole number >= 1" >&2; exit 2 ;; esac
command -v parallel >/dev/null || { echo "ci/parallel.sh: GNU parallel is missing: apt-get install parallel" >&2; exit 2; }

make build || exit 2
# An earlier run's shards would be merged with this one's: each shard's run clears its own
# directory, but one of a larger shard count would stay behind.
rm -rf "$output"
mkdir -p "$output"

# Each shard's command, as parallel runs it (locally or through ssh); {} is K.
started=$(date +%s.%N)
weight_args=()
[ -n "$weights" ] && weight_args=(--shard-weights "$weights")
if [ -n "$local_slots" ]; then
  # N shards on one machine share its cores: each runs cores/N jobs, so the shards together
  # use the machine as one run does.
  cores=$(nproc 2>/dev/null || echo 1)
  jobs=$(( cores / local_slots > 0 ? cores / local_slots : 1 ))
  parallel --will-cite --line-buffer --tagstring 'shard {}' -j "$local_slots" \
    build/kxconform run --shard "{}/$shards" --jobs "$jobs" "${weight_args[@]}" "${run_args[@]}" \
    --output "$output/shard-{}" ::: $(seq 1 "$shards")
  shards_status=$?
else
  # On each host: build there (the first time, or after a pull), run the shard, and let parallel
  # copy OUTPUT/shard-K back (rsync, relative to the remote directory). The remote command is
  # one string, so each run option is quoted for the remote shell.
  quoted=$(printf ' %q' "${weight_args[@]}" "${run_args[@]}")
  parallel --will-cite --line-buffer --tagstring 'shard {}' -S "$hosts" --workdir "$remote_dir" \
    --return "$output/shard-{}" -j 1 \
    "make build >/dev/null && build/kxconform run --shard {}/$shards$quoted --output $output/shard-{}" \
    ::: $(seq 1 "$shards")
  shards_status=$?
fi

ran=$(date +%s.%N)
reports=()
for k in $(seq 1 "$shards"); do
  [ -f "$output/shard-$k/reports/report.json" ] && reports+=("$output/shard-$k/reports/report.json")
done
if [ ${#reports[@]} -ne "$shards" ]; then
  echo "ci/parallel.sh: only ${#reports[@]} of $shards shards left a report (parallel: $shards_status failed)" >&2
  exit 2
fi
build/kxconform merge --output "$output/merged" "${reports[@]}"
merge_status=$?
# The figures README.md's "Scale-out" quotes: the shards' wall time, then the merge's.
awk -v n="$shards" -v a="$started" -v b="$ran" -v c="$(date +%s.%N)" \
  'BEGIN { printf "ci/parallel.sh: %d shards in %.1f s, merged in %.1f s\n", n, b - a, c - b }' </dev/null
# A shard that failed with a report (unmet cases: exit 1) is what the merge says too; one that
# failed and whose report the merge found fine is a failure the reports do not show.
if [ "$merge_status" -eq 0 ] && [ "$shards_status" -ne 0 ]; then
  echo "ci/parallel.sh: $shards_status shard(s) failed though the merged report is met" >&2
  exit 2
fi
exit "$merge_status"
