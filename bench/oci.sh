#!/usr/bin/env bash
# The push/pull benchmark of issue 10: `aibom push` and `aibom pull` of a
# 1 GiB model (four 256 MiB safetensors files, a config and a README)
# against `oras push` / `oras pull` of the same files, on loopback to the
# CNCF distribution registry binary. Medians of 3 runs in the same run;
# every push goes to a fresh repository (nothing is skipped as existing);
# every pull into a fresh folder. Then scan and generate of the pushed
# artifact (oci://) against the same commands on the local folder. Max RSS
# from GNU time.
# Usage: bench/oci.sh [OUTDIR]   (tools: $AIBOM_REGISTRY, $AIBOM_ORAS, else
# the CI cache under ~/.cache/aibom-ci/bin)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-bench/out}")
bin=$HOME/.cache/aibom-ci/bin
registry=${AIBOM_REGISTRY:-$bin/registry-v3.1.2/registry}
oras=${AIBOM_ORAS:-$bin/oras-v1.3.6/oras}
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
go build -o "$out/aibom" ./cmd/aibom
cat "$out"/model/* > /dev/null   # warm the page cache

# The registry, on a free loopback port, storing under $out.
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
host=127.0.0.1:$port
rm -rf "$out/registry"; mkdir -p "$out/registry"
cat > "$out/registry/config.yml" <<YML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $out/registry/data}}
http: {addr: $host}
YML
"$registry" serve "$out/registry/config.yml" 2>"$out/registry/log" &
regpid=$!
trap 'kill $regpid' EXIT
for _ in $(seq 100); do curl -sf "http://$host/v2/" >/dev/null && break; sleep 0.1; done

# next prints a new number each call: a fresh repository or folder per run.
echo 0 > "$out/n"
printf '#!/bin/sh\nn=$(cat %s/n); echo $((n + 1)) > %s/n; echo $n\n' "$out" "$out" > "$out/next"
chmod +x "$out/next"
files=$(cd "$out/model" && ls | tr '\n' ' ')

. bench/lib.sh
measure "oras push (baseline)" sh -c "cd $out/model && $oras push --plain-http $host/oras\$($out/next):v1 $files"
measure "aibom push" sh -c "$out/aibom push $out/model oci://$host/aibom\$($out/next):v1"
# Memory must be flat in the model's size: the same push of a quarter of it.
mkdir -p "$out/quarter" && ln -f "$out/model/model-00001-of-00004.safetensors" "$out/quarter/"
measure "aibom push, 256 MiB model (memory flatness)" sh -c "$out/aibom push $out/quarter oci://$host/q\$($out/next):v1"
rm -rf "$out/pull"
measure "oras pull (baseline)" sh -c "d=$out/pull/o\$($out/next); mkdir -p \$d && cd \$d && $oras pull --plain-http $host/oras0:v1"
measure "aibom pull" sh -c "$out/aibom pull oci://$host/aibom3:v1 $out/pull/a\$($out/next)"
measure "aibom pull (of the oras artifact)" sh -c "$out/aibom pull oci://$host/oras0:v1 $out/pull/b\$($out/next)"
# scan and generate read the artifact in place (raw layers by range
# requests, tar layers streamed); the baseline is the same command on the
# local folder.
measure "aibom scan (local folder, baseline)" "$out/aibom" scan --fail-on none "$out/model"
measure "aibom scan oci://" "$out/aibom" scan --fail-on none "oci://$host/aibom3:v1"
measure "aibom generate (local folder, baseline)" "$out/aibom" generate "$out/model"
measure "aibom generate oci://" "$out/aibom" generate "oci://$host/aibom3:v1"
echo "pulled folders (each must hold the 1 GiB model):"
du -sh "$out"/pull/* | head -6
rm -rf "$out/pull" "$out/registry"
