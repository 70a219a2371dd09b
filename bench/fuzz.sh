#!/usr/bin/env bash
# Fuzzes the readers of untrusted files (fuzz/): builds the libFuzzer targets with clang, ASan and
# UBSan, runs each for SECONDS (default 60), and prints executions, executions per second and
# the crashes found. Exits 1 when a target crashed (or leaked, hung, or ran out of memory).
#   bench/fuzz.sh [SECONDS] [TARGET...]
# Build folder: $SEALION_FUZZ_BUILD_DIR (default build-fuzz/); build jobs: $JOBS (default nproc).
# Each target fuzzes a corpus of its own under <build>/fuzz-runs/<target>/, seeded from
# fuzz/corpus/<target>/ and kept between runs; fuzz/corpus itself is never written. Crash files
# go to <build>/fuzz-runs/<target>/crashes/<time>/ and reproduce with <build>/fuzz/<target> FILE.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(dirname "$here")"
seconds="${1:-60}"; shift || true
build="${SEALION_FUZZ_BUILD_DIR:-$root/build-fuzz}"
jobs="${JOBS:-$(nproc)}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(csv_fuzz points_csv_fuzz id_list_fuzz jpeg_fuzz png_fuzz viame_fuzz coco_fuzz
           training_metadata_fuzz journal_fuzz model_file_fuzz photo_list_fuzz)
fi

# Largest input per target: a little above the biggest seed, so that mutations stay in the
# region where the readers differ, not in ever longer files.
declare -A max_len=([csv_fuzz]=4096 [points_csv_fuzz]=8192 [id_list_fuzz]=1024
                    [jpeg_fuzz]=16384 [png_fuzz]=16384 [model_file_fuzz]=8192
                    [viame_fuzz]=4096 [coco_fuzz]=4096 [training_metadata_fuzz]=4096
                    [journal_fuzz]=2048 [photo_list_fuzz]=1024)

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSEALION_SANITIZE=ON -DSEALION_FUZZ=ON -DSEALION_BUILD_BENCHMARKS=OFF > /dev/null
cmake --build "$build" -j "$jobs" --target "${targets[@]}"

# UBSan only prints and carries on by default; halting makes libFuzzer keep the input.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$root/fuzz/lsan.supp"  # third-party leaks, each explained
export OPENBLAS_NUM_THREADS=1
failed=0
summary=$(printf "%-16s %8s %12s %8s %8s  %s" target seconds executions exec/s corpus crashes)
for target in "${targets[@]}"; do
  run="$build/fuzz-runs/$target"
  crashes_dir="$run/crashes/$(date +%Y%m%d-%H%M%S)"  # this run's findings only
  mkdir -p "$run/corpus" "$crashes_dir"
  for seed in "$root/fuzz/corpus/$target"/*; do  # new seeds join the corpus of earlier runs
    [ -e "$run/corpus/$(basename "$seed")" ] || cp "$seed" "$run/corpus/"
  done
  echo "=== $target: ${seconds} s"
  status=0
  "$build/fuzz/$target" "$run/corpus" -max_total_time="$seconds" \
    -max_len="${max_len[$target]:-4096}" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$crashes_dir/" \
    > "$run/log.txt" 2>&1 || status=$?
  grep -E "^(INFO: Seed|#[0-9]+[[:space:]]+DONE|==[0-9]+==ERROR|SUMMARY)" "$run/log.txt" \
    | tail -4 || true
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run/log.txt")
  per_second=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$run/log.txt")
  crashes=$(find "$crashes_dir" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
              -o -name 'oom-*' \) | wc -l)
  where=""
  if [ "$status" -ne 0 ] || [ "$crashes" -gt 0 ]; then
    failed=1
    where="$crashes_dir/ (log: $run/log.txt)"
  fi
  summary+=$'\n'$(printf "%-16s %8s %12s %8s %8s  %s %s" "$target" "$seconds" "${executions:-?}" \
    "${per_second:-?}" "$(find "$run/corpus" -type f | wc -l)" "$crashes" "$where")
done
echo
echo "$summary"
exit "$failed"
