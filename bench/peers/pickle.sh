#!/usr/bin/env bash
# aibom over generated samples of each pickle class of issue 11 §1-§3: the
# C unpickler's leniencies (FRAME straddles, stray marks, memo keys,
# persistent IDs, extension codes, out-of-band buffers), every published
# gadget of the denylist, and the precision cases (pickles stored as bytes,
# harmless builtins). The samples come from testdata/pickle2/gen.py (run
# into a scratch directory, never loaded); each row shows the class, the
# verdict gen.py expects, aibom's verdict and the scan's wall time.
# Usage: bench/peers/pickle.sh [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-bench/out/peers-pickle}
mkdir -p "$out/samples"
/usr/bin/python3 testdata/pickle2/gen.py --out "$out/samples"
go build -o "$out/aibom" ./cmd/aibom
printf '%-44s %-8s %-11s %-11s %8s\n' sample section expected aibom seconds
pass=0 fail=0
while IFS=$'\t' read -r name section expected; do
  start=$(date +%s.%N)
  got=$("$out/aibom" scan --no-hash --fail-on none --format json "$out/samples/$name" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["files"][0]["verdict"])')
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  mark=ok
  if [ "$got" = "$expected" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); mark=MISMATCH; fi
  printf '%-44s %-8s %-11s %-11s %8.3f %s\n' "$name" "§$section" "$expected" "$got" "$secs" "$mark"
done < <(/usr/bin/python3 -c '
import json, sys
for n, e in sorted(json.load(open(sys.argv[1])).items()):
    print("%s\t%d\t%s" % (n, e["section"], e["verdict"]))' "$out/samples/expected.json")
echo "$pass as expected, $fail not"
