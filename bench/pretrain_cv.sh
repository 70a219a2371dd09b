#!/usr/bin/env bash
# Does pre-training on synthetic surveys help the counters on real photos? (issue 13: "pre-train on
# synthetic surveys and fine-tune on real photos".) For each fold of bench/real_cv.sh, a synthetic
# survey is made from what that fold may see: real chips and real scenery of its 9 training photos
# only (chips of photos the cross-validation never counts, 46-48, too) and animal layouts from
# reference_coords.csv without the fold's held-out photos. A model of each counter is trained on
# that survey alone; it counts the fold's held-out photos (the synthetic-only figure of this run),
# and then bench/real_cv.sh fine-tunes it on the fold's real photos (`train --init`) with the
# settings given to it (CV_*), so that the run compares with a real_cv.sh run from random weights
# at the same settings.
#
# Usage: SEALION_CV_DIR=runs/real-cv-pretrain [CV_*...] bash bench/pretrain_cv.sh
# Settings (environment): PRETRAIN_PHOTOS (16 synthetic training photos a fold), PRETRAIN_EPOCHS
# (60, point counter), PRETRAIN_TILE_EPOCHS (8, tile counter), and bench/real_cv.sh's (CV_FOLDS,
# CV_METHODS, CV_JOBS, CV_THREADS, CV_SEED, ...), which also apply to the pre-training: another
# CV_SEED makes other synthetic surveys and pre-trains from other weights, so a replicate repeats
# both stages (CV_SEED=1 makes the surveys and models of the runs before 2026-12-06). Every step
# resumes after a kill. The synthetic photos are derived from the third-party sample: they stay
# under SEALION_CV_DIR, outside the tracked tree.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(dirname "$here")"
sealion="${SEALION_BINARY:-$root/build/src/sealion/sealion}"
sample="${SEALION_KAGGLE_SAMPLE_DIR:-$root/../shared/data/kaggle-sample}"
work="${SEALION_CV_DIR:-$root/runs/real-cv-pretrain}"
methods="${CV_METHODS:-points tiles}"; fold_list="${CV_FOLDS:-0 1 2 3}"
jobs="${CV_JOBS:-1}"; threads="${CV_THREADS:-0}"
photos="${PRETRAIN_PHOTOS:-16}"; epochs="${PRETRAIN_EPOCHS:-60}"; seed="${CV_SEED:-1}"
tile_epochs="${PRETRAIN_TILE_EPOCHS:-8}"
source "$here/cv_folds.sh"
if [ ! -d "$sample/TrainDotted" ]; then
  echo "pretrain_cv: the real sample is not at $sample (third-party data, never in the repository)"; exit 1
fi
mkdir -p "$work/pretrain"; work="$(cd "$work" && pwd)"; pretrain="$work/pretrain"
"$sealion" extract "$sample" -o "$pretrain/extract" --include-mismatched > "$pretrain/extract.txt"
# The copies real_cv.sh counts (plain where usable, repaired otherwise), for the synthetic-only counts.
"$sealion" dedot "$sample" --coords "$pretrain/extract/coords.csv" -o "$pretrain/test-copies" \
  --plain-where-matching --fill "${CV_DOT_FILL:-telea}" > /dev/null

