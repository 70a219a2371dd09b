#!/usr/bin/env bash
# sealion scale with the shipped model on the real plain photos 42, 44 and 50 (in its training
# data) resized as if flown 30% higher (0.77) and 23% lower (1.3): the estimate must pick the
# scale that undoes the resize over one that does not (1.32 against 0.87 for the shrunk copies,
# 0.76 against 1.32 for the enlarged ones). Two scales a copy and one view, to stay quick; the
# full grid is measured in docs/real-photos.md ("An estimated scale"). Skips without the sample.
# usage: scale_test.sh SEALION MODEL
set -euo pipefail
sealion="$1" shipped="$2"
sample="${SEALION_KAGGLE_SAMPLE_DIR:-}"
if [ -z "$sample" ] || [ ! -f "$sample/Train/42.jpg" ]; then
  echo "real sample not found (set SEALION_KAGGLE_SAMPLE_DIR); it is third-party data that only development machines and CI have"
  exit 77
fi
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
for factor in 0.77 1.3; do
  mkdir -p "$work/$factor"
  /usr/bin/python3 - "$sample/Train" "$work/$factor" "$factor" <<'PY'
import sys, cv2
source, target, factor = sys.argv[1], sys.argv[2], float(sys.argv[3])
for photo in ("42", "44", "50"):
    image = cv2.imread(f"{source}/{photo}.jpg")
    resized = cv2.resize(image, None, fx=factor, fy=factor,
                         interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR)
    cv2.imwrite(f"{target}/{photo}.jpg", resized, [cv2.IMWRITE_JPEG_QUALITY, 95])
PY
done
shrunk=$("$sealion" scale "$work/0.77" --model "$shipped" --views 1 --scales 0.87,1.32 2>&1) \
  || fail "scale failed: $shrunk"
echo "$shrunk"
grep -q "^estimated scale: 1.32;" <<< "$shrunk" || fail "the photos shrunk to 0.77 were not estimated at 1.32"
enlarged=$("$sealion" scale "$work/1.3" --model "$shipped" --views 1 --scales 0.76,1.32 2>&1) \
  || fail "scale failed: $enlarged"
echo "$enlarged"
grep -q "^estimated scale: 0.76;" <<< "$enlarged" || fail "the photos enlarged to 1.3 were not estimated at 0.76"
echo "scale_test: passed"
