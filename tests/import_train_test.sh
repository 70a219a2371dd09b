#!/usr/bin/env bash
# ctest formats/import-train: animals exported for an annotation tool come back as training data.
# A small synthetic survey's true animals are exported as VIAME CSV and COCO JSON (as if reviewed
# in DIVE), then `patches --metadata LABELS` and `train --method points --coords LABELS` take
# them on a folder of plain photos alone (Train/, no dotted copies): the thumbnails are cut at the
# same dots as from extract's training_metadata.json, and both trainers run on them.
#
# usage: import_train_test.sh SEALION_BINARY
set -euo pipefail
sealion="$(realpath "$1")"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAILED: $*"; exit 1; }

"$sealion" synth -o survey --train 3 --test 0 --width 1024 --height 768 --seed 11 \
  --masked-share 0 --rotated-share 0 --mismatched-share 0 > /dev/null 2>&1
"$sealion" extract survey -o extract > /dev/null 2>&1
# extract's dots as detections (score 1), exported as an annotator would receive them.
{ echo "test_id,class,x,y,score"; tail -n +2 extract/coords.csv | sed 's/$/,1/'; } > animals.csv
"$sealion" export animals.csv --format viame --photos survey/Train -o animals.viame.csv > /dev/null
"$sealion" export animals.csv --format coco --photos survey/Train -o animals.coco.json > /dev/null
mkdir -p reviewed/Train && cp survey/Train/*.jpg reviewed/Train/
animals=$(($(wc -l < extract/coords.csv) - 1))
[ "$animals" -gt 10 ] || fail "the survey has only $animals animals"

# Tiles: the same dot thumbnails (name, class, photo, dot, offsets) as from extract's metadata.
"$sealion" patches survey --metadata extract/training_metadata.json -o from-extract > /dev/null 2>&1
for labels in animals.viame.csv animals.coco.json; do
  "$sealion" patches reviewed --metadata "$labels" -o "from-$labels" > "$labels.patches.log" 2>&1 ||
    fail "patches with $labels: $(cat "$labels.patches.log")"
  grep -v non_seal from-extract/manifest.csv | sort > expected.rows
  grep -v non_seal "from-$labels/manifest.csv" | sort > got.rows
  cmp -s expected.rows got.rows || fail "$labels: other thumbnails than extract's: $(diff expected.rows got.rows | head -5)"
done
"$sealion" train --method tiles from-animals.viame.csv -o tiles.bin --epochs 1 --val-fraction 0 \
  > tiles.log 2>&1 || fail "train --method tiles: $(cat tiles.log)"

# Points: plain photos and COCO labels; the trainer sees every photo and animal.
"$sealion" train --method points reviewed --coords animals.coco.json -o points.bin --epochs 1 \
  --crops-per-photo 4 --crop 128 --val-fraction 0 > points.log 2>&1 || fail "train --method points: $(cat points.log)"
grep -q "3 photos ($animals animals" points.log || fail "points training did not see 3 photos of $animals animals: $(grep -m1 trained points.log)"
echo "PASSED: $animals animals through VIAME CSV and COCO JSON into both trainers"