# pretrain_fold K: the fold's synthetic survey, its synthetic-only models, their counts.
pretrain_fold() {
  local k="$1" held=" ${cv_folds[$1]} " fold="$pretrain/fold$1" id
  mkdir -p "$fold/test"
  awk -F, -v ids="$held" 'NR == 1 || index(ids, " " $1 " ") == 0' \
    "$pretrain/extract/coords.csv" > "$fold/scenery-coords.csv"
  awk -F, -v ids="$held" 'NR == 1 || index(ids, " " $1 " ") == 0' \
    "$sample/reference_coords.csv" > "$fold/layouts.csv"
  link_chips "$sample" "$fold/chips" except "${cv_folds[$k]}"
  rm -f "$fold/test/"*
  for id in ${cv_folds[$k]}; do ln -s "$pretrain/test-copies/$id.jpg" "$fold/test/$id.jpg"; done
  local survey="$fold/survey"
  if [ ! -f "$survey/train_coords.csv" ]; then
    "$sealion" synth -o "$survey" --replace --train "$photos" --test 0 \
      --seed $(((seed - 1) * 4 + k + 1)) --threads "$threads" --layouts "$fold/layouts.csv" \
      --chips "$fold/chips" --scenery "$sample" --scenery-coords "$fold/scenery-coords.csv" \
      > "$fold/synth.txt" 2>&1
  fi
  local method model resume
  for method in $methods; do
    model="$fold/$method.bin"; resume=()
    [ -f "$model.checkpoint" ] && resume=(--resume "$model.checkpoint")
    if [ ! -f "$model" ] && [ "$method" = points ]; then
      "$sealion" train --method points "$survey" --coords "$survey/train_coords.csv" -o "$model" \
        --epochs "$epochs" --crops-per-photo "${CV_CROPS:-48}" --scale-augment "${CV_SCALE:-0.3}" \
        --val-fraction 0.2 --validate-every 10 --seed "$seed" --threads "$threads" \
        --views "${CV_VIEWS:-1}" "${resume[@]}" > "$fold/points-train.txt" 2>&1
    elif [ ! -f "$model" ]; then
      [ -f "$survey/extract/training_metadata.json" ] ||
        "$sealion" extract "$survey" -o "$survey/extract" > "$fold/extract.txt" 2>&1
      [ -f "$fold/patches/manifest.csv" ] ||
        "$sealion" patches "$survey" --metadata "$survey/extract/training_metadata.json" \
          -o "$fold/patches" > "$fold/patches.txt" 2>&1
      "$sealion" train --method tiles "$fold/patches" -o "$model" --epochs "$tile_epochs" \
        --scale-augment "${CV_SCALE:-0.3}" --val-fraction 0.2 --seed "$seed" --threads "$threads" \
        "${resume[@]}" > "$fold/tiles-train.txt" 2>&1
    fi
    # Counted once: a resumed run reuses the counts (count writes its CSV atomically, when done).
    [ -f "$fold/$method-submission.csv" ] && [ "$fold/$method-submission.csv" -nt "$model" ] && continue
    local view_args=(); [ "$method" = points ] && view_args=(--views "${CV_VIEWS:-1}")
    "$sealion" count "$fold/test" --model "$model" -o "$fold/$method-submission.csv" \
      --threads "$threads" "${view_args[@]}" > "$fold/$method-count.txt" 2>&1
  done
  echo "fold $((k + 1))/4: pre-trained on $photos synthetic photos from the other folds' chips and scenery"
}
for k in $fold_list; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
  pretrain_fold "$k" &
done
while [ "$(jobs -rp | wc -l)" -gt 0 ]; do wait -n; done

counted=" "; for k in $fold_list; do counted+="${cv_folds[$k]} "; done
awk -F, -v ids="$counted" 'NR == 1 || index(ids, " " $1 " ") > 0' \
  "$pretrain/extract/counts.csv" > "$pretrain/truth-counts.csv"
for method in $methods; do
  { echo "train_id,adult_males,subadult_males,adult_females,juveniles,pups"
    for k in $fold_list; do tail -n +2 "$pretrain/fold$k/$method-submission.csv"; done | sort -t, -k1,1n
  } > "$pretrain/$method-submission.csv"
  echo
  echo "== $method counter pre-trained on each fold's synthetic survey only, counting the fold's real photos"
  "$sealion" score "$pretrain/$method-submission.csv" "$pretrain/truth-counts.csv"
done
echo
echo "== fine-tuned on each fold's real photos (bench/real_cv.sh with CV_INIT_DIR=$pretrain)"
SEALION_CV_DIR="$work" CV_INIT_DIR="$pretrain" bash "$here/real_cv.sh"
