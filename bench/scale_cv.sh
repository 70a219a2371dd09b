#!/usr/bin/env bash
# Does `sealion scale` find the scale of a survey flown at another altitude? (issue 13) For each
# fold of a `bench/real_cv.sh` run, the fold's three held-out photos (as the cross-validation
# counts them) are resized by each factor of SCALE_FACTORS, as if flown lower or higher; `sealion
# scale` estimates the scale from those three photos with the fold's model (its default grid),
# and the model counts the resized photos at scale 1 (nothing done), at the estimate, and at the
# exact inverse of the factor. Printed: each fold's estimates, then the mean RMSE over all folds'
# photos of each way of counting, per factor. A fold's three photos are a small survey (`scale`
# counts up to 8 by default): the estimate is noisier than a survey's would be.
#
# Usage: bench/scale_cv.sh CV_DIR  (a SEALION_CV_DIR of real_cv.sh, its folds trained)
# Settings (environment): SCALE_FOLDS (the folds, "0 1 2 3"; the table scores every fold done in
# CV_DIR/scale-cv so far), SCALE_FACTORS ("0.77 1 1.3"), SCALE_VIEWS (views of scale and count,
# 2), SCALE_THRESHOLD (of scale and count, 0.375: the threshold the cross-validation of the
# shipped design counts at), SCALE_THREADS (--threads, 0: every core). Work files go to
# CV_DIR/scale-cv/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(dirname "$here")"
sealion="${SEALION_BINARY:-$root/build/src/sealion/sealion}"
[ $# -eq 1 ] || { echo "usage: $0 CV_DIR"; exit 2; }
cv="$1"; work="$cv/scale-cv"; views="${SCALE_VIEWS:-2}"; threads="${SCALE_THREADS:-0}"
threshold="${SCALE_THRESHOLD:-0.375}"
mkdir -p "$work"
# count_at FOLD PHOTOS SCALE OUT: the fold's model counts PHOTOS at SCALE into OUT, unless done.
count_at() {
  [ -f "$4" ] && return 0
  "$sealion" count "$2" --model "$1/points.bin" --views "$views" --threshold "$threshold" \
    --scale "$3" --threads "$threads" -o "$4" > "$4.log" 2>&1 ||
    { echo "scale_cv: counting $2 failed, see $4.log"; exit 1; }
  rm -f "$4.journal"
}
for factor in ${SCALE_FACTORS:-0.77 1 1.3}; do
  inverse=$(/usr/bin/python3 -c "print(round(1 / $factor, 2))")
  for k in ${SCALE_FOLDS:-0 1 2 3}; do
    fold="$cv/fold$k"
    [ -f "$fold/points.bin" ] || { echo "scale_cv: $fold has no points.bin"; exit 1; }
    name=$(basename "$fold"); photos="$work/$factor/$name"
    if [ ! -d "$photos" ]; then
      mkdir -p "$photos.new"
      /usr/bin/python3 - "$fold/test" "$photos.new" "$factor" <<'PY'
import os, sys, cv2
source, target, factor = sys.argv[1], sys.argv[2], float(sys.argv[3])
for name in sorted(os.listdir(source)):
    image = cv2.imread(os.path.join(source, name))
    if factor != 1:
        image = cv2.resize(image, None, fx=factor, fy=factor,
                           interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR)
    cv2.imwrite(os.path.join(target, os.path.splitext(name)[0] + ".png"), image)
PY
      mv "$photos.new" "$photos"
    fi
    estimate_file="$work/$factor/$name.scale.txt"
    if [ ! -f "$estimate_file" ]; then
      "$sealion" scale "$photos" --model "$fold/points.bin" --views "$views" --threshold "$threshold" \
        --threads "$threads" \
        > "$estimate_file.new" 2> "$estimate_file.log" ||
        { echo "scale_cv: scale failed, see $estimate_file.log"; exit 1; }
      mv "$estimate_file.new" "$estimate_file"
    fi
    estimate=$(sed -n 's/^estimated scale: \([0-9.]*\);.*/\1/p' "$estimate_file")
    echo "factor $factor, $name ($(ls "$photos" | tr '\n' ' ')): estimated $estimate (exact $inverse)"
    count_at "$fold" "$photos" 1 "$work/$factor/$name-at-1.csv"
    count_at "$fold" "$photos" "$estimate" "$work/$factor/$name-at-estimate.csv"
    count_at "$fold" "$photos" "$inverse" "$work/$factor/$name-at-exact.csv"
  done
done
/usr/bin/python3 - "$cv/extract/counts.csv" "$work" ${SCALE_FACTORS:-0.77 1 1.3} <<'PY'
import csv, glob, math, sys
classes = ["adult_males", "subadult_males", "adult_females", "juveniles", "pups"]
truth = {r["train_id"]: [int(r[c]) for c in classes] for r in csv.DictReader(open(sys.argv[1]))}
work = sys.argv[2]
print("photos resized by   counted at 1   at the estimate   at the exact inverse   (mean RMSE)")
for factor in sys.argv[3:]:
    cells = []
    for way in ("at-1", "at-estimate", "at-exact"):
        counts = {}
        for path in glob.glob(f"{work}/{factor}/fold*-{way}.csv"):
            for r in csv.DictReader(open(path)):
                counts[r["test_id"]] = [int(r[c]) for c in classes]
        rmse = [math.sqrt(sum((counts[p][k] - truth[p][k]) ** 2 for p in counts) / len(counts))
                for k in range(5)]
        cells.append(f"{sum(rmse) / 5:.3f} ({len(counts)} photos)")
    print(f"{factor:<19} " + "   ".join(cells))
PY
