#!/usr/bin/env bash
# The push/pull benchmark of issue 10: `aibom push` and `aibom pull` of a
# 1 GiB model (four 256 MiB safetensors files, a config and a README)
# against `oras push` / `oras pull` of the same files, on loopback to the
# CNCF distribution registry binary. The tools run interleaved (oras,
# aibom, oras, aibom, ...; RUNS rounds, default 5) so that noise from other
# work on the machine falls on all alike; medians of wall time and max RSS
# (GNU time). Every push goes to a fresh repository (nothing is skipped as
# existing), every pull into a fresh folder, deleted after the run. With
# BASELINE=/path/to/aibom, that binary (e.g. built from main) runs in the
# same rounds as a third tool. Memory must be flat in the model's size:
# push and pull of a quarter of the model (256 MiB) are measured too. Then,
# unless SCAN=0, scan and generate of the pushed artifact (oci://) against
# the same commands on the local folder.
# Usage: RUNS=5 BASELINE=/tmp/aibom-main bench/oci.sh [OUTDIR]
#   (tools: $AIBOM_REGISTRY, $AIBOM_ORAS, else the CI cache under
#   ~/.cache/aibom-ci/bin)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-bench/out}")
runs=${RUNS:-5}
oras=${AIBOM_ORAS:-$HOME/.cache/aibom-ci/bin/oras-v1.3.6/oras}
mkdir -p "$out/model"
/usr/bin/python3 - "$out/model" <<'PY'
import json, os, struct, sys
out = sys.argv[1]
size = 256 << 20
for i in range(4):
    chunk = os.urandom(1 << 20)  # per file, so that no two layers share a digest
    path = os.path.join(out, "model-%05d-of-00004.safetensors" % (i + 1))
    if os.path.exists(path):
        continue
    header = json.dumps({"w": {"dtype": "F32", "shape": [size // 4], "data_offsets": [0, size]}}).encode()
    header += b" " * (-len(header) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header)
        for _ in range(size // len(chunk)):
            f.write(chunk)
    os.rename(path + ".tmp", path)
open(os.path.join(out, "config.json"), "w").write('{"architectures":["LlamaForCausalLM"]}')
open(os.path.join(out, "README.md"), "w").write("# bench model\n")
PY
# Both binaries are copied before they run: a binary fresh from the
# linker (which writes it through a memory map) shows some 15-35 MiB more
# max RSS in its text mapping than the same bytes copied.
go build -o "$out/aibom.new" ./cmd/aibom && cp "$out/aibom.new" "$out/aibom" && rm "$out/aibom.new"
if [ -n "${BASELINE:-}" ]; then cp "$BASELINE" "$out/aibom-baseline"; fi
mkdir -p "$out/quarter" && ln -f "$out/model/model-00001-of-00004.safetensors" "$out/quarter/"
cat "$out"/model/* > /dev/null   # warm the page cache

. bench/lib.sh
start_registry "$out/registry"
host=$registry_host

# next prints a new number each call: a fresh repository or folder per run.
echo 0 > "$out/n"
printf '#!/bin/sh\nn=$(cat %s/n); echo $((n + 1)) > %s/n; echo $n\n' "$out" "$out" > "$out/next"
chmod +x "$out/next"
files=$(cd "$out/model" && ls | tr '\n' ' ')
next=$out/next

# The tools as label / push command / pull command (of the artifact $1).
tools=("oras" "aibom")
[ -n "${BASELINE:-}" ] && tools+=("aibom baseline")
push_cmd() { # tool dir
  case $1 in
    oras) echo "cd $2 && $oras push --plain-http $host/r\$($next):v1 $(cd "$2" && ls | tr '\n' ' ')" ;;
    aibom) echo "$out/aibom push $2 oci://$host/r\$($next):v1" ;;
    *) echo "$out/aibom-baseline push $2 oci://$host/r\$($next):v1" ;;
  esac
}
pull_cmd() { # tool repo
  case $1 in
    oras) echo "d=$out/pull/\$($next); mkdir -p \$d && cd \$d && $oras pull --plain-http $host/$2:v1" ;;
    aibom) echo "$out/aibom pull oci://$host/$2:v1 $out/pull/\$($next)" ;;
    *) echo "$out/aibom-baseline pull oci://$host/$2:v1 $out/pull/\$($next)" ;;
  esac
}
between() { rm -rf "$out/pull"; }

# The artifacts pulled: the model and its quarter, pushed by aibom once.
"$out/aibom" push "$out/model" "oci://$host/full:v1" >/dev/null
"$out/aibom" push "$out/quarter" "oci://$host/quarter:v1" >/dev/null
# A check before timing: what each tool pulls is the model.
for t in "${tools[@]}"; do
  sh -c "$(pull_cmd "$t" full)" >/dev/null
  got=$(cd "$out/pull"/* && cat model-0000*.safetensors | sha256sum)
  want=$(cat "$out"/model/model-0000*.safetensors | sha256sum)
  [ "$got" = "$want" ] || { echo "$t pulled something else" >&2; exit 1; }
  between
done

echo "aibom baseline: ${BASELINE:-none}"
echo "aibom help max RSS (the binary's floor): $(/usr/bin/time -f %M "$out/aibom" --help 2>&1 >/dev/null) KiB"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $runs rounds, interleaved"
args=()
for t in "${tools[@]}"; do args+=("$t push 1 GiB" "$(push_cmd "$t" "$out/model")"); done
interleave "$runs" "${args[@]}"
args=()
for t in "${tools[@]}"; do args+=("$t pull 1 GiB" "$(pull_cmd "$t" full)"); done
interleave "$runs" "${args[@]}"
args=()
for t in "${tools[@]}"; do
  args+=("$t push 256 MiB" "$(push_cmd "$t" "$out/quarter")" "$t pull 256 MiB" "$(pull_cmd "$t" quarter)")
done
interleave "$runs" "${args[@]}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

if [ "${SCAN:-1}" != 0 ]; then
  # scan and generate read the artifact in place (raw layers by range
  # requests, tar layers streamed); the baseline is the same command on the
  # local folder.
  measure "aibom scan (local folder, baseline)" "$out/aibom" scan --fail-on none "$out/model"
  measure "aibom scan oci://" "$out/aibom" scan --fail-on none "oci://$host/full:v1"
  measure "aibom generate (local folder, baseline)" "$out/aibom" generate "$out/model"
  measure "aibom generate oci://" "$out/aibom" generate "oci://$host/full:v1"
fi
