#!/usr/bin/env bash
# Cross-validation of the point counter on the real sample (issue 13): the 12 dotted photos are
# split by photo into 4 folds; for each fold a point model is trained on the other 9 photos
# (plain copies where they exist, dotted copies with the dots removed otherwise) and counts the
# fold's photos, which it never saw: plain copies where they exist (42, 44, 50, with the dotted
# copy's black masks applied, since train.csv does not count animals under them), repaired
# dotted copies otherwise. Printed: per-class RMSE, bias, precision, recall and F1 over the 12
# photos; the same figures for the synthetic-only models of `make run` (tile and point counter);
# and, for 42, 44 and 50, the counts of the plain and of the repaired copy by the same model (a
# model that learned the repair marks would count them differently).
#
# Settings (environment): SEALION_CV_DIR (runs/real-cv; derived copies of third-party photos
# are written there, outside the tracked tree), CV_EPOCHS (60), CV_CROPS (48 per photo),
# CV_SCALE (0.3: altitude varies between flights), CV_VALIDATE_EVERY (10 epochs),
# SEALION_KAGGLE_SAMPLE_DIR.
# Took 10-17 minutes on 2 cores (4 folds of 2-4 minutes). Needs `make run` first for the
# synthetic-only comparison.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(dirname "$here")"
sealion="${SEALION_BINARY:-$root/build/src/sealion/sealion}"
sample="${SEALION_KAGGLE_SAMPLE_DIR:-$root/../shared/data/kaggle-sample}"
work="${SEALION_CV_DIR:-$root/runs/real-cv}"
epochs="${CV_EPOCHS:-60}"; crops="${CV_CROPS:-48}"; scale="${CV_SCALE:-0.3}"
validate_every="${CV_VALIDATE_EVERY:-10}"
if [ ! -d "$sample/TrainDotted" ]; then
  echo "real_cv: the real sample is not at $sample (third-party data, never in the repository)"; exit 1
fi
mkdir -p "$work"
folds=("42 2 10" "44 3 21" "50 8 49" "41 45 9")

"$sealion" extract "$sample" -o "$work/extract" --include-mismatched > "$work/extract.txt"
"$sealion" dedot "$sample" --coords "$work/extract/coords.csv" -o "$work/repaired" > /dev/null
# Plain copies with the dotted copy's black masks (R+G+B < 40) applied.
mkdir -p "$work/plain-masked"
/usr/bin/python3 - "$sample" "$work/plain-masked" <<'PY'
import sys, cv2, numpy as np, os
sample, out = sys.argv[1], sys.argv[2]
for name in sorted(os.listdir(f"{sample}/Train")):
    plain = cv2.imread(f"{sample}/Train/{name}"); dotted = cv2.imread(f"{sample}/TrainDotted/{name}")
    mask = dotted.astype(np.int32).sum(axis=2) < 40
    plain[mask] = 0
    cv2.imwrite(f"{out}/{name}", plain, [cv2.IMWRITE_JPEG_QUALITY, 95])
PY

