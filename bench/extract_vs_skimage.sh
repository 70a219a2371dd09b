#!/usr/bin/env bash
# Benchmark: `sealion extract` against the seed's Python extraction (scikit-image blob_log) on the
# same real photos (the pairs of the Kaggle sample), in one run, on the same cores.
# Prints images/s of each and the ratio, and the counts of each against train.csv.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
sealion="${SEALION_BINARY:-$root/build/src/sealion/sealion}"
sample="${SEALION_KAGGLE_SAMPLE_DIR:-$root/../shared/data/kaggle-sample}"
ids="42 44 50"
if [ ! -d "$sample/Train" ]; then
  echo "extract_vs_skimage: real sample not found at $sample (third-party data; skipped)"; exit 0
fi
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cores=$(nproc)
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

# Seconds of sealion's own work on the photos (its "done in" line), like the Python timer, which
# starts after the interpreter and its imports are loaded; process start is reported apart.
time_sealion() {  # threads -> seconds
  local pin=""
  [ "$1" = 1 ] && pin="taskset -c 0"  # one core, like the Python baseline
  $pin "$sealion" extract "$sample" -o "$work/out$1" --ids "${ids// /,}" --threads "$1" --fresh > "$work/log$1" 2>&1
  grep -o 'done in [0-9.]* s' "$work/log$1" | tail -1 | awk '{print $3}'
}
start=$(date +%s.%N)
taskset -c 0 "$sealion" version > /dev/null
startup=$(echo "$(date +%s.%N) - $start" | bc -l)
sealion_1=$(time_sealion 1)
sealion_2=$(time_sealion 2)
taskset -c 0 /usr/bin/python3 "$here/python/seed_extract.py" "$sample" $ids > "$work/python.txt"
python_s=$(awk '/^seconds/ {print $2}' "$work/python.txt")
n=$(echo $ids | wc -w)

echo "extract on real photos $ids ($cores cores)"
printf "%-38s %10s %10s\n" "implementation" "seconds" "images/s"
printf "%-38s %10.2f %10.2f\n" "python seed (skimage blob_log), 1 core" "$python_s" "$(echo "$n / $python_s" | bc -l)"
printf "%-38s %10.2f %10.2f\n" "sealion extract, 1 core (taskset)" "$sealion_1" "$(echo "$n / $sealion_1" | bc -l)"
printf "%-38s %10.2f %10.2f\n" "sealion extract --threads 2" "$sealion_2" "$(echo "$n / $sealion_2" | bc -l)"
printf "speed-up, same single core: %.1fx (sealion's process start, loading LibTorch, adds %.2f s per run)\n" \
  "$(echo "$python_s / $sealion_1" | bc -l)" "$startup"
echo "counts (adult_males..pups): python seed vs sealion vs train.csv"
for id in $ids; do
  printf "  %s  python %-16s sealion %-16s truth %s\n" "$id" \
    "$(awk -v id=$id '$1==id {print $2","$3","$4","$5","$6}' "$work/python.txt")" \
    "$(awk -F, -v id=$id '$1==id {print $2","$3","$4","$5","$6}' "$work/out1/counts.csv")" \
    "$(awk -F, -v id=$id '$1==id {print $2","$3","$4","$5","$6}' "$sample/train.csv")"
done
