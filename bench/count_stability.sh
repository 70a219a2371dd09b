#!/usr/bin/env bash
# How steady is a point model's count? (issue 13) The plain-vs-repaired check asks that a model
# count a plain photo and its dotted copy with the dots removed within one animal per class. This
# puts that difference beside the model's own noise: the same model counts the plain copy (with
# the dotted copy's black masks, as real_cv.sh counts it), copies of it that no biologist would
# call different (re-encoded as JPEG 95 and 90; cropped by 1, 2, 4, 8 and 16 px at the top left,
# written losslessly), and the repaired dotted copy. Printed per photo: each copy's counts, the
# spread (largest minus smallest count per class) over the plain copy and its perturbed copies,
# and the plain-vs-repaired difference. A difference within the spread cannot be told from the
# model's noise; a model that read repair marks would push the repaired copy outside it.
#
# Usage: bench/count_stability.sh [MODEL [IDS]]  (default: the shipped model and 42,44,50, the
# photos with a plain copy; the shipped model trained on them, so pass a real_cv.sh fold model
# and its held-out id for a photo the model never saw, e.g. runs/real-cv/fold0/points.bin 42).
# Settings (environment): SEALION_STABILITY_DIR (runs/count-stability: derived copies of
# third-party photos, outside the tracked tree), STABILITY_FILL (mixed: dedot's --fill for the
# repaired copy, the shipped model's training fill), STABILITY_VIEWS (-1: the model's own views),
# SEALION_KAGGLE_SAMPLE_DIR.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(dirname "$here")"
sealion="${SEALION_BINARY:-$root/build/src/sealion/sealion}"
sample="${SEALION_KAGGLE_SAMPLE_DIR:-$root/../shared/data/kaggle-sample}"
model="$(readlink -f "${1:-$root/models/sealion-points-real.bin}")"; ids="${2:-42,44,50}"
# Absolute: the count inputs are symbolic links to the copies.
work="$(realpath -m "${SEALION_STABILITY_DIR:-$root/runs/count-stability}")"
fill="${STABILITY_FILL:-mixed}"; views="${STABILITY_VIEWS:--1}"
if [ ! -d "$sample/Train" ]; then
  echo "count_stability: the real sample is not at $sample (third-party data, never in the repository)"
  exit 1
fi
[ -f "$model" ] || { echo "count_stability: no model at $model"; exit 1; }
mkdir -p "$work"
[ -f "$work/extract/coords.csv" ] ||
  "$sealion" extract "$sample" -o "$work/extract" --include-mismatched > "$work/extract.txt"
# Derived copies, made once per photo (the repaired one once per fill; a model change reuses them).
copies="$work/copies"
for id in ${ids//,/ }; do
  [ -f "$sample/Train/$id.jpg" ] || { echo "count_stability: photo $id has no plain copy in $sample/Train"; exit 1; }
  [ -f "$copies/repaired-$fill/$id.jpg" ] || "$sealion" dedot "$sample" --coords "$work/extract/coords.csv" \
    --ids "$id" --fill "$fill" -o "$copies/repaired-$fill" > /dev/null
  [ -f "$copies/plain/$id.jpg" ] || "$sealion" dedot "$sample" --coords "$work/extract/coords.csv" \
    --ids "$id" --fill "$fill" --plain-where-matching -o "$copies/plain" > /dev/null
done
/usr/bin/python3 - "$copies" "$ids" <<'PY'
import os, sys
import cv2
copies, ids = sys.argv[1], sys.argv[2].split(",")
for photo in ids:
    image = None
    for name, quality in (("jpeg95", 95), ("jpeg90", 90)):
        path = f"{copies}/{name}/{photo}.jpg"
        if os.path.exists(path): continue
        image = cv2.imread(f"{copies}/plain/{photo}.jpg") if image is None else image
        os.makedirs(os.path.dirname(path), exist_ok=True)
        cv2.imwrite(path + ".new.jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        os.replace(path + ".new.jpg", path)
    for shift in (1, 2, 4, 8, 16):
        path = f"{copies}/crop{shift}/{photo}.png"
        if os.path.exists(path): continue
        image = cv2.imread(f"{copies}/plain/{photo}.jpg") if image is None else image
        os.makedirs(os.path.dirname(path), exist_ok=True)
        cv2.imwrite(path + ".new.png", image[shift:, shift:])
        os.replace(path + ".new.png", path)
PY
# Counts, one folder per copy, kept per model (by its size and time), views, fill and photos, so
# a rerun with the same settings reuses them and any other setting counts afresh.
tag="$(basename "$model" .bin)-$(stat -c %s-%Y "$model")-views$views-$fill-${ids//,/-}"
results="$work/counts/$tag"; mkdir -p "$results"
names=(plain jpeg95 jpeg90 crop1 crop2 crop4 crop8 crop16 repaired)
for name in "${names[@]}"; do
  source="$copies/$name"; [ "$name" = repaired ] && source="$copies/repaired-$fill"
  input="$results/input-$name"; rm -rf "$input"; mkdir -p "$input"
  for id in ${ids//,/ }; do ln -s "$(ls "$source/$id".*)" "$input/"; done
  if [ ! -f "$results/$name.csv" ]; then
    "$sealion" count "$input" --model "$model" --views "$views" -o "$results/$name.csv" \
      > "$results/$name.txt" 2>&1 || { echo "count_stability: counting $name failed, see $results/$name.txt"; exit 1; }
  fi
done
echo "model $model, views $views; repaired copies: dedot --fill $fill"
/usr/bin/python3 - "$results" "${names[@]}" <<'PY'
import csv, sys
results, names = sys.argv[1], sys.argv[2:]
counts = {n: {r["test_id"]: [int(r[c]) for c in list(r)[1:6]] for r in csv.DictReader(open(f"{results}/{n}.csv"))}
          for n in names}
perturbed = [n for n in names if n != "repaired"]
fmt = lambda v: ",".join(str(x) for x in v)
largest_spread = largest_gap = 0
for photo in sorted(counts["plain"], key=int):
    print(f"photo {photo} (adult_males,subadult_males,adult_females,juveniles,pups)")
    for n in names: print(f"  {n:9s} {fmt(counts[n][photo])}")
    spread = [max(counts[n][photo][k] for n in perturbed) - min(counts[n][photo][k] for n in perturbed) for k in range(5)]
    gap = [abs(a - b) for a, b in zip(counts["plain"][photo], counts["repaired"][photo])]
    print(f"  spread over the plain copy and its 7 perturbed copies: {fmt(spread)}")
    print(f"  plain vs repaired difference:                          {fmt(gap)}")
    largest_spread, largest_gap = max(largest_spread, max(spread)), max(largest_gap, max(gap))
print(f"largest plain-vs-repaired difference {largest_gap}; largest spread of the plain copy's own "
      f"perturbations {largest_spread} (animals of one class in one photo)")
PY
