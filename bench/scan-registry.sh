#!/usr/bin/env bash
# The registry-scan benchmark of issue 14: `aibom scan registry` over the
# CNCF distribution registry binary on loopback, holding N large weight
# artifacts (ModelPack safetensors and Docker model GGUF, SIZE MiB each,
# every one distinct), against the baseline of the same crawl reading
# every raw layer whole (--verify-blobs). Prints artifacts/s and bytes read
# / bytes stored, medians of 3 runs each, measured in the same run.
# Usage: bench/scan-registry.sh [OUTDIR] [N] [SIZE_MIB]
#   (registry: $AIBOM_REGISTRY, else the CI cache under ~/.cache/aibom-ci/bin)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-bench/out/scan-registry}")
n=${2:-16}
size=${3:-256}
registry=${AIBOM_REGISTRY:-$HOME/.cache/aibom-ci/bin/registry-v3.1.2/registry}
mkdir -p "$out/models"
go build -o "$out/aibom" ./cmd/aibom

# N models: sparse files (a header, then a hole), so that building the
# registry costs little disk before the registry stores them.
/usr/bin/python3 - "$out/models" "$n" "$size" <<'PY'
import json, os, struct, sys
out, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) << 20
for i in range(n):
    d = os.path.join(out, "m%03d" % i)
    os.makedirs(d, exist_ok=True)
    if i % 2 == 0:
        path = os.path.join(d, "model.safetensors")
        hdr = json.dumps({"w%d" % i: {"dtype": "F32", "shape": [size // 4], "data_offsets": [0, size]}}).encode()
        hdr += b" " * (-len(hdr) % 8)
        head = struct.pack("<Q", len(hdr)) + hdr
    else:
        path = os.path.join(d, "model.gguf")
        def s(x): return struct.pack("<Q", len(x)) + x
        head = b"GGUF" + struct.pack("<IQQ", 3, 1, 1) + s(b"general.architecture") + struct.pack("<I", 8) + s(b"bench%d" % i)
        head += s(b"w") + struct.pack("<IQIQ", 1, size // 4, 0, 0)
        head += b"\0" * (-len(head) % 32)
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(len(head) + size)
PY

. bench/lib.sh
start_registry "$out/registry" "$registry"
host=$registry_host

for d in "$out"/models/m*; do
  "$out/aibom" push "$d" "oci://$host/bench/$(basename "$d"):v1" >/dev/null
done

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
run() { # mode flags...: prints "seconds read stored artifacts"
  local start end
  start=$(date +%s.%N)
  "$out/aibom" scan registry --format json --fail-on none --progress=false "$@" "$host" > "$out/summary.json"
  end=$(date +%s.%N)
  /usr/bin/python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print(float(sys.argv[3])-float(sys.argv[2]), s["bytes_read"], s["bytes_stored"], s["artifacts"])' "$out/summary.json" "$start" "$end"
}
for mode in header-only verify-blobs; do
  flags=()
  [ "$mode" = verify-blobs ] && flags=(--verify-blobs)
  : > "$out/$mode.txt"
  for _ in 1 2 3; do run "${flags[@]}" >> "$out/$mode.txt"; done
  secs=$(awk '{print $1}' "$out/$mode.txt" | median)
  arts=$(awk '{print $4}' "$out/$mode.txt" | median)
  ratio=$(awk '{printf "%.5f\n", 100*$2/$3}' "$out/$mode.txt" | median)
  read=$(awk '{print $2}' "$out/$mode.txt" | median)
  stored=$(awk '{print $3}' "$out/$mode.txt" | median)
  printf '%-13s %3d artifacts of %d MiB: median %.2f s, %.1f artifacts/s, read %d of %d bytes stored (%s%%)\n' \
    "$mode" "$arts" "$size" "$secs" "$(echo "$arts / $secs" | bc -l)" "$read" "$stored" "$ratio"
done
