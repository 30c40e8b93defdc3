#!/usr/bin/env bash
# Peak RSS and time of aibom on the bombs of issue 9, at the sizes the
# issue reported (built by testdata/hostile/gen.py --big, not committed):
#   dup40m.pkl       PROTO 2, NONE, 40M DUP, STOP (raw, 40 MB)
#   dup160m.joblib   the same with 160M DUP, gzipped (committed, 152 KB)
#   overlap-1g.zip   1000 overlapping stored entries, each a zip of one 1 GiB deflated member
#   nest42-4g.zip    42.zip: 5 levels of 16 copies, leaves of 4 GiB zeros
# Usage: bench/hostile.sh [OUTDIR] [BASELINE_AIBOM]
# With BASELINE_AIBOM (a binary built from an older commit), each input is
# also run once through it, under a 120 s timeout and a 4 GiB memory cap.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/out/hostile}
base=${2:-}
mkdir -p "$out"
[ -f "$out/nest42-4g.zip" ] || /usr/bin/python3 testdata/hostile/gen.py --big "$out" >/dev/null
go build -o "$out/aibom" ./cmd/aibom

. bench/lib.sh
once() { # once LABEL COMMAND...: one run, 120 s timeout, 4 GiB address space
  local label=$1; shift
  local tmp rc
  tmp=$(mktemp)
  rc=0
  ( ulimit -v $((4 << 20)); /usr/bin/time -f "%e %M" -o "$tmp" timeout 120 "$@" >/dev/null 2>&1 ) || rc=$?
  read -r t m < <(tail -1 "$tmp")
  rm -f "$tmp"
  printf '%-52s once   %6ss  max RSS %8s KiB  exit %s\n' "$label" "$t" "$m" "$rc"
}
for f in "$out/dup40m.pkl" testdata/hostile/bombs/dup160m.joblib "$out/overlap-1g.zip" "$out/nest42-4g.zip" \
  testdata/hostile/bombs/overlap.zip testdata/hostile/bombs/nest42.zip; do
  name=$(basename "$f")
  [ -n "$base" ] && once "baseline scan $name" "$base" scan --no-hash --fail-on none "$f"
  measure "aibom scan --no-hash $name" "$out/aibom" scan --no-hash --fail-on none "$f"
done
