#!/usr/bin/env bash
# Cross-validation of both counters on the real sample (issue 13): the 12 dotted photos are split
# by photo into 4 folds; for each fold a point model and a tile model are trained on the other 9
# photos (plain copies where they exist, dotted copies with the dots removed otherwise) and count
# the fold's photos, which they never saw: plain copies where they exist (42, 44, 50, with the
# dotted copy's black masks applied, since train.csv does not count animals under them), repaired
# dotted copies otherwise. Printed for each counter: per-class RMSE, bias, precision, recall and
# F1 over the 12 photos; the detection settings each point model chose on its own validation
# photos; for 42, 44 and 50, the counts of the plain and of the repaired copy by the same model (a
# model that learned the repair marks would count them differently); and the same figures for the
# synthetic-only models of `make run`.
#
# Settings (environment): SEALION_CV_DIR (runs/real-cv; derived copies of third-party photos
# are written there, outside the tracked tree), CV_METHODS ("points tiles"), CV_EPOCHS (60, point
# counter), CV_CROPS (48 per photo), CV_SCALE (0.3: altitude varies between flights),
# CV_VALIDATE_EVERY (10 epochs), CV_TILE_EPOCHS (20), SEALION_KAGGLE_SAMPLE_DIR; CV_INIT_DIR (the
# folder of an earlier cross-validation: each fold's model starts from that fold's model, `train
# --init`, i.e. more training under a new learning-rate schedule, on the same photos and split)
# with CV_LR (the new schedule's peak; default: train's); CV_THREADS (train's --threads, default every
# core: 1 keeps training fast while something else uses the other core); CV_JOBS (folds trained
# at once, default 1: with CV_THREADS=1, 2 uses both cores); CV_FOLDS (the folds to run, e.g.
# "0 1"; default all four: a subset scores only its photos); CV_DECOYS (train's --decoy-repairs);
# CV_BODY_DECOYS (train's --body-decoys); CV_PLAIN_WEIGHT (train's --plain-weight);
# CV_CROPS_PER_ANIMAL (train's --crops-per-animal); CV_JPEG_AUGMENT (train's --jpeg-augment, the
# share of point crops recompressed at JPEG quality 20-95; default train's 0.3); CV_ANIMAL_CENTRED
# (train's --animal-centred, the share of point crops cut around an animal; default train's 0.4,
# 0.6 before the evening of 2026-12-05);
# CV_TILE_AUGMENT (1: tile thumbnails augmented as the point crops are, with CV_SCALE; 0: as cut);
# CV_DOT_FILL (telea: how removed dots are refilled, in the point models' training photos and in
# the repaired copies counted; surface, fsr or mixed: `dedot --fill surface|fsr|mixed`); CV_VIEWS
# (the point models' heatmaps averaged over 1, 2, 4 or 8 flipped and turned views, in validation
# and counting: `train --views`, `count --views`; default 1); CV_VAL_FRACTION (the share of each
# fold's training photos held back to choose its detection settings, default 0.2; 0 trains on all
# of them, as the shipped model is, at CV_THRESHOLD and CV_SUPPRESSION, train's defaults where
# unset: then choose thresholds with bench/threshold_sweep.sh's other-folds rule); CV_SEED (train's
# --seed, default 1: initial weights, crops and split; another seed is a replicate of the run);
# CV_HARD_NEGATIVES_FROM (the folder of an earlier cross-validation: each fold's model of it,
# trained on the same photos, counts the fold's training photos, and its detections that match no
# animal become hard negatives, `train --hard-negatives`) with CV_HARD_NEGATIVE_CENTRED (the share
# of crops centred on them, default 0.2); CV_ARCHITECTURE (train's --architecture: point_net_v1,
# the default, point_net_v2 or point_net_v3); CV_PEAK_WEIGHTS (train's --peak-weights, five per-class weights
# of the animals' peaks in the heatmap loss, e.g. 1,1,1,1,3); CV_CHROMA_SIGMA (train's
# --chroma-sigma: the colour of every crop, and of every photo the fold model counts, blurred);
# CV_SHARPNESS_AUGMENT (train's --sharpness-augment); CV_DOTTED_COPIES_TOO (1: train's
# --dotted-copies-too, photos with a plain copy trained on their repaired dotted copy as well);
# CV_PAIR_CONSISTENCY (train's --pair-consistency weight; needs CV_DOTTED_COPIES_TOO=1); CV_CROP
# (train's --crop, the point crops' side in px, default train's 256); CV_SYNTHETIC (point counter:
# this many synthetic photos a fold, made as bench/pretrain_cv.sh makes them from what the fold
# may see (its training photos' real chips and scenery, layouts without its held-out photos), are
# added to its training photos under ids 100000 and up, so that every batch mixes synthetic and
# real crops; default 0); CV_WEIGHT_DECAY (train's --weight-decay, decoupled, e.g. 0.05);
# CV_CONTRAST_SD (train's --contrast-sd: every training and counted photo's contrast set to one
# level, e.g. 33).
# Every step resumes after a kill (models from their checkpoints). Took 10-17 minutes on 2 cores
# at 60 epochs for the points alone; see docs/real-photos.md for longer runs. Needs `make run` first for
# the synthetic-only comparison.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(dirname "$here")"
sealion="${SEALION_BINARY:-$root/build/src/sealion/sealion}"
sample="${SEALION_KAGGLE_SAMPLE_DIR:-$root/../shared/data/kaggle-sample}"
work="${SEALION_CV_DIR:-$root/runs/real-cv}"
methods="${CV_METHODS:-points tiles}"
epochs="${CV_EPOCHS:-60}"; crops="${CV_CROPS:-48}"; scale="${CV_SCALE:-0.3}"
validate_every="${CV_VALIDATE_EVERY:-10}"; tile_epochs="${CV_TILE_EPOCHS:-20}"
init_dir="${CV_INIT_DIR:-}"; lr="${CV_LR:-}"; threads="${CV_THREADS:-0}"
val_fraction="${CV_VAL_FRACTION:-0.2}"
cv_threshold="${CV_THRESHOLD:-}"; cv_suppression="${CV_SUPPRESSION:-}"
jobs="${CV_JOBS:-1}"; fold_list="${CV_FOLDS:-0 1 2 3}"; decoys="${CV_DECOYS:-}"
body_decoys="${CV_BODY_DECOYS:-}"; plain_weight="${CV_PLAIN_WEIGHT:-}"
crops_per_animal="${CV_CROPS_PER_ANIMAL:-}"; jpeg_augment="${CV_JPEG_AUGMENT:-}"
tile_augment="${CV_TILE_AUGMENT:-1}"; dot_fill="${CV_DOT_FILL:-telea}"; views="${CV_VIEWS:-1}"
seed="${CV_SEED:-1}"; animal_centred="${CV_ANIMAL_CENTRED:-}"
architecture="${CV_ARCHITECTURE:-}"; peak_weights="${CV_PEAK_WEIGHTS:-}"
chroma_sigma="${CV_CHROMA_SIGMA:-}"; sharpness="${CV_SHARPNESS_AUGMENT:-}"
dotted_copies_too="${CV_DOTTED_COPIES_TOO:-0}"; pair_consistency="${CV_PAIR_CONSISTENCY:-}"
crop="${CV_CROP:-}"; synthetic="${CV_SYNTHETIC:-0}"; weight_decay="${CV_WEIGHT_DECAY:-}"
contrast_sd="${CV_CONTRAST_SD:-}"
hard_from="${CV_HARD_NEGATIVES_FROM:-}"; hard_share="${CV_HARD_NEGATIVE_CENTRED:-0.2}"
if [ ! -d "$sample/TrainDotted" ]; then
  echo "real_cv: the real sample is not at $sample (third-party data, never in the repository)"; exit 1
