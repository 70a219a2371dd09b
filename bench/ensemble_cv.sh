#!/usr/bin/env bash
# Do several networks count better than one? (issue 13) Point networks trained alike with
# different seeds disagree on the animals they are unsure of; `sealion ensemble` averages their
# heatmaps. Given several `bench/real_cv.sh` runs of one recipe with different CV_SEED (the same
# folds), this combines each fold's models into one ensemble per fold, in a folder laid out like a
# real_cv.sh run (foldK/points.bin, foldK/test, foldK/repaired-ID, extract/, test-copies/,
# truth-counts.csv, and its own cv-points-submission.csv at its threshold), then scores it as the
# single models are scored: bench/threshold_sweep.sh (every threshold, and each fold's chosen on
# the other folds), and bench/plain_offset.sh (how much higher a plain photo's threshold).
# bench/jpeg_robustness.sh then runs on OUT as on a real_cv.sh folder.
#
# Usage: ENSEMBLE_DIR=OUT bench/ensemble_cv.sh CV_DIR CV_DIR...
# Settings (environment): ENSEMBLE_DIR (required), ENSEMBLE_THRESHOLD (the ensembles' own, 0.375:
# what the sweep's "each fold's own" line and plain_offset's base use), CV_VIEWS (count --views;
# default the models' own), OFFSET_THREADS.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
sealion="${SEALION_BINARY:-$(dirname "$here")/build/src/sealion/sealion}"
out="${ENSEMBLE_DIR:?set ENSEMBLE_DIR, the folder to write}"
threshold="${ENSEMBLE_THRESHOLD:-0.375}"
[ $# -ge 2 ] || { echo "usage: ENSEMBLE_DIR=OUT $0 CV_DIR CV_DIR..."; exit 2; }
first="$1"
mkdir -p "$out"
ln -sfn "$(realpath "$first/extract")" "$out/extract"
ln -sfn "$(realpath "$first/test-copies")" "$out/test-copies"
ln -sfn "$(realpath "$first/truth-counts.csv")" "$out/truth-counts.csv"
for fold_dir in "$first"/fold*; do
  fold="${fold_dir##*/}"
  [ -f "$fold_dir/points.bin" ] || { echo "ensemble_cv: $fold_dir has no trained model"; exit 1; }
  members=()
  for work in "$@"; do
    # The same photos held out, or the average would mix folds.
    if [ "$(ls "$work/$fold/test")" != "$(ls "$fold_dir/test")" ]; then
      echo "ensemble_cv: $work/$fold holds out other photos than $fold_dir"; exit 1
    fi
    members+=("$work/$fold/points.bin")
  done
  mkdir -p "$out/$fold"
  [ -f "$out/$fold/points.bin" ] ||
    "$sealion" ensemble "${members[@]}" -o "$out/$fold/points.bin" --threshold "$threshold"
  ln -sfn "$(realpath "$fold_dir/test")" "$out/$fold/test"
  for repaired in "$fold_dir"/repaired-*; do
    [ -d "$repaired" ] && ln -sfn "$(realpath "$repaired")" "$out/$fold/${repaired##*/}"
  done
done
echo "== ensembles of $# networks per fold, each fold's photos counted (bench/threshold_sweep.sh)"
"$here/threshold_sweep.sh" "$out"
# The ensembles' counts at their threshold, as real_cv.sh writes a run's (from the sweep's
# detections: suppression keeps the stronger peak, so a higher threshold is a filter).
/usr/bin/python3 - "$out" "$threshold" "$here/../scripts" <<'PY'
import csv, glob, sys
sys.path.insert(0, sys.argv[3])
from threshold_match import counts_of, read_detections
out, threshold = sys.argv[1], float(sys.argv[2])
classes = ["adult_males", "subadult_males", "adult_females", "juveniles", "pups"]
photos, detections = set(), []
for fold in sorted(glob.glob(f"{out}/fold*/")):
    with open(f"{fold}sweep-submission.csv") as f:  # every photo, those with no detection too
        photos |= {row["test_id"] for row in csv.DictReader(f)}
    detections += read_detections(f"{fold}sweep-detections.csv")
counts = counts_of(detections, threshold)
with open(f"{out}/cv-points-submission.csv", "w") as f:
    f.write("train_id," + ",".join(classes) + "\n")
    for photo in sorted(photos, key=int):
        f.write(photo + "," + ",".join(str(counts[(photo, c)]) for c in classes) + "\n")
PY
echo "== plain photos against their repaired copies (bench/plain_offset.sh, base $threshold)"
OFFSET_BASE="$threshold" "$here/plain_offset.sh" "$out"
