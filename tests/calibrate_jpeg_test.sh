#!/usr/bin/env bash
# scripts/calibrate-jpeg.sh on a copy of the shipped model: thresholds for JPEG qualities 20 and
# 50 land in its header with the photos' own quality (synth's 90) at the model's threshold,
# count then counts a photo saved at quality 20 at the calibrated threshold and the photos as
# synth wrote them at the model's own, and bad input is refused. Small synthetic photos: the
# calibration's numbers mean nothing here.
# usage: calibrate_jpeg_test.sh SEALION MODEL
set -euo pipefail
sealion="$1" shipped="$2"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
python=/usr/bin/python3
header="$root/scripts/model_header.py"
"$sealion" synth -o "$work/survey" --train 0 --test 3 --width 640 --height 448 --seed 4 > /dev/null
cp "$shipped" "$work/model.bin"
"$python" "$header" "$work/model.bin" set detection.threshold_by_jpeg_quality '{"10": 0.5}'
calibrate=("$root/scripts/calibrate-jpeg.sh" "$work/model.bin" "$work/survey/Test" "$work/cal")
out=$(QUALITIES="20 50" SEALION_BINARY="$sealion" "${calibrate[@]}" --write)
echo "$out"
for quality in 20 50; do
  grep -q "^JPEG quality $quality: threshold 0\.[0-9]*" <<< "$out" || fail "no threshold for quality $quality"
done
leftover=$(find "$work/cal" -name '*.journal')
[ -z "$leftover" ] || fail "spent count journals left in the work folder: $leftover"
own=$("$python" "$header" "$work/model.bin" get detection.threshold)
table=$("$python" "$header" "$work/model.bin" get detection.threshold_by_jpeg_quality)
"$python" -c 'import json, sys; t = json.loads(sys.argv[1]); assert sorted(t) == ["20", "50", "90"], t; assert all(0 < v < 1 for v in t.values()), t; assert abs(t["90"] - float(sys.argv[2])) < 1e-4, t' "$table" "$own" \
  || fail "bad table $table (own threshold $own)"
# JPEG_SHIFT writes the model's threshold plus the shift for every quality, counting nothing.
shifted=$(JPEG_SHIFT=0.05 QUALITIES="20 50" SEALION_BINARY="$sealion" "${calibrate[@]}" --write)
grep -q "threshold $(printf '%.3f' "$("$python" -c "print($own + 0.05)")")" <<< "$shifted" || fail "JPEG_SHIFT: $shifted"
table=$("$python" "$header" "$work/model.bin" get detection.threshold_by_jpeg_quality)
"$python" -c 'import json, sys; t = json.loads(sys.argv[1]); o = float(sys.argv[2]); assert abs(t["20"] - o - 0.05) < 1e-4 and abs(t["50"] - o - 0.05) < 1e-4 and abs(t["90"] - o) < 1e-4, t' "$table" "$own" \
  || fail "JPEG_SHIFT table $table (own threshold $own)"
# A shifted threshold for a photo saved at 20 (the copy calibrate-jpeg made), none for synth's.
# Checked on the JPEG_SHIFT table, whose shift is known: a self-agreement table may shift by
# nothing for some model (the shipped one of 2026-12-05 on these photos: 0.325 at 20).
at20=$("$python" -c 'import json, sys; t = json.loads(sys.argv[1]); print("%.3f" % (float(sys.argv[2]) + t["20"] - t["90"]))' "$table" "$own")
mkdir -p "$work/hard"; cp "$work/cal/q20/$(ls "$work/cal/q20" | grep jpg | head -1)" "$work/hard/7.jpg"
counted=$("$sealion" count "$work/hard" --model "$work/model.bin" --views 1 --threshold "$own" -o "$work/user.csv" 2>&1)
grep -q "JPEG quality" <<< "$counted" && fail "a threshold of the user's own was shifted: $counted"
counted=$("$sealion" count "$work/hard" --model "$work/model.bin" -o "$work/hard.csv" 2>&1) \
  || fail "count with the calibrated model failed: $counted"
grep -q "photo 7: JPEG quality 20, threshold $at20 (the model's calibration" <<< "$counted" \
  || fail "the photo at quality 20 was not counted at $at20: $counted"
counted=$("$sealion" count "$work/survey/Test" --model "$work/model.bin" -o "$work/as-written.csv" 2>&1)
grep -q "JPEG quality" <<< "$counted" && fail "synth's photos (quality 90) were shifted: $counted"
# Photos no better than a quality to calibrate, and a missing model, are refused by name.
if error=$(QUALITIES="20 90" SEALION_BINARY="$sealion" "${calibrate[@]}" 2>&1); then fail "quality 90 photos calibrated for 90"; fi
grep -q "must be above every quality calibrated" <<< "$error" || fail "unclear error: $error"
if error=$(SEALION_BINARY="$sealion" "$root/scripts/calibrate-jpeg.sh" "$work/none.bin" "$work/survey/Test" "$work/x" 2>&1); then fail "a missing model was calibrated"; fi
grep -q "no model file $work/none.bin" <<< "$error" || fail "unclear error: $error"
echo "calibrate_jpeg_test: ok (quality 20 at $at20, the model's own $own)"
