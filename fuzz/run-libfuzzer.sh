#!/usr/bin/env bash
# run-libfuzzer.sh - what `make fuzz` runs (fuzz/README.md).
#
# Configures build-fuzz/ with clang and -DKX_FUZZ=ON, builds the fuzz targets
# (libFuzzer + AddressSanitizer + UndefinedBehaviorSanitizer), replays each
# target's regressions, then fuzzes each target for FUZZ_SECONDS on a working
# copy of its corpus (build-fuzz/fuzz-corpus/<name>, seeded from fuzz/corpus/
# and kept between runs, so longer runs build on earlier ones). Prints one line
# per target: executions, corpus growth, and any crash file.
#
# Environment: FUZZ_SECONDS (default 30), FUZZ_TARGETS (default: all),
# JOBS (build parallelism). Exit status: 0 nothing found, 1 a crash, an
# invariant failure or a regression, 2 set-up error (clang or libFuzzer missing).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-fuzz"
seconds=${FUZZ_SECONDS:-30}
jobs=${JOBS:-2}
all_targets=(base64 hex fqdn nfkc keyid notify chunks_json tls_records dtls_records keylog pcap_read http_binding
  vector_file driver_dispatch driver_call)
read -r -a targets <<<"${FUZZ_TARGETS:-}"
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")

# clang with its libFuzzer runtime: try to link the smallest fuzz target, which
# is the check that matters (clang alone is not enough without libclang-rt).
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$probe/probe.c"
if ! command -v clang >/dev/null 2>&1 ||
  ! clang -fsanitize=fuzzer,address,undefined "$probe/probe.c" -o "$probe/probe" >"$probe/log" 2>&1; then
  echo "make fuzz: clang with libFuzzer is needed and is missing or cannot link a fuzz target." >&2
  echo "Install the Debian packages (make fuzz does not install them itself):" >&2
  echo "  clang                the clang command (clang 14 on Debian 12)" >&2
  echo "  libclang-rt-14-dev   libFuzzer and the AddressSanitizer and UBSan runtimes of clang 14" >&2
  echo "e.g.: sudo apt-get install clang libclang-rt-14-dev" >&2
  [ -s "$probe/log" ] && sed 's/^/  clang: /' "$probe/log" | head -5 >&2
  exit 2
fi

# Configure once; build-fuzz/ ignores itself, so git status stays clean.
if ! grep -q '^KX_FUZZ:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
  CC=clang cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKX_FUZZ=ON >"$build.configure.log" 2>&1 ||
    { cat "$build.configure.log" >&2; echo "make fuzz: configuring build-fuzz/ failed" >&2; exit 2; }
  rm -f "$build.configure.log"
fi
printf '*\n' >"$build/.gitignore"
cmake --build "$build" --target fuzz_targets kx_pki -j "$jobs" >"$build/build.log" 2>&1 ||
  { tail -40 "$build/build.log" >&2; echo "make fuzz: building the fuzz targets failed (build-fuzz/build.log)" >&2; exit 2; }

# halt_on_error and print_stacktrace are the targets' defaults (fuzz/sanitizer_options.c).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
explore_ubsan="suppressions=$root/fuzz/known-open.supp"
status=0
echo "make fuzz: ${#targets[@]} targets, ${seconds} s each (libFuzzer, ASan + UBSan, clang $(clang -dumpversion))"

for name in "${targets[@]}"; do
  exe="$build/fuzz_$name"
  corpus="$build/fuzz-corpus/$name"
  artifacts="$build/fuzz-artifacts/$name"
  log="$build/fuzz-logs/$name.log"
  if [ ! -x "$exe" ]; then
    echo "fuzz_$name: no such target" >&2
    status=1
    continue
  fi
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  cp -n "$root/fuzz/corpus/$name/"* "$corpus/" 2>/dev/null
  before=$(find "$corpus" -type f | wc -l)

  # Regressions: each reproducer once; those listed in OPEN are reported, not failed.
  regress_note=""
  regress_dir="$root/fuzz/regressions/$name"
  if [ -d "$regress_dir" ]; then
    for repro in "$regress_dir"/*; do
      base=$(basename "$repro")
      [ -f "$repro" ] && [ "$base" != OPEN ] && [ "${base#README}" = "$base" ] || continue
      is_open=0
      # OPEN: one reproducer name a line, then an optional comment (as standalone.c reads it).
      awk -v n="$base" '$1 == n { found = 1 } END { exit !found }' "$regress_dir/OPEN" 2>/dev/null && is_open=1
      if (cd "$build" && KX_FUZZ_STRICT=1 UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" timeout 60 "$exe" "$repro" >"$log.$base" 2>&1); then
        [ $is_open -eq 1 ] && regress_note+=" [open $base: did not fail; fixed? remove it from OPEN]"
      elif [ $is_open -eq 1 ]; then
        regress_note+=" [open $base: still fails]"
      else
        regress_note+=" [REGRESSION $base fails again: ${log#"$root"/}.$base]"
        status=1
      fi
    done
  fi

  # Fork mode with ignore_crashes: one finding does not end the run, so the
  # time bound is spent finding others; each crash still lands in artifacts/.
  dict=()
  case $name in
    notify | chunks_json | http_binding | vector_file | driver_dispatch | driver_call) dict=(-dict="$root/fuzz/json.dict") ;;
  esac
  touch "$log.start"
  (cd "$build" && UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}$explore_ubsan" "$exe" -fork=1 -ignore_crashes=1 \
    -ignore_timeouts=1 -ignore_ooms=1 -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    "${dict[@]}" -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1)
  after=$(find "$corpus" -type f | wc -l)
  # Fork mode's progress lines read "#EXECS: cov: C ft: F corp: N exec/s E oom/timeout/crash: a/b/c time: Ts".
  last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1)
  execs=$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$last")
  cov=$(sed -E 's/.* cov: ([0-9]+).*/\1/' <<<"$last")
  line="fuzz_$name: ${execs:-0} executions in ${seconds} s, coverage ${cov:-?}, corpus $before -> $after"
  # Crashes grouped by what failed (one file of each kind shown): a replay of each new
  # file gives its invariant or sanitizer summary line, addresses and pids removed.
  mapfile -t new_files < <(find "$artifacts" -type f -newer "$log.start" | sort)
  if [ ${#new_files[@]} -gt 0 ]; then
    declare -A example=() count=()
    for f in "${new_files[@]}"; do
      case $(basename "$f") in
        timeout-*) sig="timeout: an input ran longer than 10 s" ;;
        oom-*) sig="out of memory: an input used more than 2048 MB" ;;
        *)
          out=$(cd "$build" && UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}$explore_ubsan" timeout 60 "$exe" "$f" 2>&1)
          sig=$(grep -m1 'invariant broken' <<<"$out" || grep -m1 '^SUMMARY:' <<<"$out" || echo "no reproduction on replay")
          sig=$(sed -E 's/0x[0-9a-f]+//g; s/==[0-9]+==//g; s|'"$root"'/||g' <<<"$sig")
          ;;
      esac
      count[$sig]=$((${count[$sig]:-0} + 1))
      [ -n "${example[$sig]:-}" ] || example[$sig]=${f#"$root"/}
    done
    line+=", ${#new_files[@]} CRASH FILE(S) of ${#count[@]} kind(s)"
    details=""
    for sig in "${!count[@]}"; do
      details+=$'\n'"    ${count[$sig]} x $sig (e.g. ${example[$sig]})"
    done
    unset example count
    status=1
  else
    line+=", no crash"
    details=""
  fi
  rm -f "$log.start"
  echo "$line$regress_note (log: ${log#"$root"/})$details"
done
exit $status
