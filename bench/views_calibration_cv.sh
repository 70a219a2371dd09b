#!/usr/bin/env bash
# Does scripts/calibrate-views.sh give 1-view counting a threshold that works on photos the model
# never saw? For each fold model of a bench/real_cv.sh folder (trained and thresholded with the
# views of CV_VIEWS there, e.g. 8), the threshold for 1 view is calibrated on the fold's own
# training photos (their test copies: no truth used), then the fold's held-out photos are counted
# with 1 view at that threshold and at the model's own one; all three are scored against the truth
# beside the folds' own-views counts.
#
# usage: bench/views_calibration_cv.sh CV_DIR [WORK_DIR]   (WORK_DIR: CV_DIR/views-calibration)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
sealion="${SEALION_BINARY:-$root/build/src/sealion/sealion}"
cv="$1"; work="${2:-$cv/views-calibration}"
source "$root/bench/cv_folds.sh"
mkdir -p "$work"
header=$(head -n 1 "$cv/cv-points-submission.csv")
for name in uncalibrated calibrated; do echo "$header" > "$work/one-view-$name.csv"; done
for k in 0 1 2 3; do
  fold="$cv/fold$k"
  [ -f "$fold/points.bin" ] || { echo "no fold model $fold/points.bin" >&2; exit 1; }
  link_training_copies "$cv" "$k" "$work/fold$k-train"
  calibration=$("$root/scripts/calibrate-views.sh" "$fold/points.bin" "$work/fold$k-train" "$work/fold$k-cal")
  one=$(echo "$calibration" | awk '/^1 view/ {print $4}')
  own=$(/usr/bin/python3 "$root/scripts/model_header.py" "$fold/points.bin" get detection.threshold)
  printf 'fold %s: own threshold %.3f; 1 view calibrated to %s (%s)\n' "$k" "$own" "$one" \
    "$(echo "$calibration" | sed -n 's/^1 view(s): threshold [0-9.]* (\(.*\))$/\1/p')"
  for name in uncalibrated calibrated; do
    threshold="$own"; [ "$name" = calibrated ] && threshold="$one"
    "$sealion" count "$fold/test" --model "$fold/points.bin" --views 1 --threshold "$threshold" \
      -o "$work/fold$k-$name.csv" > /dev/null 2>&1
    tail -n +2 "$work/fold$k-$name.csv" >> "$work/one-view-$name.csv"
  done
done
truth="$cv/truth-counts.csv"
echo "== own views, own thresholds (the cross-validation's counts)"
"$sealion" score "$cv/cv-points-submission.csv" "$truth" | grep -E "mean RMSE|bias"
for name in uncalibrated calibrated; do
  echo "== 1 view, $name threshold"
  "$sealion" score "$work/one-view-$name.csv" "$truth" | grep -vE "^$"
done
