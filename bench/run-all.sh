#!/usr/bin/env bash
# Runs every benchmark in turn (make bench). They print ratios measured in one run; the
# count and train benchmarks use the model and thumbnails of `make run`.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
for bench in extract_vs_skimage synth_speed train_vs_python count_vs_python points_vs_tiles busy_cores; do
  echo "=== $bench"
  bash "$here/$bench.sh" || echo "$bench failed"
  echo
done