test_image() {  # the image a fold counts for photo $1
  if [ -f "$sample/Train/$1.jpg" ]; then echo "$work/plain-masked/$1.jpg"; else echo "$work/repaired/$1.jpg"; fi
}
header="train_id,adult_males,subadult_males,adult_females,juveniles,pups"
: > "$work/all-submission.body"; : > "$work/all-detections.body"; : > "$work/plain-vs-repaired.txt.new"
for k in "${!folds[@]}"; do
  fold="$work/fold$k"; ids=(${folds[$k]})
  mkdir -p "$fold/data/TrainDotted" "$fold/data/Train" "$fold/test"
  cp "$sample/MismatchedTrainImages.txt" "$fold/data/"
  rm -f "$fold/data/TrainDotted/"* "$fold/data/Train/"* "$fold/test/"*
  for photo in "$sample"/TrainDotted/*.jpg; do
    id=$(basename "$photo" .jpg)
    if [[ " ${ids[*]} " == *" $id "* ]]; then
      ln -s "$(test_image "$id")" "$fold/test/$id.jpg"; continue
    fi
    ln -s "$photo" "$fold/data/TrainDotted/$id.jpg"
    [ -f "$sample/Train/$id.jpg" ] && ln -s "$sample/Train/$id.jpg" "$fold/data/Train/$id.jpg"
  done
  mkdir -p "$fold/extract"
  awk -F, -v ids=" ${ids[*]} " 'NR == 1 || index(ids, " " $1 " ") == 0' "$work/extract/coords.csv" > "$fold/extract/coords.csv"
  awk -F, -v ids=" ${ids[*]} " 'NR == 1 || index(ids, " " $1 " ") == 0' "$work/extract/counts.csv" > "$fold/extract/counts.csv"
  echo "fold $((k + 1))/4: counting ${ids[*]}, training on the other $(ls "$fold/data/TrainDotted" | wc -l) photos"
  if [ ! -f "$fold/points.bin" ]; then
    resume=(); [ -f "$fold/points.bin.checkpoint" ] && resume=(--resume "$fold/points.bin.checkpoint")
    "$sealion" train --method points "$fold/data" --coords "$fold/extract/coords.csv" -o "$fold/points.bin" \
      --epochs "$epochs" --crops-per-photo "$crops" --scale-augment "$scale" --val-fraction 0.2 --seed 1 \
      --validate-every "$validate_every" \
      "${resume[@]}" > "$fold/train.txt" 2>&1
  fi
  "$sealion" count "$fold/test" --model "$fold/points.bin" -o "$fold/submission.csv" --detections "$fold/detections.csv" > /dev/null 2>&1
  tail -n +2 "$fold/submission.csv" >> "$work/all-submission.body"
  tail -n +2 "$fold/detections.csv" >> "$work/all-detections.body"
  for id in "${ids[@]}"; do
    if [ -f "$sample/Train/$id.jpg" ]; then
      mkdir -p "$fold/repaired-$id"; ln -sf "$work/repaired/$id.jpg" "$fold/repaired-$id/$id.jpg"
      "$sealion" count "$fold/repaired-$id" --model "$fold/points.bin" -o "$fold/repaired-$id.csv" > /dev/null 2>&1
      echo "photo $id: plain $(grep "^$id," "$fold/submission.csv" | cut -d, -f2-), repaired $(grep "^$id," "$fold/repaired-$id.csv" | cut -d, -f2-)" >> "$work/plain-vs-repaired.txt.new"
    fi
  done
done
{ echo "$header"; sort -t, -k1,1n "$work/all-submission.body"; } > "$work/cv-submission.csv"
{ echo "test_id,class,x,y,score"; cat "$work/all-detections.body"; } > "$work/cv-detections.csv"
mv "$work/plain-vs-repaired.txt.new" "$work/plain-vs-repaired.txt" 2>/dev/null || true
{ echo "train_id,class,x,y"; tail -n +2 "$work/extract/coords.csv"; } > "$work/truth-points.csv"

echo
echo "detection settings each fold chose on its own validation photos (the default model takes their median):"
for k in "${!folds[@]}"; do
  echo "fold $((k + 1)): $(grep -o 'at threshold [0-9.]*, suppression [0-9.]*' "$work/fold$k/train.txt" | tail -1)"
done
echo
echo "== point counter, cross-validated: each photo counted by a model that never saw it"
"$sealion" score "$work/cv-submission.csv" "$work/extract/counts.csv" --detections "$work/cv-detections.csv" --truth-points "$work/truth-points.csv"
echo
echo "plain vs repaired copies, counts per class (adult_males,subadult_males,adult_females,juveniles,pups):"
cat "$work/plain-vs-repaired.txt"

for baseline in points tiles; do
  model="$root/runs/main/points.bin"; [ "$baseline" = tiles ] && model="$root/runs/main/model.bin"
  [ -f "$model" ] || { echo "no $model: run 'make run' for the synthetic-only comparison"; continue; }
  mkdir -p "$work/synthetic-$baseline"; rm -f "$work/synthetic-$baseline/"*.jpg
  for photo in "$sample"/TrainDotted/*.jpg; do id=$(basename "$photo" .jpg); ln -s "$(test_image "$id")" "$work/synthetic-$baseline/$id.jpg"; done
  "$sealion" count "$work/synthetic-$baseline" --model "$model" -o "$work/synthetic-$baseline.csv" --detections "$work/synthetic-$baseline-detections.csv" > /dev/null 2>&1
  echo
  echo "== $baseline counter trained on synthetic photos only (make run), same 12 photos"
  "$sealion" score "$work/synthetic-$baseline.csv" "$work/extract/counts.csv" --detections "$work/synthetic-$baseline-detections.csv" --truth-points "$work/truth-points.csv"
done
