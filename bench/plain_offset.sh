#!/usr/bin/env bash
# Do plain photos score like the copies the cross-validation counts? (issue 13) Users count plain
# survey photos, but 9 of the 12 real photos exist only as Kaggle's dotted JPEGs, so the threshold
# that `bench/threshold_sweep.sh` chooses is mostly chosen on repaired dotted copies. For each fold
# of a `bench/real_cv.sh` run that holds out a photo with a plain copy (42, 44, 50), the fold's
# point model counts the plain and the repaired copy at a low threshold; this prints the threshold
# at which the plain copy counts as the repaired copy does at OFFSET_BASE (least squares over the
# five classes, scripts/threshold_match.py's thresholds 0.005 apart, the nearest to OFFSET_BASE
# of the best), and the mean and median of those offsets over every fold and run given. No truth
# is used.
#
# Usage: bench/plain_offset.sh CV_DIR...  (each a SEALION_CV_DIR of real_cv.sh, its folds trained)
# Settings (environment): OFFSET_BASE (0.375), CV_VIEWS (count --views; default each model's own),
# OFFSET_THREADS (count --threads; 0, every core).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(dirname "$here")"
sealion="${SEALION_BINARY:-$root/build/src/sealion/sealion}"
[ $# -ge 1 ] || { echo "usage: $0 CV_DIR..."; exit 2; }
pairs=()
# count_low DIR DETECTIONS: DIR's photos counted at threshold 0.1, unless already done.
count_low() {
  [ -f "$2" ] && return 0
  "$sealion" count "$1" --model "$fold/points.bin" --threshold 0.1 --views "${CV_VIEWS:--1}" \
    --threads "${OFFSET_THREADS:-0}" -o "$2.submission.csv" --detections "$2.new" > "$2.log" 2>&1 ||
    { echo "plain_offset: counting $1 failed, see $2.log"; exit 1; }
  mv "$2.new" "$2"
}
source "$here/cv_folds.sh"
while read -r fold id <&3; do  # fd 3: the loop's commands may read stdin
  # The same files bench/threshold_sweep.sh writes for the plain copy (it counts fold/test).
  count_low "$fold/test" "$fold/sweep-detections.csv"
  count_low "$fold/repaired-$id" "$fold/sweep-repaired-$id-detections.csv"
  pairs+=("$fold:$id")
done 3< <(held_out_plain "$@")
[ ${#pairs[@]} -ge 1 ] || { echo "plain_offset: no fold holds out a photo with a plain copy"; exit 1; }
/usr/bin/python3 "$here/python/plain_offset.py" "$root" "${OFFSET_BASE:-0.375}" "${pairs[@]}"
