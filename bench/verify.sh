#!/usr/bin/env bash
# aibom verify against cosign verify + cosign verify-attestation on the same
# artifact, on a loopback registry (the CNCF distribution registry), both
# measured in the same run. The artifact is signed and attested by cosign
# (tag layout), so both tools verify the same bytes: one signature and one
# CycloneDX attestation, with a key, offline (no transparency log).
# Prints the median wall time of RUNS runs (default 9), runs interleaved.
# Usage: bench/verify.sh [OUTDIR]   (tools from .ci/run's cache or AIBOM_*)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/out/verify}
runs=${RUNS:-9}
bin=${AIBOM_CI_BIN:-$HOME/.cache/aibom-ci/bin}
cosign=${AIBOM_COSIGN:-$bin/cosign-v2.6.5/cosign}
registry=${AIBOM_REGISTRY:-$bin/registry-v3.1.2/registry}
oras=${AIBOM_ORAS:-$bin/oras-v1.3.6/oras}
mkdir -p "$out"
go build -o "$out/aibom" ./cmd/aibom

port=$((20000 + RANDOM % 20000))
cat > "$out/registry.yml" <<YML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $out/data}}
http: {addr: 127.0.0.1:$port}
YML
"$registry" serve "$out/registry.yml" >/dev/null 2>&1 &
regpid=$!
trap 'kill $regpid' EXIT
until curl -fs "http://127.0.0.1:$port/v2/" >/dev/null; do sleep 0.1; done

export COSIGN_PASSWORD=''
rm -f "$out/cosign.key" "$out/cosign.pub"
(cd "$out" && "$cosign" generate-key-pair >/dev/null 2>&1)
head -c 1048576 /dev/urandom > "$out/model.safetensors"
echo '{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"component":{"type":"machine-learning-model","name":"bench","version":"1"}},"components":[]}' > "$out/bom.json"
ref=127.0.0.1:$port/bench/model
(cd "$out" && "$oras" push --plain-http "$ref:v1" model.safetensors >/dev/null)
"$cosign" sign --key "$out/cosign.key" --tlog-upload=false --yes "$ref:v1" >/dev/null 2>&1
"$cosign" attest --key "$out/cosign.key" --type cyclonedx --predicate "$out/bom.json" --tlog-upload=false --yes "$ref:v1" >/dev/null 2>&1

aibom_verify() { "$out/aibom" verify "oci://$ref:v1" --key "$out/cosign.pub" --require signature,bom >/dev/null; }
cosign_both() {
  "$cosign" verify --key "$out/cosign.pub" --insecure-ignore-tlog "$ref:v1" >/dev/null 2>&1
  "$cosign" verify-attestation --key "$out/cosign.pub" --insecure-ignore-tlog --type cyclonedx "$ref:v1" >/dev/null 2>&1
}
aibom_verify   # a failure here stops the benchmark
cosign_both

ms() { local s e; s=$(date +%s%N); "$@"; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
a=(); c=()
for _ in $(seq "$runs"); do
  a+=("$(ms aibom_verify)")
  c+=("$(ms cosign_both)")
done
med() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }
printf '%-58s median %5s ms  (runs: %s)\n' "aibom verify --require signature,bom" "$(med "${a[@]}")" "${a[*]}"
printf '%-58s median %5s ms  (runs: %s)\n' "cosign verify + cosign verify-attestation --type cyclonedx" "$(med "${c[@]}")" "${c[*]}"
