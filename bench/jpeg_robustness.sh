#!/usr/bin/env bash
# How do the point counter's counts hold up when survey photos were recompressed hard? Each fold
# model of a bench/real_cv.sh folder counts the copies of its held-out photos that the
# cross-validation counted (plain with masks, or repaired), as they are and re-encoded as JPEG at
# each of QUALITIES (OpenCV's encoder, 4:2:0), with the model's own views and threshold; each
# quality's counts over the 12 photos are scored against the truth.
#
# usage: bench/jpeg_robustness.sh CV_DIR [WORK_DIR]   (WORK_DIR: CV_DIR/jpeg-robustness)
# Settings: QUALITIES (default "50 30 20"), THREADS (count --threads, default 0: every core),
# SWEEP (1: also count each quality's copies at threshold 0.1 and score every threshold on them,
# bench/python/threshold_sweep.py, to see which threshold each quality wants).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
sealion="${SEALION_BINARY:-$root/build/src/sealion/sealion}"
cv="$1"; work="${2:-$cv/jpeg-robustness}"
qualities="${QUALITIES:-50 30 20}"; threads="${THREADS:-0}"
source "$root/bench/cv_folds.sh"
mkdir -p "$work"
header=$(head -n 1 "$cv/cv-points-submission.csv")
for quality in as-counted $qualities; do
  all="$work/$quality-submission.csv"
  [ -f "$all" ] && continue
  echo "$header" > "$all.tmp"
  for k in 0 1 2 3; do
    photos="$work/$quality/fold$k"; mkdir -p "$photos"
    for id in ${cv_folds[$k]}; do
      source="$cv/test-copies/$id.jpg"
      if [ "$quality" = as-counted ]; then
        ln -sfn "$(realpath "$source")" "$photos/$id.jpg"
      elif [ ! -f "$photos/$id.jpg" ]; then
        /usr/bin/python3 -c 'import cv2, sys; cv2.imwrite(sys.argv[2], cv2.imread(sys.argv[1]), [cv2.IMWRITE_JPEG_QUALITY, int(sys.argv[3])])' \
          "$source" "$photos/$id.jpg.tmp.jpg" "$quality"
        mv "$photos/$id.jpg.tmp.jpg" "$photos/$id.jpg"
      fi
    done
    "$sealion" count "$photos" --model "$cv/fold$k/points.bin" --threads "$threads" \
      -o "$work/$quality-fold$k.csv" > /dev/null 2>&1
    tail -n +2 "$work/$quality-fold$k.csv" >> "$all.tmp"
  done
  mv "$all.tmp" "$all"
done
for quality in as-counted $qualities; do
  echo "== JPEG quality $quality ($(du -sh "$work/$quality" --apparent-size -L | cut -f1) of photos)"
  "$sealion" score "$work/$quality-submission.csv" "$cv/truth-counts.csv" | grep -vE "^$|^class"
done
[ "${SWEEP:-0}" = 1 ] || exit 0
for quality in $qualities; do
  sweeps=()
  for k in 0 1 2 3; do
    detections="$work/$quality-sweep-fold$k-detections.csv"
    [ -f "$detections" ] || "$sealion" count "$work/$quality/fold$k" --model "$cv/fold$k/points.bin" \
      --threads "$threads" --threshold 0.1 -o "$work/$quality-sweep-fold$k.csv" \
      --detections "$detections" > /dev/null 2>&1
    own=$(/usr/bin/python3 "$root/scripts/model_header.py" "$cv/fold$k/points.bin" get detection.threshold)
    sweeps+=("$detections=$own")
  done
  echo "== JPEG quality $quality, every threshold"
  /usr/bin/python3 "$root/bench/python/threshold_sweep.py" "$cv/truth-counts.csv" "${sweeps[@]}"
done
