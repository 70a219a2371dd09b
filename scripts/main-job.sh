#!/usr/bin/env bash
# The main job (`make run`): the seed's whole pipeline, each step a `sealion` command.
#   1. extract on the real Kaggle sample, compared with train.csv (when the sample is present);
#   2. synth a survey, extract it, cut patches, train the CNN, count the test photos, score them;
#   3. a summary and an HTML report.
# Every step reuses what an earlier run produced; --fresh starts over.
#
# Settings (environment): SEALION_RUN_DIR (runs/main), SEALION_KAGGLE_SAMPLE_DIR,
# SEALION_TRAIN_PHOTOS (24), SEALION_TEST_PHOTOS (8), SEALION_EPOCHS (8), SEALION_SEED (1),
# SEALION_SYNTH_LAYOUTS (auto: real layouts when the sample is present; model; or a CSV path).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
sealion="${SEALION_BINARY:-$root/build/src/sealion/sealion}"
run="${SEALION_RUN_DIR:-$root/runs/main}"
sample="${SEALION_KAGGLE_SAMPLE_DIR:-$root/../shared/data/kaggle-sample}"
train_photos="${SEALION_TRAIN_PHOTOS:-24}"
test_photos="${SEALION_TEST_PHOTOS:-8}"
epochs="${SEALION_EPOCHS:-8}"
seed="${SEALION_SEED:-1}"
if [ "${1:-}" = "--fresh" ]; then rm -rf "$run"; fi
mkdir -p "$run"
start=$(date +%s)
step() { printf '\n== %s\n' "$*"; }

step "1. extract on the real sample"
if [ -d "$sample/TrainDotted" ]; then
  "$sealion" extract "$sample" -o "$run/real-extract" | tee "$run/real-extract.txt"
else
  echo "real sample not found at $sample (third-party data, never in the repository); skipped" | tee "$run/real-extract.txt"
fi

step "2. synth a survey: $train_photos training pairs, $test_photos test photos"
if [ ! -f "$run/survey/test_truth.csv" ]; then
  "$sealion" synth -o "$run/survey" --train "$train_photos" --test "$test_photos" --seed "$seed" \
    --layouts "${SEALION_SYNTH_LAYOUTS:-auto}"
else
  echo "reusing $run/survey"
fi

step "3. extract the synthetic survey"
"$sealion" extract "$run/survey" -o "$run/extract" | tail -n 1 | tee "$run/synth-extract.txt"

step "4. patches"
if [ ! -f "$run/patches/manifest.csv" ]; then
  "$sealion" patches "$run/survey" --metadata "$run/extract/training_metadata.json" -o "$run/patches" --seed "$seed"
else
  echo "reusing $run/patches"
fi

step "5. train ($epochs epochs)"
if [ ! -f "$run/model.bin" ]; then
  resume=()
  [ -f "$run/model.bin.checkpoint" ] && resume=(--resume "$run/model.bin.checkpoint")
  "$sealion" train "$run/patches" -o "$run/model.bin" --epochs "$epochs" --seed "$seed" "${resume[@]}" | tee "$run/train.txt"
else
  echo "reusing $run/model.bin"
fi

step "6. count the test photos"
if [ ! -f "$run/submission.csv" ] || [ "$run/model.bin" -nt "$run/submission.csv" ]; then
  resume=()
  [ -f "$run/submission.csv.journal" ] && [ ! "$run/model.bin" -nt "$run/submission.csv.journal" ] && resume=(--resume)
  "$sealion" count "$run/survey/Test" --model "$run/model.bin" -o "$run/submission.csv" \
    --detections "$run/detections.csv" "${resume[@]}"
else
  echo "reusing $run/submission.csv"
fi

step "7. score"
"$sealion" score "$run/submission.csv" "$run/survey/test_truth.csv" | tee "$run/score.txt"
"$sealion" score "$run/submission.csv" "$run/survey/test_truth.csv" --json > "$run/score.json"

step "8. report"
"$sealion" report "$run" -o "$run/report.html"

step "summary"
grep -h "exact:" "$run/real-extract.txt" | sed 's/^/real sample extraction: /' || true
sed 's/^/synthetic extraction: /' "$run/synth-extract.txt"
grep -h "^trained" "$run/train.txt" 2>/dev/null || echo "model reused from an earlier run"
grep -h "mean RMSE" "$run/score.txt"
echo "report: $run/report.html"
echo "main job finished in $(( $(date +%s) - start )) s"
