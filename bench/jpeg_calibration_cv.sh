#!/usr/bin/env bash
# Does scripts/calibrate-jpeg.sh give hard-compressed photos a threshold that works on photos the
# model never saw? For each fold model of a bench/real_cv.sh folder, a copy of the model is
# calibrated on the fold's own training photos (their test copies: no truth used), then the
# fold's held-out photos recompressed at each quality of QUALITIES (the copies that
# bench/jpeg_robustness.sh made; run it first) are counted with the calibrated copy as `count`
# does by default, and scored against the truth beside the same photos counted by the fold model
# itself (jpeg_robustness.sh's counts).
#
# usage: bench/jpeg_calibration_cv.sh CV_DIR [WORK_DIR]   (WORK_DIR: CV_DIR/jpeg-calibration)
# Settings: QUALITIES (default "20 30 50"; each must have been made by jpeg_robustness.sh),
# THREADS (count --threads, default 0: every core).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
sealion="${SEALION_BINARY:-$root/build/src/sealion/sealion}"
cv="$1"; work="${2:-$cv/jpeg-calibration}"
qualities="${QUALITIES:-20 30 50}"; threads="${THREADS:-0}"
robustness="$cv/jpeg-robustness"
source "$root/bench/cv_folds.sh"
mkdir -p "$work"
header=$(head -n 1 "$cv/cv-points-submission.csv")
for k in 0 1 2 3; do
  fold="$cv/fold$k"
  [ -f "$fold/points.bin" ] || { echo "no fold model $fold/points.bin" >&2; exit 1; }
  link_training_copies "$cv" "$k" "$work/fold$k-train"
  [ -f "$work/fold$k.bin" ] || cp "$fold/points.bin" "$work/fold$k.bin"
  QUALITIES="$qualities" SEALION_BINARY="$sealion" "$root/scripts/calibrate-jpeg.sh" \
    "$work/fold$k.bin" "$work/fold$k-train" "$work/fold$k-cal" --write | sed "s/^/fold $k: /" | grep -v counting
done
for quality in as-counted $qualities; do
  all="$work/$quality-submission.csv"
  if [ ! -f "$all" ]; then
    echo "$header" > "$all.tmp"
    for k in 0 1 2 3; do
      photos="$robustness/$quality/fold$k"
      [ -d "$photos" ] || { echo "no $photos: run bench/jpeg_robustness.sh $cv first" >&2; exit 1; }
      "$sealion" count "$photos" --model "$work/fold$k.bin" --threads "$threads" \
        -o "$work/$quality-fold$k.csv" > "$work/$quality-fold$k.log" 2>&1
      tail -n +2 "$work/$quality-fold$k.csv" >> "$all.tmp"
    done
    mv "$all.tmp" "$all"
  fi
  for name in fold calibrated; do
    counts="$robustness/$quality-submission.csv"; [ "$name" = calibrated ] && counts="$all"
    echo "== JPEG quality $quality, $name model$([ "$name" = fold ] && echo "'s own threshold")"
    "$sealion" score "$counts" "$cv/extract/counts.csv" | grep -vE "^$|^class"
  done
done
