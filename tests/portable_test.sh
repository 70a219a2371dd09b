#!/usr/bin/env bash
# ctest portable/no-avx512: the network paths of the real `sealion` program on a CPU without
# AVX-512, emulated by QEMU (`qemu-x86_64 -cpu Haswell`: AVX2, no AVX-512), in the environment a
# user would have: the environment the test is given, OPENBLAS_CORETYPE unset, and preset to
# Haswell as some machines have it. Results must equal
# the native run's within the tolerances below. A CPU-specific setting that leaks into the
# program or the tests (an AVX-512 kernel forced on OpenBLAS, say) makes the emulated runs die
# with SIGILL, and this test fail.
#
# Tolerances (the kernels differ, so the floating-point summation order differs):
#   training: every epoch's train and validation loss within 1e-3 relative of the native run's;
#   counting with one model: identical counts and counted tiles, scores within 1e-4.
#
# usage: portable_test.sh SEALION_BINARY        exit 77 (skipped) when qemu-user is missing
set -euo pipefail
if [ "${SEALION_SANITIZED:-0}" = 1 ]; then
  echo "SKIPPED: sanitizer build: AddressSanitizer's shadow memory does not run under qemu-user"
  exit 77
fi
sealion="$(realpath "$1")"
if [ "$(uname -m)" != "x86_64" ]; then
  echo "SKIPPED: this test emulates an x86-64 CPU without AVX-512 and runs only on x86-64 hosts"; exit 77
fi
if ! command -v qemu-x86_64 > /dev/null; then
  echo "SKIPPED: qemu-user is not installed (scripts/install-deps.sh installs it): cannot check a CPU without AVX-512"
  exit 77
fi
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cd "$work"

# The thread count is the only setting fixed here, for determinism; never a CPU type.
export OPENBLAS_NUM_THREADS=1
emulated() {  # emulated PRESET ARGS...: run sealion on the emulated CPU
  # PRESET: "inherited" keeps the environment this test was given (a CPU type leaking into the
  # test configuration is caught there), "unset" removes OPENBLAS_CORETYPE, anything else sets it.
  local preset="$1"; shift
  local -a env_args=(env)
  [ "$preset" != "inherited" ] && env_args+=(-u OPENBLAS_CORETYPE)
  [ "$preset" != "inherited" ] && [ "$preset" != "unset" ] && env_args+=("OPENBLAS_CORETYPE=$preset")
  # QEMU warns about CPU features TCG does not model (pcid, x2apic, ...): not our output.
  "${env_args[@]}" qemu-x86_64 -cpu Haswell "$sealion" "$@" 2> >(grep -v "TCG doesn't support" >&2)
}

check_cpu() {  # the emulated CPU must really lack AVX-512, or this test proves nothing
  emulated unset version | tee version.txt
  grep -q "avx512f no" version.txt || { echo "FAIL: the emulated CPU reports AVX-512"; exit 1; }
  grep -q "avx2 yes" version.txt || { echo "FAIL: the emulated CPU lacks AVX2"; exit 1; }
}
check_cpu

# Native: a tiny survey and its thumbnails (no network involved).
"$sealion" synth -o survey --train 1 --test 1 --width 160 --height 128 --seed 8 --layouts model > /dev/null
"$sealion" extract survey -o extracted > /dev/null
"$sealion" patches survey --metadata extracted/training_metadata.json -o patches --negatives-per-image 6 > /dev/null
echo "thumbnails: $(($(wc -l < patches/manifest.csv) - 1))"

train_args=(train patches --epochs 2 --batch 16 --threads 1 --seed 3 --val-fraction 0)
"$sealion" "${train_args[@]}" -o native.bin > train-native.txt 2>&1
photo=(survey/Test/*.jpg)
"$sealion" count "${photo[0]}" --model native.bin -o native.csv --detections native-tiles.csv --threads 1 > /dev/null 2>&1

compare_training() {  # compare_training A.training.json B.training.json
  /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(p))["history"] for p in sys.argv[1:3])
assert len(a) == len(b), f"epochs differ: {len(a)} vs {len(b)}"
for x, y in zip(a, b):
    for key in ("train_loss", "validation_loss"):
        if abs(x[key] - y[key]) > 1e-3 * max(1e-6, abs(x[key])):
            sys.exit(f"FAIL: epoch {x['epoch']} {key} {y[key]:.6f} vs native {x[key]:.6f} (tolerance 1e-3 relative)")
    print(f"  epoch {x['epoch']}: train loss {y['train_loss']:.6f} vs native {x['train_loss']:.6f}")
PY
}
compare_count() {  # compare_count A.csv A-tiles.csv B.csv B-tiles.csv
  cmp -s "$1" "$3" || { echo "FAIL: counts differ"; diff "$1" "$3"; exit 1; }
  /usr/bin/python3 - "$2" "$4" <<'PY'
import csv, sys
a, b = (list(csv.DictReader(open(p))) for p in sys.argv[1:3])
assert len(a) == len(b), f"FAIL: {len(b)} counted tiles vs native {len(a)}"
worst = 0.0
for x, y in zip(a, b):
    assert (x["class"], x["x"], x["y"]) == (y["class"], y["x"], y["y"]), f"FAIL: tile {y} vs native {x}"
    worst = max(worst, abs(float(x["score"]) - float(y["score"])))
assert worst <= 1e-4, f"FAIL: a score differs by {worst} (tolerance 1e-4)"
print(f"  {len(a)} counted tiles identical, largest score difference {worst:.2g}")
PY
}

run_emulated() {  # run_emulated PRESET: train and count on the emulated CPU, then compare
  local preset="$1"
  emulated "$preset" "${train_args[@]}" -o "emulated-$preset.bin" > "train-$preset.txt" 2>&1 ||
    { cat "train-$preset.txt"; echo "FAIL: training died on the emulated CPU (OPENBLAS_CORETYPE=$preset)"; return 1; }
  emulated "$preset" count "${photo[0]}" --model native.bin -o "count-$preset.csv" \
    --detections "tiles-$preset.csv" --threads 1 > "count-$preset.txt" 2>&1 ||
    { cat "count-$preset.txt"; echo "FAIL: counting died on the emulated CPU (OPENBLAS_CORETYPE=$preset)"; return 1; }
  if [ "$preset" = inherited ]; then echo "emulated CPU without AVX-512, environment as given (OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}):"; else echo "emulated CPU without AVX-512, OPENBLAS_CORETYPE=$preset:"; fi
  compare_training native.bin.training.json "emulated-$preset.bin.training.json"
  compare_count native.csv native-tiles.csv "count-$preset.csv" "tiles-$preset.csv"
}
# The environments run side by side (emulation is slow; each needs one core): the inherited one,
# OPENBLAS_CORETYPE unset, and the Haswell preset some machines have, if the inherited one lacks it.
presets=(inherited unset)
[ "${OPENBLAS_CORETYPE:-}" != "Haswell" ] && presets+=(Haswell)
echo "environment given: OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
pids=()
for preset in "${presets[@]}"; do
  run_emulated "$preset" > "result-$preset.txt" 2>&1 & pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
for preset in "${presets[@]}"; do cat "result-$preset.txt"; done
[ "$status" -eq 0 ] || exit 1
echo "portable: trained and counted on an emulated CPU without AVX-512; results equal the native ones"
