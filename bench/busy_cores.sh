#!/usr/bin/env bash
# Benchmark: sealion on cores that other work keeps busy. On 2 busy cores a point training once
# ran at 26 crops/s with --threads 2 and 238 with --threads 1: its OpenMP threads (libgomp, inside
# LibTorch) spin while they wait for each other, and a spinning thread holds a core that the
# thread it waits for needs. This runs, in one go, for an idle machine, one core kept busy and both
# cores kept busy (shell busy loops at normal priority):
#   train: the point network, 3 epochs of 24 crops per photo on `make run`'s synthetic survey,
#          crops/s as the median of epochs 2-3;
#   count: BENCH_PHOTOS of that survey's test photos with `make run`'s point model, photos/s;
# each with --threads 2 as libgomp waits by default (OMP_WAIT_POLICY=active: spin), with
# OMP_WAIT_POLICY=passive (sleep at once), with no variable set (sealion's choice: passive where
# other work held a core at start, libgomp's default otherwise, which spins a while), and with
# --threads 1. Needs `make run` first. The machine is noisy; compare rows of one run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(dirname "$here")"
sealion="${SEALION_BINARY:-$root/build/src/sealion/sealion}"
run="${SEALION_RUN_DIR:-$root/runs/main}"
photos_n="${BENCH_PHOTOS:-4}"
for file in "$run/points.bin" "$run/survey/train.csv" "$run/extract/coords.csv"; do
  if [ ! -f "$file" ]; then echo "busy_cores: $file is missing; run 'make run' first"; exit 1; fi
done
work="$(mktemp -d)"
busy_pids=()
stop_busy() { for pid in "${busy_pids[@]}"; do kill "$pid" 2> /dev/null || true; done; busy_pids=(); }
trap 'stop_busy; rm -rf "$work"' EXIT
photos=("$run"/survey/Test/*.jpg); photos=("${photos[@]:0:$photos_n}")

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# with_policy POLICY COMMAND...: runs COMMAND with OMP_WAIT_POLICY set to POLICY, or unset for "-".
with_policy() {
  local policy="$1"; shift
  if [ "$policy" = - ]; then env -u OMP_WAIT_POLICY "$@"; else OMP_WAIT_POLICY="$policy" "$@"; fi
}

train_rate() {  # train_rate POLICY THREADS: crops/s, median of epochs 2-3
  with_policy "$1" "$sealion" train --method points "$run/survey" --coords "$run/extract/coords.csv" \
    -o "$work/p.bin" --epochs 3 --crops-per-photo 24 --val-fraction 0 --threads "$2" > "$work/train.txt" 2>&1
  rm -f "$work"/p.bin*
  median $(grep -o "epoch [23]: .*" "$work/train.txt" | sed -n 's/.*| \([0-9.]*\) crops\/s$/\1/p')
}

count_rate() {  # count_rate POLICY THREADS: photos/s
  rm -f "$work"/c.csv*
  with_policy "$1" "$sealion" count "${photos[@]}" --model "$run/points.bin" -o "$work/c.csv" \
    --threads "$2" > "$work/count.txt" 2>&1
  grep "^counted" "$work/count.txt" | sed -n 's/.*s (\([0-9.]*\) photos\/s.*/\1/p'
}

echo "sealion on busy cores: $(nproc) cores; train 3 epochs of 24 crops a photo; count $photos_n photos"
printf "%-12s %-34s %12s %12s\n" "busy cores" "threads, OpenMP wait policy" "train crops/s" "count photos/s"
settings=("active 2" "passive 2" "- 2" "- 1")
labels=("2, active (libgomp's spin)" "2, passive" "2, sealion's choice" "1")
for busy in 0 1 2; do
  stop_busy
  for ((i = 0; i < busy; i++)); do (while :; do :; done) & busy_pids+=($!); done
  for s in "${!settings[@]}"; do
    read -r policy threads <<< "${settings[$s]}"
    printf "%-12s %-34s %12.1f %12.3f\n" "$busy" "${labels[$s]}" "$(train_rate "$policy" "$threads")" \
      "$(count_rate "$policy" "$threads")"
  done
done
