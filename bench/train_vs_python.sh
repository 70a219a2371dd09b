#!/usr/bin/env bash
# Benchmark of `sealion train` (issue 4): training samples/s against the same network, batch
# size and thumbnails in Python PyTorch, in one run. Two epochs each, no validation; the second
# epoch is compared (the first warms up allocators and oneDNN's kernels on both sides). The
# thumbnails are trained on as cut (--no-augment): the Python side does not augment them.
# Settings: PATCH_DIR (default runs/main/patches from `make run`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(dirname "$here")"
sealion="${SEALION_BINARY:-$root/build/src/sealion/sealion}"
patches="${PATCH_DIR:-$root/runs/main/patches}"
if [ ! -f "$patches/manifest.csv" ]; then echo "train_vs_python: no thumbnails at $patches; run 'make run' first"; exit 1; fi
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
export OPENBLAS_NUM_THREADS=1
"$sealion" train "$patches" -o "$work/m.bin" --epochs 2 --val-fraction 0 --threads 2 --batch 32 --no-augment > "$work/sealion.txt" 2>&1
sealion_rate=$(grep -o '[0-9.]* samples/s$' "$work/sealion.txt" | tail -1 | awk '{print $1}')
read -r samples seconds < <(cd "$here/python" && /usr/bin/python3 seed_train.py "$patches" 32 2 | awk '{print $2, $4}')
python_rate=$(echo "$samples / $seconds" | bc -l)
echo "training on $samples thumbnails, batch 32, Adam, 2 threads; second epoch of two"
printf "%-34s %10.0f samples/s\n" "sealion train (LibTorch C++)" "$sealion_rate" "python PyTorch, channels-last" "$python_rate"
printf "ratio sealion/python: %.2fx\n" "$(echo "$sealion_rate / $python_rate" | bc -l)"
