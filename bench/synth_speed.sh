#!/usr/bin/env bash
# Benchmark of `sealion synth` (issue 3): seconds per full-size photo pair on one core, and the
# extract round trip on that full-size survey (exact cells, dots within 2 px).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(dirname "$here")"
sealion="${SEALION_BINARY:-$root/build/src/sealion/sealion}"
pairs="${BENCH_PAIRS:-8}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
start=$(date +%s.%N)
taskset -c 0 "$sealion" synth -o "$work/survey" --train "$pairs" --test 0 --threads 1 --width 5616 --height 3744 --seed 5 > /dev/null 2>&1
seconds=$(echo "$(date +%s.%N) - $start" | bc -l)
printf "synth: %d full-size (5616x3744) photo pairs on one core in %.1f s: %.2f s per pair (plain + dotted JPEG)\n" \
  "$pairs" "$seconds" "$(echo "$seconds / $pairs" | bc -l)"
"$sealion" extract "$work/survey" -o "$work/extract" 2>/dev/null | tail -n 1 | sed 's/^/round trip, /'
/usr/bin/python3 - "$work" <<'PY'
import csv, sys, collections
work = sys.argv[1]
found = collections.defaultdict(list)
for r in csv.DictReader(open(f"{work}/extract/coords.csv")):
    found[(r["train_id"], r["class"])].append((int(r["x"]), int(r["y"])))
mismatched = set(open(f"{work}/survey/MismatchedTrainImages.txt").read().split()[1:])
total = within = 0
for r in csv.DictReader(open(f"{work}/survey/train_coords.csv")):
    if r["train_id"] in mismatched:
        continue
    total += 1
    x, y = int(r["x"]), int(r["y"])
    within += any(abs(x - fx) <= 2 and abs(y - fy) <= 2 for fx, fy in found[(r["train_id"], r["class"])])
print(f"round trip, dots: {within}/{total} true dots have an extracted dot of their class within 2 px")
PY