fi
mkdir -p "$work"; work="$(cd "$work" && pwd)"  # absolute: the folds link to files under it
folds=("42 2 10" "44 3 21" "50 8 49" "41 45 9")
source "$here/cv_folds.sh"  # link_chips

"$sealion" extract "$sample" -o "$work/extract" --include-mismatched > "$work/extract.txt"
"$sealion" dedot "$sample" --coords "$work/extract/coords.csv" -o "$work/repaired" --fill "$dot_fill" > /dev/null
# The copies the folds count: plain copies with the dotted copy's black masks applied where they
# exist (train.csv does not count animals under a mask), repaired dotted copies otherwise.
"$sealion" dedot "$sample" --coords "$work/extract/coords.csv" -o "$work/test-copies" --plain-where-matching \
  --fill "$dot_fill" > /dev/null

test_image() { echo "$work/test-copies/$1.jpg"; }  # the image a fold counts for photo $1
# The earlier cross-validation's model of this fold (trained on the same photos) counts the
# fold's training photos (the copies the folds count: plain where they exist, else repaired);
# train keeps the detections that match no labelled animal as hard negatives.
find_hard_negatives() {  # fold-dir
  local fold="$1" copies="$1/train-copies"
  [ -f "$fold/hard-negatives.csv" ] && return 0
  mkdir -p "$copies"; rm -f "$copies/"*
  for photo in "$fold/data/TrainDotted/"*.jpg; do
    [ "$(basename "$photo" .jpg)" -ge 100000 ] && continue  # a synthetic photo (CV_SYNTHETIC): no real copy
    ln -s "$(test_image "$(basename "$photo" .jpg)")" "$copies/$(basename "$photo")"
  done
  rm -f "$fold/hard-negatives-counts.csv"* "$fold/hard-negatives.tmp.csv"*
  "$sealion" count "$copies" --model "$hard_from/$(basename "$fold")/points.bin" \
    --threads "$threads" -o "$fold/hard-negatives-counts.csv" \
    --detections "$fold/hard-negatives.tmp.csv" > "$fold/hard-negatives.txt" 2>&1
  mv "$fold/hard-negatives.tmp.csv" "$fold/hard-negatives.csv"
  rm -f "$fold/hard-negatives.tmp.csv"*.journal
}
# Trains the fold's model of one counter (resuming from its checkpoint) unless it exists.
train_fold() {  # fold-dir method
  local fold="$1" method="$2" model="$1/$2.bin" resume=()
  [ -f "$model" ] && return 0
  [ -f "$model.checkpoint" ] && resume=(--resume "$model.checkpoint")
  if [ -n "$init_dir" ]; then resume+=(--init "$init_dir/$(basename "$fold")/$method.bin"); fi
  if [ -n "$lr" ]; then resume+=(--lr "$lr"); fi
  resume+=(--threads "$threads")
  if [ "$method" = points ]; then
    if [ -n "$decoys" ]; then resume+=(--decoy-repairs "$decoys"); fi
    if [ -n "$body_decoys" ]; then resume+=(--body-decoys "$body_decoys"); fi
    if [ -n "$plain_weight" ]; then resume+=(--plain-weight "$plain_weight"); fi
    if [ -n "$crops_per_animal" ]; then resume+=(--crops-per-animal "$crops_per_animal"); fi
    if [ -n "$jpeg_augment" ]; then resume+=(--jpeg-augment "$jpeg_augment"); fi
    if [ -n "$animal_centred" ]; then resume+=(--animal-centred "$animal_centred"); fi
    if [ -n "$architecture" ]; then resume+=(--architecture "$architecture"); fi
    if [ -n "$peak_weights" ]; then resume+=(--peak-weights "$peak_weights"); fi
    if [ -n "$chroma_sigma" ]; then resume+=(--chroma-sigma "$chroma_sigma"); fi
    if [ -n "$contrast_sd" ]; then resume+=(--contrast-sd "$contrast_sd"); fi
    if [ -n "$sharpness" ]; then resume+=(--sharpness-augment "$sharpness"); fi
    if [ "$dotted_copies_too" = 1 ]; then resume+=(--dotted-copies-too); fi
    if [ -n "$pair_consistency" ]; then resume+=(--pair-consistency "$pair_consistency"); fi
    if [ -n "$crop" ]; then resume+=(--crop "$crop"); fi
    if [ -n "$weight_decay" ]; then resume+=(--weight-decay "$weight_decay"); fi
    if [ -n "$cv_threshold" ]; then resume+=(--threshold "$cv_threshold"); fi
    if [ -n "$cv_suppression" ]; then resume+=(--suppression "$cv_suppression"); fi
    if [ -n "$hard_from" ]; then
      find_hard_negatives "$fold"
      resume+=(--hard-negatives "$fold/hard-negatives.csv" --hard-negative-centred "$hard_share")
    fi
    resume+=(--dot-fill "$dot_fill" --views "$views")
    "$sealion" train --method points "$fold/data" --coords "$fold/extract/coords.csv" -o "$model" \
      --epochs "$epochs" --crops-per-photo "$crops" --scale-augment "$scale" --val-fraction "$val_fraction" --seed "$seed" \
      --validate-every "$validate_every" "${resume[@]}" > "$fold/points-train.txt" 2>&1
  else
    if [ ! -f "$fold/patches/manifest.csv" ]; then
      "$sealion" patches "$fold/data" --metadata "$fold/extract/training_metadata.json" \
        -o "$fold/patches" > "$fold/patches.txt" 2>&1
    fi
    [ "$tile_augment" = 0 ] && resume+=(--no-augment)
    "$sealion" train --method tiles "$fold/patches" -o "$model" --epochs "$tile_epochs" \
      --scale-augment "$scale" --val-fraction 0.2 --seed "$seed" "${resume[@]}" > "$fold/tiles-train.txt" 2>&1
  fi
}

