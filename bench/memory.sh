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
# BASE_BIN, if set, is the baseline binary instead of a build of BASE_REF.
#
# Per input and binary it prints the median of: wall time, peak RSS as GNU
# time reports it (ru_maxrss: every resident page, including the pages of
# the binary itself), and the peaks of RssAnon (heap, stacks, buffers: the
# part that depends on the input) and RssFile (mapped files: the binary's
# touched pages) sampled every 10 ms from /proc (bench/memory_sample.py).
# For .xz and .7z inputs the same figures of `xz -t` and `7z t` (decoding
# only, one thread) are the baseline of what the format itself needs; `7z t`
# does not open the archives nested in an archive. Each run has a timeout of
# $TIMEOUT seconds (default 300; "124" in exits). INPUTS (names as listed
# in bench/memory_gen.py, and --help) measures only those.
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
if [ -n "${BASE_BIN:-}" ]; then
  # A baseline binary built beforehand (from BASE_REF, say).
  cp "$BASE_BIN" "$out/aibom-base"
  bins=("$out/aibom-base" "$out/aibom-new")
elif [ "$base_ref" != none ]; then
  # Built outside the worktree, so that go and lint patterns never see it.
  src=$(mktemp -d)
  git archive "$base_ref" | tar -x -C "$src"
  (cd "$src" && go build -o "$out/aibom.base-build" ./cmd/aibom)
  rm -rf "$src"
  cp "$out/aibom.base-build" "$out/aibom-base"
  bins=("$out/aibom-base" "$out/aibom-new")
fi

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

# run1 CMD...: one run; prints "wall maxrss_kib anon_kib file_kib exit"
# (bench/memory_sample.py: GNU time, and /proc sampled every 10 ms).
run1() { /usr/bin/python3 bench/memory_sample.py "$tmo" "$@" </dev/null; }

# cmds_for INPUT: the commands measured on INPUT, one "label<TAB>command" a
# line: each aibom binary, and for xz and 7z inputs the reference tool
# (`xz -t`, `7z t`: decoding without writing) as the baseline of what the
# format itself needs.
cmds_for() {
  local b
  for b in "${bins[@]}"; do
    if [ "$1" = --help ]; then
      printf '%s\t%s --help\n' "$(basename "$b" | sed 's/^aibom-//')" "$b"
    else
      printf '%s\t%s scan --no-hash --fail-on none %s\n' "$(basename "$b" | sed 's/^aibom-//')" "$b" "$in/$1"
    fi
  done
  case $1 in
  *.xz) command -v xz >/dev/null && printf 'xz -t\txz -t -T1 %s\n' "$in/$1" ;;
  *.7z) command -v 7z >/dev/null && printf '7z t\t7z t -bd -mmt=1 %s\n' "$in/$1" ;;
  esac
  return 0
}

printf '%-20s %-8s %8s %12s %12s %12s %s\n' input binary "wall(s)" "maxRSS(KiB)" "RssAnon(KiB)" "RssFile(KiB)" exits
all="--help dup160m.joblib overlap-1g.zip nest42-4g.zip zeros200m.zip pickle64m.zip pickle64m.pkl.gz
  zeros1g.tar.gz many200k.tar.gz nest-tgz.tar zeros1g.7z zeros256m-mx9.7z nest-7z.7z zeros256m.xz zeros256m-9.xz
  pickle64m-9.xz pickle64m.7z"
# shellcheck disable=SC2086 # the lists are split into their words on purpose
for f in ${INPUTS:-$all}; do
  while IFS=$'\t' read -r label cmd; do
    ts=() ms=() as=() fs=() rcs=()
    for _ in $(seq "$runs"); do
      # shellcheck disable=SC2086 # cmd is split into its words on purpose
      read -r t m a fl rc < <(run1 $cmd)
      ts+=("$t"); ms+=("$m"); as+=("$a"); fs+=("$fl"); rcs+=("$rc")
    done
    printf '%-20s %-8s %8s %12s %12s %12s %s\n' "$f" "$label" \
      "$(printf '%s\n' "${ts[@]}" | median)" "$(printf '%s\n' "${ms[@]}" | median)" \
      "$(printf '%s\n' "${as[@]}" | median)" "$(printf '%s\n' "${fs[@]}" | median)" "${rcs[*]}"
  done < <(cmds_for "$f")
done
