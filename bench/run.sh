#!/usr/bin/env bash
# Runs the scan benchmarks of issue 2 and prints medians of 3 runs:
#   aibom scan on the 200 MB pickle, the memo-heavy pickle and the 1 GiB
#   checkpoint, against the genops-based baseline (bench/baseline.py).
# Usage: bench/run.sh [OUTDIR]   (builds the inputs with bench/gen.py first)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/out}
/usr/bin/python3 bench/gen.py "$out" >/dev/null
go build -o "$out/aibom" ./cmd/aibom

. bench/lib.sh
measure "aibom scan --no-hash big.pkl (200 MB)" "$out/aibom" scan --no-hash --fail-on none "$out/big.pkl"
measure "baseline genops big.pkl" /usr/bin/python3 bench/baseline.py "$out/big.pkl"
measure "aibom scan --no-hash strings.pkl" "$out/aibom" scan --no-hash --fail-on none "$out/strings.pkl"
measure "baseline genops strings.pkl" /usr/bin/python3 bench/baseline.py "$out/strings.pkl"
measure "aibom scan --no-hash ckpt-1g.pt (1 GiB)" "$out/aibom" scan --no-hash --fail-on none "$out/ckpt-1g.pt"
measure "aibom scan ckpt-1g.pt (with SHA-256)" "$out/aibom" scan --fail-on none "$out/ckpt-1g.pt"
