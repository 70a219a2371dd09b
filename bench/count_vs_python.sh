#!/usr/bin/env bash
# Benchmark of `sealion count` (issue 5), in one run on the same full-size photos and weights:
#   (a) sealion count, 2 threads;
#   (b) the seed's loop in Python PyTorch: one forward call per tile (on the first photo only);
#   (c) the same network batched in Python PyTorch (64 tiles, channels-last, no_grad).
# Prints photos/s, tiles/s, GFLOP/s (64 MFLOP a tile), the fraction of the fp32 matmul peak
# measured in this run, the ratios, and sealion's peak resident memory for 1 and for N photos.
# Settings: SEALION_MODEL (default runs/main/tiles.bin from `make run`), BENCH_PHOTOS (6).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(dirname "$here")"
sealion="${SEALION_BINARY:-$root/build/src/sealion/sealion}"
model="${SEALION_MODEL:-$root/runs/main/tiles.bin}"
photos_n="${BENCH_PHOTOS:-6}"
if [ ! -f "$model" ]; then echo "count_vs_python: no model at $model; run 'make run' first (or set SEALION_MODEL)"; exit 1; fi
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cores=$(nproc)
export OPENBLAS_NUM_THREADS=1

"$sealion" synth -o "$work/survey" --train 0 --test "$photos_n" --width 5616 --height 3744 --seed 99 --layouts model > /dev/null 2>&1
photos=("$work"/survey/Test/*.jpg)
tiles_per_photo=5046
peak=$(OPENBLAS_NUM_THREADS=2 /usr/bin/python3 "$here/python/matmul_peak.py" 2)

/usr/bin/time -f "%M" -o "$work/rss2" "$sealion" count "${photos[0]}" "${photos[1]}" --model "$model" -o "$work/two.csv" --threads 2 > /dev/null 2>&1
start=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$work/rssN" "$sealion" count "$work/survey/Test" --model "$model" -o "$work/all.csv" --threads 2 > /dev/null 2>&1
a_s=$(echo "$(date +%s.%N) - $start" | bc -l)
b_s=$(cd "$here/python" && /usr/bin/python3 seed_count.py loop "$model" "${photos[0]}" | awk '/^photos/ {print $6}')
c_s=$(cd "$here/python" && /usr/bin/python3 seed_count.py batched "$model" "${photos[@]}" | awk '/^photos/ {print $6}')

row() {  # name photos seconds
  local tiles=$(( $2 * tiles_per_photo ))
  local gflops=$(echo "$tiles * 0.064 / $3" | bc -l)
  printf "%-40s %8.3f %9.0f %9.1f %8.1f%%\n" "$1" "$(echo "$2 / $3" | bc -l)" "$(echo "$tiles / $3" | bc -l)" "$gflops" "$(echo "100 * $gflops / $peak" | bc -l)"
}
echo "count on $photos_n synthetic 5616x3744 photos ($tiles_per_photo tiles each), $cores cores; fp32 matmul peak measured now: $peak GFLOP/s"
printf "%-40s %8s %9s %9s %9s\n" "implementation" "photos/s" "tiles/s" "GFLOP/s" "of peak"
row "(a) sealion count, 2 threads" "$photos_n" "$a_s"
row "(b) python seed loop, 1 tile a call" 1 "$b_s"
row "(c) python batched 64, channels-last" "$photos_n" "$c_s"
printf "ratios: (a)/(b) %.1fx, (a)/(c) %.2fx (per photo, wall clock, decoding included)\n" \
  "$(echo "$b_s / ($a_s / $photos_n)" | bc -l)" "$(echo "$c_s / $a_s" | bc -l)"
echo "sealion peak resident memory: $(( $(cat "$work/rss2") / 1024 )) MiB for 2 photos, $(( $(cat "$work/rssN") / 1024 )) MiB for $photos_n photos"
