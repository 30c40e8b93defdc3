#!/usr/bin/env bash
# The `aibom generate` benchmark of issue 3: a directory of three 1 GiB
# weight files, against `openssl dgst -sha256` on the same files two at a
# time. Medians of 3 runs, page cache warm.
# Usage: bench/generate.sh [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/out}
/usr/bin/python3 bench/weights.py "$out/weights" >/dev/null
go build -o "$out/aibom" ./cmd/aibom
cat "$out"/weights/*.safetensors > /dev/null   # warm the page cache

. bench/lib.sh
measure "openssl dgst -sha256, two at a time (baseline)" \
  sh -c "ls $out/weights/*.safetensors | xargs -P2 -n1 openssl dgst -sha256"
measure "aibom generate (hash + scan + BOM)" "$out/aibom" generate -o /dev/null "$out/weights"
