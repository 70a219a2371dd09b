#!/usr/bin/env bash
# ctest exe/bad-inputs: bad input and faults across the subcommands (tests/bad_input_test.py).
#
# usage: bad_input_test.sh SEALION_BINARY MODEL_FILE
#        exit 77 (skipped) when /usr/bin/python3 is missing
set -euo pipefail
if [ ! -x /usr/bin/python3 ]; then
  echo "SKIPPED: /usr/bin/python3 is missing (Debian's python3; scripts/install-deps.sh installs it)"
  exit 77
fi
exec /usr/bin/python3 "$(dirname "$0")/bad_input_test.py" "$1" "$2"
