#!/usr/bin/env bash
# Memory benchmark: peak RSS and wall time of `aibom scan` on the bombs of
# issues 9 and 11 (and their tar and 7z counterparts), for this tree and for
# a baseline commit, measured in the same run. The inputs are built by
# bench/memory_gen.py (harmless: zeros, one bytes value, DUPs; see there).
#
# Usage: bench/memory.sh [OUTDIR] [BASE_REF] [RUNS]
#   OUTDIR    inputs, binaries and results (default bench/out/memory)
#   BASE_REF  the baseline, built from `git archive BASE_REF` (default main;
#             "none" skips it)
#   RUNS      runs per input and binary; medians are printed (default 3)
#
# Per input and binary it prints the median of: wall time, peak RSS as GNU
# time reports it (ru_maxrss: every resident page, including the pages of
# the binary itself), and the peak anonymous RSS sampled every 20 ms from
# /proc (the part that depends on the input). Each run has a timeout of $TIMEOUT seconds (default 300; "124" in exits).
#
# Both binaries are installed with cp, as a release is: a binary fresh from
# the Go linker sits in the page cache in large folios, and the same bytes
# then map some 15 MB more of RSS (measured: 90 MB vs 73 MB for --help).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/out/memory}
base_ref=${2:-main}
runs=${3:-3}
tmo=${TIMEOUT:-300}
mkdir -p "$out/inputs"
out=$(cd "$out" && pwd)
in=$out/inputs
/usr/bin/python3 bench/memory_gen.py "$in"

go build -o "$out/aibom.build" ./cmd/aibom
cp "$out/aibom.build" "$out/aibom-new"
bins=("$out/aibom-new")
if [ "$base_ref" != none ]; then
  # Built outside the worktree, so that go and lint patterns never see it.
  src=$(mktemp -d)
  git archive "$base_ref" | tar -x -C "$src"
  (cd "$src" && go build -o "$out/aibom.base-build" ./cmd/aibom)
  rm -rf "$src"
  cp "$out/aibom.base-build" "$out/aibom-base"
  bins=("$out/aibom-base" "$out/aibom-new")
fi

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

# run1 BIN FILE: one run; prints "wall maxrss_kib anon_kib exit".
run1() {
  local tmp peak=0 a pid child rc=0
  tmp=$(mktemp)
  if [ "$2" = --help ]; then
    /usr/bin/time -f "%e %M" -o "$tmp" timeout "$tmo" "$1" --help >/dev/null 2>&1 &
  else
    /usr/bin/time -f "%e %M" -o "$tmp" timeout "$tmo" "$1" scan --no-hash --fail-on none "$2" >/dev/null 2>&1 &
  fi
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    for child in $(pgrep -P "$(pgrep -P "$pid" | head -1)" 2>/dev/null); do
      a=$(awk '/^RssAnon:/ {print $2}' "/proc/$child/status" 2>/dev/null || true)
      [ -n "$a" ] && [ "$a" -gt "$peak" ] && peak=$a
    done
    sleep 0.02
  done
  wait "$pid" || rc=$?
  read -r t m < <(grep -E '^[0-9.]+ [0-9]+$' "$tmp" | tail -1)
  rm -f "$tmp"
  echo "$t $m $peak $rc"
}

printf '%-20s %-10s %9s %14s %14s %s\n' input binary "wall(s)" "maxRSS(KiB)" "anonRSS(KiB)" exits
for f in --help dup160m.joblib overlap-1g.zip nest42-4g.zip zeros200m.zip pickle64m.zip pickle64m.pkl.gz \
  zeros1g.tar.gz many200k.tar.gz nest-tgz.tar zeros1g.7z nest-7z.7z; do
  path=$f
  [ "$f" = --help ] || path=$in/$f
  for b in "${bins[@]}"; do
    ts=() ms=() as=() rcs=()
    for _ in $(seq "$runs"); do
      read -r t m a rc < <(run1 "$b" "$path")
      ts+=("$t"); ms+=("$m"); as+=("$a"); rcs+=("$rc")
    done
    printf '%-20s %-10s %9s %14s %14s %s\n' "$f" "$(basename "$b" | sed 's/^aibom-//')" \
      "$(printf '%s\n' "${ts[@]}" | median)" "$(printf '%s\n' "${ms[@]}" | median)" \
      "$(printf '%s\n' "${as[@]}" | median)" "${rcs[*]}"
  done
done
