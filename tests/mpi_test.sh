#!/usr/bin/env bash
# ctest distrib/mpi-same-bytes: `mpirun -np N sealion count|extract|patches` on this machine
# (1, 2 and 3 ranks; 3 is oversubscribed on 2 cores) writes the same bytes as one process
# without mpirun; a bad photo is reported by name with the rank and host that met it and the
# exit code says so; a single-process run loads no MPI library.
#
# usage: mpi_test.sh SEALION_BINARY MODEL        exit 77 (skipped) when mpirun is missing
set -euo pipefail
sealion="$(realpath "$1")"
model="$(realpath "$2")"
if ! command -v mpirun > /dev/null; then
  echo "SKIPPED: mpirun is not installed (scripts/install-deps.sh installs Open MPI)"; exit 77
fi
source "$(dirname "$0")/mpi_support.sh"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAILED: $*"; exit 1; }

"$sealion" synth -o survey --train 5 --test 7 --width 1000 --height 750 --seed 3 > /dev/null 2>&1

# The single-process reference, and proof that it does not load MPI.
LD_DEBUG=libs "$sealion" count survey/Test --model "$model" -o one.csv --detections one-det.csv \
  > /dev/null 2> one.log
if grep -q "libmpi" one.log; then fail "a run without mpirun loaded MPI: $(grep -m1 libmpi one.log)"; fi
"$sealion" extract survey -o extract-one > /dev/null 2>&1
"$sealion" patches survey --metadata extract-one/training_metadata.json -o patches-one \
  > /dev/null 2>&1

for ranks in 1 2 3; do
  run_mpi "$ranks" "$sealion" count survey/Test --model "$model" -o "n$ranks.csv" \
    --detections "n$ranks-det.csv" > "count$ranks.log" 2>&1 || { cat "count$ranks.log"; fail "count under $ranks rank(s)"; }
  cmp one.csv "n$ranks.csv" || fail "count's submission differs under $ranks rank(s)"
  cmp one-det.csv "n$ranks-det.csv" || fail "count's detections differ under $ranks rank(s)"
  run_mpi "$ranks" "$sealion" extract survey -o "extract$ranks" > "extract$ranks.log" 2>&1 \
    || { cat "extract$ranks.log"; fail "extract under $ranks rank(s)"; }
  for file in training_metadata.json coords.csv counts.csv extract_report.json; do
    cmp "extract-one/$file" "extract$ranks/$file" || fail "extract's $file differs under $ranks rank(s)"
  done
  run_mpi "$ranks" "$sealion" patches survey --metadata extract-one/training_metadata.json \
    -o "patches$ranks" > "patches$ranks.log" 2>&1 || { cat "patches$ranks.log"; fail "patches under $ranks rank(s)"; }
  diff -r patches-one "patches$ranks" > /dev/null || fail "patches' thumbnails or manifest differ under $ranks rank(s)"
  # One summary per job: the writer's.
  [ "$(grep -c '^counted ' "count$ranks.log")" = 1 ] || fail "expected one summary line under $ranks rank(s)"
  echo "ok: count, extract and patches under $ranks rank(s) wrote the same bytes as one process"
done

# Bad photos: named with the rank and host that read them; the others are counted; exit 1.
mkdir bad && cp survey/Test/*.jpg bad/
for id in 1 4 6; do head -c 2000 "survey/Test/$id.jpg" > "bad/$id.jpg"; done
set +e
run_mpi 3 "$sealion" count bad --model "$model" -o bad.csv > bad.log 2>&1
status=$?
set -e
[ "$status" -ne 0 ] || fail "a job with bad photos exited 0"
for id in 1 4 6; do
  grep -q "failed: bad/$id.jpg: .*(rank [0-9] on $(hostname))" bad.log \
    || { cat bad.log; fail "bad/$id.jpg is not reported with its rank and host"; }
done
[ "$(($(wc -l < bad.csv) - 1))" = 4 ] || fail "the 4 good photos were not all counted: $(cat bad.csv)"
echo "ok: bad photos reported by name, rank and host; the others counted; exit code $status"
