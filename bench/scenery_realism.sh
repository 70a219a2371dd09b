#!/usr/bin/env bash
# How real do synthetic surveys look? (issue 13) The point counter is trained on synthetic photos
# only, and counts real photos it never saw; the lower its error there, the closer the synthetic
# photos are to real ones. Two kinds of synthetic survey, everything else equal:
#   drawn: drawn animals on drawn scenery (what `synth` makes without the sample);
#   real:  the sample's real chips cloned onto real scenery (`synth --chips --scenery`).
# Two folds by photo: the real survey's scenery and chips come from one half of the 12 sample
# photos, and the model counts the other half (chips exist for 41, 42 and 44-50 only), so no
# photo that is counted lent its ground or its animals. Counted: plain copies (42, 44, 50, with
# the dotted copy's black masks) or dotted copies with the dots removed, as in bench/real_cv.sh,
# whose folder of test copies this reuses (run it first, or set SEALION_CV_DIR to its folder).
#
# Settings (environment): REALISM_DIR (runs/scenery-realism), REALISM_PHOTOS (16 synthetic
# training photos per survey), REALISM_EPOCHS (30), SEALION_CV_DIR (runs/real-cv).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(dirname "$here")"
sealion="${SEALION_BINARY:-$root/build/src/sealion/sealion}"
source "$here/cv_folds.sh"
sample="${SEALION_KAGGLE_SAMPLE_DIR:-$root/../shared/data/kaggle-sample}"
cv="${SEALION_CV_DIR:-$root/runs/real-cv}"
work="${REALISM_DIR:-$root/runs/scenery-realism}"
photos="${REALISM_PHOTOS:-16}"; epochs="${REALISM_EPOCHS:-30}"
[ -d "$cv/test-copies" ] || { echo "no $cv/test-copies: run bench/real_cv.sh first"; exit 1; }
mkdir -p "$work"; work="$(cd "$work" && pwd)"
halves=("42 2 10 44 3 21" "50 8 49 41 45 9")
header="train_id,adult_males,subadult_males,adult_females,juveniles,pups"

for k in 0 1; do
  source_ids=(${halves[$k]}); test_ids=(${halves[$((1 - k))]})
  fold="$work/fold$k"; mkdir -p "$fold/chips" "$fold/test"
  # The half that lends scenery and chips.
  awk -F, -v ids=" ${source_ids[*]} " 'NR == 1 || index(ids, " " $1 " ") > 0' \
    "$cv/extract/coords.csv" > "$fold/scenery-coords.csv"
  link_chips "$sample" "$fold/chips" only "${source_ids[*]}"
  rm -f "$fold/test/"*; for id in "${test_ids[@]}"; do ln -s "$cv/test-copies/$id.jpg" "$fold/test/$id.jpg"; done
  for kind in drawn real; do
    survey="$fold/$kind-survey" model="$fold/$kind.bin"
    if [ ! -f "$survey/train_coords.csv" ]; then
      extra=(); [ "$kind" = real ] && extra=(--chips "$fold/chips" --scenery "$sample" --scenery-coords "$fold/scenery-coords.csv")
      "$sealion" synth -o "$survey" --replace --train "$photos" --test 0 --seed $((k + 1)) \
        "${extra[@]}" > "$fold/$kind-synth.txt" 2>&1
    fi
    if [ ! -f "$model" ]; then
      resume=(); [ -f "$model.checkpoint" ] && resume=(--resume "$model.checkpoint")
      "$sealion" train --method points "$survey" --coords "$survey/train_coords.csv" -o "$model" \
        --epochs "$epochs" --val-fraction 0.2 --seed 1 --validate-every 10 "${resume[@]}" \
        > "$fold/$kind-train.txt" 2>&1
    fi
    "$sealion" count "$fold/test" --model "$model" -o "$fold/$kind-submission.csv" > /dev/null 2>&1
  done
  echo "fold $((k + 1))/2: scenery and chips from ${source_ids[*]}; counted ${test_ids[*]}"
done
for kind in drawn real; do
  { echo "$header"; for k in 0 1; do tail -n +2 "$work/fold$k/$kind-submission.csv"; done | sort -t, -k1,1n; } > "$work/$kind-submission.csv"
  echo
  echo "== point counter trained on $kind synthetic photos only, counting the 12 real photos"
  "$sealion" score "$work/$kind-submission.csv" "$cv/extract/counts.csv"
done
