#!/usr/bin/env bash
# Mutation check of the CPU tests; see tests/mutation/mutate.py for the options.
set -euo pipefail
exec python3 "$(dirname "$0")/mutate.py" "$@"
