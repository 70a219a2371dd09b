#!/usr/bin/env bash
# scripts/calibrate-views.sh and scripts/model_header.py on a copy of the shipped model (8 views):
# thresholds for 1, 2 and 4 views land in its header, count --views 1 then uses them, the
# weights still load (their checksum is checked on load), and a file that is not a model is
# refused by name. Small synthetic photos: the calibration's numbers mean nothing here.
# usage: calibrate_views_test.sh SEALION MODEL
set -euo pipefail
sealion="$1" shipped="$2"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
"$sealion" synth -o "$work/survey" --train 0 --test 3 --width 640 --height 448 --seed 3 > /dev/null
cp "$shipped" "$work/model.bin"
python=/usr/bin/python3
header="$root/scripts/model_header.py"
"$python" "$header" "$work/model.bin" set detection.threshold_by_views '{}'
[ "$("$python" "$header" "$work/model.bin" get detection.views)" = 8 ] || fail "the copy is not an 8-view model"
out=$(SEALION_BINARY="$sealion" "$root/scripts/calibrate-views.sh" "$work/model.bin" "$work/survey/Test" "$work/cal" --write)
echo "$out"
for views in 1 2 4; do
  grep -q "^$views view(s): threshold 0\.[0-9]*" <<< "$out" || fail "no threshold for $views view(s)"
done
leftover=$(find "$work/cal" -name '*.journal')
[ -z "$leftover" ] || fail "spent count journals left in the work folder: $leftover"
table=$("$python" "$header" "$work/model.bin" get detection.threshold_by_views)
"$python" -c 'import json, sys; t = json.loads(sys.argv[1]); assert sorted(t) == ["1", "2", "4"], t; assert all(0 < v < 1 for v in t.values()), t' "$table" \
  || fail "bad table $table"
one=$("$python" -c 'import json, sys; print(json.loads(sys.argv[1])["1"])' "$table")
counted=$("$sealion" count "$work/survey/Test" --model "$work/model.bin" --views 1 -o "$work/one.csv" 2>&1) \
  || fail "count with the calibrated model failed: $counted"
grep -q "threshold $(printf '%.3f' "$one") for 1 view(s), calibrated against the model's 8 views" <<< "$counted" \
  || fail "count --views 1 did not use the calibrated threshold: $counted"
# A new threshold in the header, calibrated again from the same work folder: the reference is
# the 8 views filtered at the new threshold, as `count` counts at it, not a stale count.
"$python" "$header" "$work/model.bin" set detection.threshold 0.6
again=$(SEALION_BINARY="$sealion" "$root/scripts/calibrate-views.sh" "$work/model.bin" "$work/survey/Test" "$work/cal" --write)
reference=$(echo "$again" | sed -n 's/^1 view(s): .* against \([0-9]*\) with 8 views)$/\1/p')
"$sealion" count "$work/survey/Test" --model "$work/model.bin" -o "$work/at-new.csv" > /dev/null 2>&1 \
  || fail "count at the new threshold failed"
at_new=$("$python" -c 'import csv, sys; print(sum(int(v) for r in csv.DictReader(open(sys.argv[1])) for k, v in r.items() if k != "test_id"))' "$work/at-new.csv")
[ -n "$reference" ] && [ "$reference" = "$at_new" ] \
  || fail "reference after the threshold changed: '$reference' animals, count says $at_new: $again"
# Another model calibrated from the same work folder counts afresh: counts are kept by the
# weights that made them (an ensemble of the model with itself has other weights' bytes).
"$sealion" ensemble "$work/model.bin" "$work/model.bin" -o "$work/twice.bin" > /dev/null
other=$(SEALION_BINARY="$sealion" "$root/scripts/calibrate-views.sh" "$work/twice.bin" "$work/survey/Test" "$work/cal")
grep -q "calibrate-views: counting .* with 1 view(s)" <<< "$other" \
  || fail "a model with other weights reused the first model's counts: $other"
# The same weights after a header edit (the threshold above) reuse their counts.
if grep -q "calibrate-views: counting" <<< "$again"; then fail "a header edit counted again: $again"; fi
# Of equally good thresholds, the lowest, or the nearest to the one preferred.
"$python" - "$root/scripts" <<'PY' || fail "threshold_match's choice among equals"
import sys
sys.path.insert(0, sys.argv[1])
from threshold_match import counts_of, matching_threshold
detections = [("1", "pups", 0.3), ("1", "pups", 0.7)]
reference = counts_of([("1", "pups", 0.7)])  # one pup: any threshold in (0.3, 0.7]
assert matching_threshold(reference, detections)[0] == 0.305, matching_threshold(reference, detections)
assert matching_threshold(reference, detections, prefer=0.5)[0] == 0.5
assert matching_threshold(reference, detections, prefer=0.9)[0] == 0.7
PY
echo "not a model" > "$work/text.bin"
if error=$("$python" "$header" "$work/text.bin" get detection.views 2>&1); then fail "a text file was read as a model"; fi
grep -q "text.bin: not a sealion model file" <<< "$error" || fail "unclear error: $error"
echo "calibrate_views_test: ok (1 view at $one)"
