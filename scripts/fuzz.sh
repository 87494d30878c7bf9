#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang 14, AddressSanitizer and
# UndefinedBehaviorSanitizer (every library they link is instrumented too) in build-fuzz, then
# runs each for FUZZ_SECONDS seconds (default 60) from its seed corpus in fuzz/corpus/<target>.
# New inputs go to build-fuzz/corpus/<target> (the seeds in the repository are not changed);
# a crash, leak or UB report stops the run, leaves the input in build-fuzz/artifacts/<target>
# and makes the script exit non-zero. Prints the executions of each target.
#   FUZZ_SECONDS=600 FUZZ_TARGETS="http_request resp_reply" JOBS=2 scripts/fuzz.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${FUZZ_SECONDS:-60}
jobs=${JOBS:-$(nproc)}
all=$(cd "$root/fuzz" && ls *_fuzz.cpp | sed 's/_fuzz\.cpp$//' | tr '\n' ' ')
targets=${FUZZ_TARGETS:-$all}
command -v clang++-14 >/dev/null || { echo "fuzz: clang++-14 missing (scripts/install-deps.sh --fuzz)" >&2; exit 2; }

# UBSan's function check is left out: clang 14 cannot emit its prologue data for coroutine
# functions ("Cannot represent a difference across sections"); every other UB check is on.
san="-fsanitize=address,undefined -fno-sanitize=function -fno-sanitize-recover=undefined"
san="$san -fno-omit-frame-pointer"
# Configured every time (cheap), so an existing build-fuzz picks changed flags up.
generator=()
[ -f "$build/CMakeCache.txt" ] || generator=(-G Ninja)
cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_C_FLAGS="$san" -DCMAKE_CXX_FLAGS="$san -fsanitize=fuzzer-no-link" \
  -DCMAKE_EXE_LINKER_FLAGS="$san" -DIVS_FUZZ=ON -DIVS_BUILD_TESTS=OFF -DIVS_BUILD_BENCH=OFF \
  -DIVS_JEMALLOC=OFF -DCMAKE_DISABLE_PRECOMPILE_HEADERS=OFF ${CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j "$jobs" --target $(for t in $targets; do printf 'fuzz_%s ' "$t"; done)

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
summary=()
for t in $targets; do
  work="$build/corpus/$t" art="$build/artifacts/$t"
  mkdir -p "$work" "$art"
  log="$build/fuzz-$t.log"
  echo "fuzz: $t for $seconds s"
  if "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
      -rss_limit_mb=2048 -artifact_prefix="$art/" "$work" "$root/fuzz/corpus/$t" >"$log" 2>&1; then
    verdict=ok
  else
    verdict=FAIL; failed+=("$t")
    tail -40 "$log" >&2
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  summary+=("$(printf '%-18s %-4s executions %s' "$t" "$verdict" "${execs:-?}")")
done
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in ${failed[*]} (inputs in $build/artifacts)" >&2
  exit 1
fi
