#!/usr/bin/env bash
# Fails when a C++ source differs from .clang-format (Google base). Run by ctest as style/format.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format > /dev/null; then
  echo "clang-format not installed (apt-get install clang-format): format check skipped"; exit 77
fi
files=$(git ls-files 'src/*.cc' 'src/*.h' 'tests/*.cc' 'tests/*.h' 2>/dev/null || find src tests -name '*.cc' -o -name '*.h')
clang-format --dry-run -Werror $files
echo "format: $(echo "$files" | wc -w) files match .clang-format"
