#!/usr/bin/env bash
# Runs the benchmark matrix (see bench/README.md). Flags go to cmd/matrix:
#   bench/run.sh                # full matrix, ~20 minutes
#   bench/run.sh -mode smoke    # every cell once, briefly, ~1 minute
set -euo pipefail
cd "$(dirname "$0")"
exec go run ./cmd/matrix "$@"
