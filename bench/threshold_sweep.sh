#!/usr/bin/env bash
# How should the point counter's detection threshold be chosen? (issue 13) Each fold model of a
# `bench/real_cv.sh` run counts its held-out photos once more at a low threshold, keeping every
# detection's score; since suppression keeps the strongest candidate first, the count at any
# higher threshold is the detections scoring at or above it. Printed over the photos counted:
# mean RMSE per class for one threshold used by every fold (chosen after seeing all photos: an
# optimistic bound), then two rules that never look at the photos they score: each fold's
# threshold chosen on the other folds' held-out photos (one for all classes, then one per class),
# and the rule real_cv.sh uses (each fold's own validation photos), for comparison.
#
# Usage: bench/threshold_sweep.sh CV_DIR...  (each a SEALION_CV_DIR of real_cv.sh with its point
# models trained; several folders, e.g. folds 0-1 in one and 2-3 in another, are pooled).
# CV_VIEWS: the views each count averages (`count --views`; default: each model's own).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(dirname "$here")"
sealion="${SEALION_BINARY:-$root/build/src/sealion/sealion}"
[ $# -ge 1 ] || { echo "usage: $0 CV_DIR..."; exit 2; }
folds=()
for work in "$@"; do
  for fold in "$work"/fold*; do
    [ -f "$fold/points.bin" ] || continue
    "$sealion" count "$fold/test" --model "$fold/points.bin" --threshold 0.1 --views "${CV_VIEWS:--1}" \
      -o "$fold/sweep-submission.csv" --detections "$fold/sweep-detections.csv" \
      > "$fold/sweep-count.txt" 2>&1 || { echo "threshold_sweep: counting failed, see $fold/sweep-count.txt"; exit 1; }
    # The model's own threshold exactly (the training log rounds it: 0.325 prints as 0.32).
    own=$(/usr/bin/python3 "$here/../scripts/model_header.py" "$fold/points.bin" get detection.threshold)
    folds+=("$fold/sweep-detections.csv=$own")
  done
done
[ ${#folds[@]} -ge 2 ] || { echo "threshold_sweep: need at least two trained folds"; exit 1; }
/usr/bin/python3 "$here/python/threshold_sweep.py" "$1/extract/counts.csv" "${folds[@]}"