# Adds the fold's synthetic survey (made once, from what the fold may see) to its training photos
# and its coords.csv, under ids 100000 and up; only the point counter reads coords.csv.
add_synthetic_photos() {  # fold-dir k
  local fold="$1" k="$2" held=" ${folds[$2]} " survey="$1/synthetic" photo id
  if [ ! -f "$survey/train_coords.csv" ]; then
    awk -F, -v ids="$held" 'NR == 1 || index(ids, " " $1 " ") == 0' "$work/extract/coords.csv" > "$fold/scenery-coords.csv"
    awk -F, -v ids="$held" 'NR == 1 || index(ids, " " $1 " ") == 0' "$sample/reference_coords.csv" > "$fold/layouts.csv"
    link_chips "$sample" "$fold/chips" except "${folds[$k]}"
    "$sealion" synth -o "$survey" --replace --train "$synthetic" --test 0 \
      --seed $((1000 + (seed - 1) * 4 + k)) --threads "$threads" --layouts "$fold/layouts.csv" \
      --chips "$fold/chips" --scenery "$sample" --scenery-coords "$fold/scenery-coords.csv" \
      > "$fold/synth.txt" 2>&1 || { echo "fold $((k + 1)): synth failed, see $fold/synth.txt"; exit 1; }
  fi
  for photo in "$survey"/Train/*.jpg; do
    id=$((100000 + $(basename "$photo" .jpg)))
    ln -s "$photo" "$fold/data/Train/$id.jpg"
    ln -s "$survey/TrainDotted/$(basename "$photo")" "$fold/data/TrainDotted/$id.jpg"
  done
  tail -n +2 "$survey/train_coords.csv" | awk -F, -v OFS=, '{ $1 = $1 + 100000; print }' >> "$fold/extract/coords.csv"
}

header="train_id,adult_males,subadult_males,adult_females,juveniles,pups"
for method in $methods; do
  : > "$work/$method-submission.body"; : > "$work/$method-detections.body"
  : > "$work/$method-plain-vs-repaired.txt.new"
done
for k in $fold_list; do
  fold="$work/fold$k"; ids=(${folds[$k]})
  mkdir -p "$fold/data/TrainDotted" "$fold/data/Train" "$fold/test" "$fold/extract"
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
  for table in coords counts; do
    awk -F, -v ids=" ${ids[*]} " 'NR == 1 || index(ids, " " $1 " ") == 0' "$work/extract/$table.csv" > "$fold/extract/$table.csv"
  done
  /usr/bin/python3 - "$work/extract/training_metadata.json" "$fold/extract/training_metadata.json" "${ids[@]}" <<'PY'
import json, sys
source, target, held_out = sys.argv[1], sys.argv[2], {f"{i}.jpg" for i in sys.argv[3:]}
json.dump([e for e in json.load(open(source)) if e["filename"] not in held_out], open(target, "w"))
PY
  real_photos=$(ls "$fold/data/TrainDotted" | wc -l); mixed_in=""
  if [ "$synthetic" -gt 0 ] && [[ " $methods " == *" points "* ]]; then
    add_synthetic_photos "$fold" "$k"; mixed_in=" and $synthetic synthetic ones (point counter)"
  fi
  echo "fold $((k + 1))/4: will count ${ids[*]}, training on the other $real_photos photos$mixed_in"
  # Up to $jobs folds train at once, each fold's counters one after the other.
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
  ( for method in $methods; do train_fold "$fold" "$method"; done ) &
done
while [ "$(jobs -rp | wc -l)" -gt 0 ]; do wait -n; done
for k in $fold_list; do
  fold="$work/fold$k"; ids=(${folds[$k]})
  for method in $methods; do
    [ -f "$fold/$method.bin" ] || { echo "fold $((k + 1)): training the $method model failed; see $fold"; exit 1; }
    view_args=(); [ "$method" = points ] && view_args=(--views "$views")
    "$sealion" count "$fold/test" --model "$fold/$method.bin" -o "$fold/$method-submission.csv" \
      --detections "$fold/$method-detections.csv" "${view_args[@]}" > /dev/null 2>&1
    tail -n +2 "$fold/$method-submission.csv" >> "$work/$method-submission.body"
    tail -n +2 "$fold/$method-detections.csv" >> "$work/$method-detections.body"
    for id in "${ids[@]}"; do
      [ -f "$sample/Train/$id.jpg" ] || continue
      mkdir -p "$fold/repaired-$id"; ln -sf "$work/repaired/$id.jpg" "$fold/repaired-$id/$id.jpg"
      "$sealion" count "$fold/repaired-$id" --model "$fold/$method.bin" -o "$fold/$method-repaired-$id.csv" \
        "${view_args[@]}" > /dev/null 2>&1
      echo "photo $id: plain $(grep "^$id," "$fold/$method-submission.csv" | cut -d, -f2-), repaired $(grep "^$id," "$fold/$method-repaired-$id.csv" | cut -d, -f2-)" >> "$work/$method-plain-vs-repaired.txt.new"
    done
  done
done
# The truth of the photos the chosen folds counted (all 12 unless CV_FOLDS chose fewer).
counted=" "; for k in $fold_list; do counted+="${folds[$k]} "; done
awk -F, -v ids="$counted" 'NR == 1 || index(ids, " " $1 " ") > 0' "$work/extract/counts.csv" > "$work/truth-counts.csv"
{ echo "train_id,class,x,y"; tail -n +2 "$work/extract/coords.csv" | awk -F, -v ids="$counted" 'index(ids, " " $1 " ") > 0'; } > "$work/truth-points.csv"
photos_counted=$(($(wc -l < "$work/truth-counts.csv") - 1))

for method in $methods; do
  { echo "$header"; sort -t, -k1,1n "$work/$method-submission.body"; } > "$work/cv-$method-submission.csv"
  { echo "test_id,class,x,y,score"; cat "$work/$method-detections.body"; } > "$work/cv-$method-detections.csv"
  mv "$work/$method-plain-vs-repaired.txt.new" "$work/$method-plain-vs-repaired.txt"
  echo
  echo "== $method counter, cross-validated: each of $photos_counted photos counted by a model that never saw it"
  "$sealion" score "$work/cv-$method-submission.csv" "$work/truth-counts.csv" \
    --detections "$work/cv-$method-detections.csv" --truth-points "$work/truth-points.csv"
  if [ "$method" = points ]; then
    echo "detection settings each fold chose on its own validation photos (the default model takes their median):"
    for k in $fold_list; do
      echo "fold $((k + 1)): $(grep -o 'at threshold [0-9.]*, suppression [0-9.]*' "$work/fold$k/points-train.txt" | tail -1)"
    done
  fi
  echo "plain vs repaired copies, $method counter, counts per class (adult_males,subadult_males,adult_females,juveniles,pups):"
  cat "$work/$method-plain-vs-repaired.txt"
done

for baseline in points tiles; do
  model="$root/runs/main/points.bin"; [ "$baseline" = tiles ] && model="$root/runs/main/tiles.bin"
  [ -f "$model" ] || { echo "no $model: run 'make run' for the synthetic-only comparison"; continue; }
  mkdir -p "$work/synthetic-$baseline"; rm -f "$work/synthetic-$baseline/"*.jpg
  for id in $counted; do ln -s "$(test_image "$id")" "$work/synthetic-$baseline/$id.jpg"; done
  "$sealion" count "$work/synthetic-$baseline" --model "$model" -o "$work/synthetic-$baseline.csv" --detections "$work/synthetic-$baseline-detections.csv" > /dev/null 2>&1
  echo
  echo "== $baseline counter trained on synthetic photos only (make run), same $photos_counted photos"
  "$sealion" score "$work/synthetic-$baseline.csv" "$work/truth-counts.csv" --detections "$work/synthetic-$baseline-detections.csv" --truth-points "$work/truth-points.csv"
done
