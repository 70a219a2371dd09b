#!/usr/bin/env bash
# Benchmark of the point counter against the seed's tile counter (issue 12), in one run:
#   count: the same full-size synthetic photos (5616x3744) counted by both, decoding included,
#          2 threads: seconds per photo, photos/s, GFLOP per photo, achieved GFLOP/s, peak
#          resident memory for 2 photos and for all of them (it must stay flat);
#   train: the point network's training throughput in sealion (crops cut and augmented from the
#          photos included) against the same network and loss in Python PyTorch, once with the
#          same crops made by a Python pipeline in the loop and once with random crops handed
#          over for free (the network alone), 2 threads, batch 16, 256 px crops; and what one
#          crop costs to make (bench/crop_making.cc).
# Needs `make run` first (its tile model, point model and survey). Machines are noisy: the
# ratios are measured in one run; take them as the order of the effect.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(dirname "$here")"
sealion="${SEALION_BINARY:-$root/build/src/sealion/sealion}"
run="${SEALION_RUN_DIR:-$root/runs/main}"
photos_n="${BENCH_PHOTOS:-6}"
for file in "$run/tiles.bin" "$run/points.bin" "$run/survey/train.csv"; do
  if [ ! -f "$file" ]; then echo "points_vs_tiles: $file is missing; run 'make run' first"; exit 1; fi
done
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
export OPENBLAS_NUM_THREADS=1

"$sealion" synth -o "$work/survey" --train 0 --test "$photos_n" --width 5616 --height 3744 --seed 77 --layouts model > /dev/null 2>&1
photos=("$work"/survey/Test/*.jpg)

count() {  # count NAME MODEL PHOTOS...: prints "seconds gflop_per_s rss_kib"
  local name="$1" model="$2"; shift 2
  /usr/bin/time -f "%M" -o "$work/$name.rss" "$sealion" count "$@" --model "$model" \
    -o "$work/$name.csv" --threads 2 > "$work/$name.txt" 2>&1
  local line; line=$(grep "^counted" "$work/$name.txt")
  local seconds gflops
  seconds=$(echo "$line" | sed -n 's/.* in \([0-9.]*\) s .*/\1/p')
  gflops=$(echo "$line" | sed -n 's/.*photos\/s, \([0-9.]*\) GFLOP\/s.*/\1/p')
  echo "$seconds $gflops $(cat "$work/$name.rss")"
}

echo "count: $photos_n synthetic 5616x3744 photos, 2 threads, decoding included"
printf "%-26s %10s %9s %11s %9s %14s %14s\n" counter "s/photo" photos/s "GFLOP/photo" GFLOP/s "RSS 2 photos" "RSS $photos_n photos"
declare -A per_photo
# "points-libtorch-allocator": the point counter with LibTorch's own CPU allocator instead of
# sealion's caching one (nn/cpu_allocator.h), to show what the cache is worth.
for counter in tiles points points-libtorch-allocator; do
  model="$run/tiles.bin"; [ "$counter" != tiles ] && model="$run/points.bin"
  cache=1; [ "$counter" = points-libtorch-allocator ] && cache=0
  read -r s2 g2 rss2 < <(SEALION_CACHING_ALLOCATOR=$cache count "$counter-2" "$model" "${photos[0]}" "${photos[1]}")
  read -r s g rss < <(SEALION_CACHING_ALLOCATOR=$cache count "$counter" "$model" "${photos[@]}")
  per_photo[$counter]=$(echo "$s / $photos_n" | bc -l)
  printf "%-26s %10.2f %9.3f %11.0f %9.0f %11.0f MiB %11.0f MiB\n" "$counter" "${per_photo[$counter]}" \
    "$(echo "$photos_n / $s" | bc -l)" "$(echo "$g * $s / $photos_n" | bc -l)" "$g" \
    "$(echo "$rss2 / 1024" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
done
printf "point counter faster per photo: %.2fx\n\n" "$(echo "${per_photo[tiles]} / ${per_photo[points]}" | bc -l)"

echo "train: the point network, 256 px crops, batch 16, 2 threads"
# Two rounds, sealion and Python in turn, so that a busy spell of the machine hits both; each
# rate is the median over the rounds (sealion: epochs 2 and 3 of a 3-epoch run, the photos
# decoded in epoch 1).
sealion_rates=(); python_rates=()
for round in 1 2; do
  "$sealion" train --method points "$run/survey" --coords "$run/extract/coords.csv" -o "$work/p.bin" \
    --epochs 3 --crops-per-photo 24 --val-fraction 0 --threads 2 > "$work/train.txt" 2>&1
  while read -r rate; do sealion_rates+=("$rate"); done < <(grep -o "epoch [23]: .*" "$work/train.txt" |
    sed -n 's/.*| \([0-9.]*\) crops\/s$/\1/p')
  python_rates+=("$(cd "$here/python" && /usr/bin/python3 point_net.py 256 16 2 12 | awk '{print $2}')")
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
sealion_rate=$(median "${sealion_rates[@]}")
python_rate=$(median "${python_rates[@]}")
python_pipeline_rate=$(cd "$here/python" && /usr/bin/python3 point_net.py 256 16 2 20 \
  "$run/extract/coords.csv" "$run"/survey/Train/*.jpg | awk '{print $2}')
printf "%-50s %8.1f crops/s (epochs: %s)\n" "sealion (crops cut and augmented from the photos)" "$sealion_rate" "${sealion_rates[*]}"
printf "%-50s %8.1f crops/s\n" "Python PyTorch, the same crops made in Python" "$python_pipeline_rate"
printf "%-50s %8.1f crops/s (rounds: %s)\n" "Python PyTorch, random crops for free" "$python_rate" "${python_rates[*]}"
printf "sealion / Python with its pipeline: %.2fx; against the network alone: %.2fx\n" \
  "$(echo "$sealion_rate / $python_pipeline_rate" | bc -l)" "$(echo "$sealion_rate / $python_rate" | bc -l)"
crop_bench="$(dirname "$sealion")/../../bench/sealion_bench_crop_making"
if [ -x "$crop_bench" ]; then  # what one crop costs sealion, on one thread
  "$crop_bench" --benchmark_filter=CropAsTrained 2>/dev/null | awk '/^BM_/ {
    printf "one crop made as trained (one thread): %s us, %.1f ms of the two cores per batch of 16\n", $4, $4 * 16 / 2000 }'
fi
