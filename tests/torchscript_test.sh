#!/usr/bin/env bash
# ctest count/torchscript: `sealion count --model MODULE.pt` with a TorchScript module exported
# from Python (Debian's python3-torch) and its JSON sidecar gives the same counts as the module
# counted in Python, for a tile classifier and for a heatmap module (tests/torchscript_models.py:
# BGR input, ImageNet normalisation, channels in another order, probabilities); a broken sidecar
# or module is refused by name.
#
# usage: torchscript_test.sh SEALION_BINARY      exit 77 (skipped) when python3-torch is missing
set -euo pipefail
sealion="$(realpath "$1")"
here="$(cd "$(dirname "$0")" && pwd)"
python=/usr/bin/python3
if ! "$python" -c "import torch, cv2" 2> /dev/null; then
  echo "SKIPPED: /usr/bin/python3 cannot import torch and cv2 (scripts/install-deps.sh installs python3-torch and python3-opencv)"
  exit 77
fi
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAILED: $*"; exit 1; }

"$sealion" synth -o survey --train 0 --test 3 --width 1000 --height 750 --seed 5 > /dev/null 2>&1
# PNG copies: Python and sealion then see the same pixels (no JPEG decoder differences).
mkdir photos
for photo in survey/Test/*.jpg; do
  "$python" -c "import cv2, sys; cv2.imwrite(sys.argv[2], cv2.imread(sys.argv[1]))" \
    "$photo" "photos/$(basename "$photo" .jpg).png"
done
OMP_NUM_THREADS=1 "$python" "$here/torchscript_models.py" modules photos/*.png

for method in tiles points; do
  "$sealion" count photos --model "modules/$method.pt" -o "$method.csv" > "$method.log" 2>&1 ||
    fail "count with modules/$method.pt: $(cat "$method.log")"
  "$python" - "$method" "$method.csv" modules/expected.json <<'PY'
import csv, json, sys
method, submission, expected = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))[sys.argv[1]]
got = {row["test_id"]: [int(row[c]) for c in ("adult_males", "subadult_males", "adult_females", "juveniles", "pups")]
       for row in csv.DictReader(open(submission))}
assert sorted(got) == sorted(expected), f"{method}: photos {sorted(got)} vs {sorted(expected)}"
total = 0
for photo, counts in sorted(expected.items()):
    assert got[photo] == counts, f"{method}, photo {photo}: sealion {got[photo]}, Python {counts}"
    total += sum(counts)
assert total > 0, f"{method}: the module counted nothing; the test would prove little"
print(f"{method}: identical counts on {len(expected)} photos ({total} animals)")
PY
done
grep -q "TorchScript module" points.log || fail "count did not say it used the TorchScript module"

# Refused by name: no sidecar, a sidecar naming the wrong channels or a view count that is not
# 1, 2, 4 or 8, a module that is not one.
cp modules/points.pt lonely.pt
if "$sealion" count photos --model lonely.pt -o x.csv > err.log 2>&1; then fail "a module without a sidecar was accepted"; fi
grep -q "lonely.pt.json" err.log || fail "no sidecar: $(cat err.log)"
cp modules/points.pt wrong.pt
sed 's/"heatmap"/"heat"/' modules/points.pt.json > wrong.pt.json
if "$sealion" count photos --model wrong.pt -o x.csv > err.log 2>&1; then fail "a wrong sidecar was accepted"; fi
grep -q 'wrong.pt.json.*heatmap' err.log || fail "wrong sidecar: $(cat err.log)"
cp modules/points.pt views.pt
"$python" -c "import json, sys; s = json.load(open(sys.argv[1])); s['detection']['views'] = 3; json.dump(s, open(sys.argv[2], 'w'))" \
  modules/points.pt.json views.pt.json
if "$sealion" count photos --model views.pt -o x.csv > err.log 2>&1; then fail "a sidecar with 3 views was accepted"; fi
grep -q 'views.pt.json.*detection.views must be 1, 2, 4 or 8' err.log || fail "3 views: $(cat err.log)"
head -c 300 modules/points.pt > cut.pt; cp modules/points.pt.json cut.pt.json
if "$sealion" count photos --model cut.pt -o x.csv > err.log 2>&1; then fail "a cut module was accepted"; fi
grep -q 'cut.pt: not a loadable TorchScript module' err.log || fail "cut module: $(cat err.log)"
echo "PASSED"
