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

median() { sort -n | sed -n 2p; }
measure() { # label, command...
  local label=$1; shift
  local t m ts=() ms=() tmp
  tmp=$(mktemp)
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$tmp" "$@" >/dev/null 2>&1 || true
    read -r t m < "$tmp"
    ts+=("$t"); ms+=("$m")
  done
  rm -f "$tmp"
  printf '%-44s median %6ss  max RSS %8s KiB\n' "$label" \
    "$(printf '%s\n' "${ts[@]}" | median)" "$(printf '%s\n' "${ms[@]}" | median)"
}
measure "aibom scan --no-hash big.pkl (200 MB)" "$out/aibom" scan --no-hash --fail-on none "$out/big.pkl"
measure "baseline genops big.pkl" /usr/bin/python3 bench/baseline.py "$out/big.pkl"
measure "aibom scan --no-hash strings.pkl" "$out/aibom" scan --no-hash --fail-on none "$out/strings.pkl"
measure "baseline genops strings.pkl" /usr/bin/python3 bench/baseline.py "$out/strings.pkl"
measure "aibom scan --no-hash ckpt-1g.pt (1 GiB)" "$out/aibom" scan --no-hash --fail-on none "$out/ckpt-1g.pt"
measure "aibom scan ckpt-1g.pt (with SHA-256)" "$out/aibom" scan --fail-on none "$out/ckpt-1g.pt"
