#!/usr/bin/env bash
# ctest formats/export-ogrinfo: `sealion export --format geojson` read back by GDAL. A synthetic
# survey of two photos; its true animals as detections; a world file (.jgw) beside one photo.
# Exporting both photos' detections is refused (one coordinate system per file) naming the photo
# without a world file, and a world file without --crs is refused asking for it. Then the first
# photo's detections with --crs EPSG:32602: `ogrinfo -al -so` must see every feature and EPSG
# 32602, and `ogrinfo -al` the first animal at the map coordinates computed here by hand from the
# world file (x_map = A * x + C, y_map = E * y + F: no rotation).
#
# usage: export_ogrinfo_test.sh SEALION_BINARY     exit 77 (skipped) when ogrinfo is missing
set -euo pipefail
sealion="$(realpath "$1")"
command -v ogrinfo > /dev/null || {
  echo "SKIPPED: ogrinfo is not installed (GDAL: apt-get install gdal-bin, or scripts/install-deps.sh)"
  exit 77
}
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAILED: $*"; exit 1; }

"$sealion" synth -o survey --train 0 --test 2 --width 1024 --height 768 --seed 3 > synth.log 2>&1 \
  || { cat synth.log; fail "sealion synth"; }
# Detections as `sealion count --detections` writes them: test_id,class,x,y,score.
{ echo "test_id,class,x,y,score"; tail -n +2 survey/test_coords.csv | sed 's/\r$//; s/$/,0.75/'; } \
  > detections.csv
mapfile -t ids < <(tail -n +2 detections.csv | cut -d, -f1 | sort -un)
[ "${#ids[@]}" -eq 2 ] || fail "expected animals on both photos, found them on ${#ids[@]}"
first="${ids[0]}"
# 0.5 m pixels, north up; the top-left pixel's centre at (500000.25, 7100000.75), UTM zone 2N.
printf '0.5\n0\n0\n-0.5\n500000.25\n7100000.75\n' > "survey/Test/$first.jgw"

if "$sealion" export detections.csv --format geojson --photos survey/Test --crs EPSG:32602 \
    -o mixed.geojson > mixed.log 2>&1; then
  fail "photos with and without a world file exported into one file"
fi
grep -q "photo ${ids[1]}.jpg has no world file" mixed.log || { cat mixed.log; fail "mixing message"; }
[ ! -e mixed.geojson ] || fail "a refused export left mixed.geojson behind"

{ head -n 1 detections.csv; grep "^$first," detections.csv; } > first.csv
if "$sealion" export first.csv --format geojson --photos survey/Test -o nocrs.geojson \
    > nocrs.log 2>&1; then
  fail "a world file without --crs accepted"
fi
grep -q -- "--crs EPSG:<code>" nocrs.log || { cat nocrs.log; fail "no request for --crs"; }

"$sealion" export first.csv --format geojson --photos survey/Test --crs EPSG:32602 \
  -o animals.geojson > export.log 2>&1 || { cat export.log; fail "sealion export"; }
cat export.log
animals=$(($(wc -l < first.csv) - 1))

ogrinfo -ro -al -so animals.geojson > summary.txt 2>&1 || { cat summary.txt; fail "ogrinfo -so"; }
grep -q "Feature Count: $animals\$" summary.txt || { cat summary.txt; fail "feature count $animals"; }
grep -q 'ID\["EPSG",32602\]' summary.txt || { cat summary.txt; fail "CRS is not EPSG:32602"; }
grep -q "Geometry: Point" summary.txt || { cat summary.txt; fail "not points"; }

# The first animal: its pixel position from the CSV, its map position by hand.
IFS=, read -r _ class x y _ < <(sed -n 2p first.csv)
expected=$(awk -v x="$x" -v y="$y" 'BEGIN { printf "%.3f %.3f", 0.5 * x + 500000.25, -0.5 * y + 7100000.75 }')
ogrinfo -ro -al animals.geojson > features.txt 2>&1 || { cat features.txt; fail "ogrinfo -al"; }
# The first "POINT (X Y)" line is the first feature's geometry.
read -r got_x got_y < <(grep -m 1 -o 'POINT ([^)]*)' features.txt | tr -d 'POINT()')
got=$(awk -v x="$got_x" -v y="$got_y" 'BEGIN { printf "%.3f %.3f", x, y }')
[ "$got" = "$expected" ] || fail "first animal ($x, $y) at map ($got), expected ($expected)"
grep -m 1 -q "class (String) = $class" features.txt || { head -n 40 features.txt; fail "class"; }
echo "ogrinfo: $animals points in EPSG:32602; pixel ($x, $y) at map ($got) as computed"
