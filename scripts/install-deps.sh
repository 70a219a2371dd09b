#!/usr/bin/env bash
# Installs every Debian 12 package sealion needs to build, test and benchmark.
# Idempotent: only missing packages are installed. Needs root (or sudo).
set -euo pipefail

BUILD_PACKAGES=(
  build-essential cmake pkg-config git
  libopencv-dev libopencv-contrib-dev libjpeg62-turbo-dev zlib1g-dev libtorch-dev libopenblas-dev
  libtbb-dev  # contrib: xphoto, for `dedot --fill fsr`
  nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libopenmpi-dev openmpi-bin
  pybind11-dev python3-dev  # the Python module (src/sealion/python/)
)
# Python baselines for bench/, the headless browser for the report test, and QEMU to test on
# an emulated CPU without AVX-512 (tests/portable_test.sh).
EXTRA_PACKAGES=(
  python3-torch python3-skimage python3-opencv python3-numpy
  python3-pil  # JPEG quantisation tables for scripts/calibrate-jpeg.sh
  chromium bc util-linux time clang-format
  qemu-user
  iproute2  # ip netns for the two-host MPI test (tests/mpi_two_hosts_test.sh)
  clang     # libFuzzer builds for bench/fuzz.sh
  gdal-bin  # ogrinfo reads back the GeoJSON export (tests/export_ogrinfo_test.sh)
)

missing=()
for package in "${BUILD_PACKAGES[@]}" "${EXTRA_PACKAGES[@]}"; do
  # Read whole, not piped into grep -q: under pipefail a grep that stops at its match can break
  # the writer's pipe, and an installed package would be taken for a missing one.
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  if [ "$status" != "install ok installed" ]; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: missing ${missing[*]} and not root (no sudo); install them by hand" >&2
    exit 1
  fi
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
