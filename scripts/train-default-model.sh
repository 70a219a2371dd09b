#!/usr/bin/env bash
# `make model`: trains the default model shipped as models/sealion-points-real.bin, the point
# counter on every labelled photo of the real Kaggle sample (12 dotted photos: the plain copy
# where it exists and matches, the dotted copy with its dots removed otherwise; black-masked
# regions carry no loss). No photo is held out: the detection threshold and suppression radius
# are the median of those the cross-validation's fold models chose on their own validation photos
# (bench/real_cv.sh, README), and the cross-validation gives the honest accuracy figures.
# Resumes from its checkpoint after a kill. Derived files stay in SEALION_MODEL_DIR (runs/model),
# outside the tracked tree; only with --install is the model copied into models/.
#
# Settings (environment): SEALION_MODEL_DIR (runs/model), SEALION_KAGGLE_SAMPLE_DIR,
# MODEL_EPOCHS, MODEL_THRESHOLD, MODEL_SUPPRESSION (the values the shipped model was trained with).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
sealion="${SEALION_BINARY:-$root/build/src/sealion/sealion}"
sample="${SEALION_KAGGLE_SAMPLE_DIR:-$root/../shared/data/kaggle-sample}"
work="${SEALION_MODEL_DIR:-$root/runs/model}"
epochs="${MODEL_EPOCHS:-400}"
threshold="${MODEL_THRESHOLD:-0.55}"
suppression="${MODEL_SUPPRESSION:-0.25}"
if [ ! -d "$sample/TrainDotted" ]; then
  echo "train-default-model: the real sample is not at $sample (third-party data, never in the repository)" >&2
  exit 1
fi
mkdir -p "$work"
"$sealion" extract "$sample" -o "$work/extract" --include-mismatched | tail -n 1
model="$work/sealion-points-real.bin"
if [ ! -f "$model" ]; then
  resume=(); [ -f "$model.checkpoint" ] && resume=(--resume "$model.checkpoint")
  "$sealion" train --method points "$sample" --coords "$work/extract/coords.csv" -o "$model" \
    --epochs "$epochs" --crops-per-photo 48 --scale-augment 0.3 --val-fraction 0 --seed 1 \
    --threshold "$threshold" --suppression "$suppression" "${resume[@]}" | tee "$work/train.txt"
else
  echo "reusing $model"
fi
if [ "${1:-}" = "--install" ]; then
  mkdir -p "$root/models"
  cp "$model" "$root/models/sealion-points-real.bin.tmp"
  mv "$root/models/sealion-points-real.bin.tmp" "$root/models/sealion-points-real.bin"
  cp "$model.training.json" "$root/models/sealion-points-real.bin.training.json"
  echo "installed models/sealion-points-real.bin (update models/README.md, the model card)"
fi
