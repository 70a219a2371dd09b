#!/bin/bash
# Runs gpu_point_cv.py for every fold of every variant at once on one GPU machine (the device
# tool's machine: nothing here needs it to build or test), then merges the results.
#
# usage: bench/python/gpu_point_cv.sh CV_DIR OUT_DIR TRAIN_SECONDS [VARIANT:CROPS ...]
#   CV_DIR: a bench/real_cv.sh folder (test-copies/, repaired/, extract/coords.csv)
#   TRAIN_SECONDS: every process stops training by then, whatever its crop budget
#   VARIANT:CROPS: default base:460800 aa:460800 baselong:1843200 (460800 crops: the two
#   training stages of the shipped model); a variant starting with "aa" low-passes the input.
# Writes OUT_DIR/results.json (one entry per variant and fold), OUT_DIR/logs.txt and
# OUT_DIR/models.pt (every fold model's weights, half precision).
set -u
cv="$1" out="$2" seconds="$3"; shift 3
specs=("$@"); [ ${#specs[@]} -gt 0 ] || specs=(base:460800 aa:460800 baselong:1843200)
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-python3}"
work="$(mktemp -d)"; mkdir -p "$out"
# Kernels of several processes run side by side only under MPS; without it they take turns.
if command -v nvidia-cuda-mps-control > /dev/null && nvidia-cuda-mps-control -d 2> /dev/null; then
  echo "MPS daemon started"
else
  echo "no MPS: processes share the GPU by time slices"
fi
deadline=$(( $(date +%s) + seconds ))
for fold in 0 1 2 3; do
  for spec in "${specs[@]}"; do
    variant="${spec%%:*}" crops="${spec#*:}"
    "$python" "$here/gpu_point_cv.py" --images "$cv/test-copies" --repaired "$cv/repaired" \
      --coords "$cv/extract/coords.csv" --fold "$fold" --variant "$variant" --crops "$crops" \
      --deadline "$deadline" --out "$work/$variant-$fold.json" > "$work/$variant-$fold.log" 2>&1 &
  done
done
wait
for log in "$work"/*.log; do echo "== $(basename "$log")"; tail -n 20 "$log"; done > "$out/logs.txt"
cat "$out/logs.txt" | grep -v "^==" | tail -n 40
"$python" - "$work" "$out" <<'PY'
import glob, json, os, sys, torch
work, out = sys.argv[1], sys.argv[2]
results = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(work, "*.json")))]
json.dump(results, open(os.path.join(out, "results.json"), "w"))
models = {os.path.basename(p)[:-3]: torch.load(p) for p in sorted(glob.glob(os.path.join(work, "*.pt")))}
torch.save(models, os.path.join(out, "models.pt"))
print(f"{len(results)} results, {len(models)} models")
PY
