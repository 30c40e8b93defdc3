#!/usr/bin/env bash
# aibom sign and verify of a model folder on disk (OpenSSF Model Signing,
# model.sig) against parallel `openssl dgst -sha256` over the same files, all
# measured in the same run with a warm page cache (the files are read once
# before measuring). Prints median wall time and max RSS of 3 runs each.
# Usage: bench/modelsig.sh [OUTDIR]   (FILES=3 SIZE_MIB=1024 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
out=${1:-bench/out/modelsig}
files=${FILES:-3}
size=${SIZE_MIB:-1024}
mkdir -p "$out/model"
go build -o "$out/aibom" ./cmd/aibom
openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$out/key.pem"
openssl pkey -in "$out/key.pem" -pubout -out "$out/key.pub"
for i in $(seq 1 "$files"); do
  f="$out/model/part-$i.bin"
  [ "$(stat -c %s "$f" 2>/dev/null || echo 0)" = $((size * 1048576)) ] ||
    head -c $((size * 1048576)) /dev/urandom > "$f"
done
cat "$out"/model/*.bin > /dev/null
echo "$files x $size MiB, $(nproc) cores"
measure "openssl dgst -sha256, $files in parallel" \
  sh -c "ls $out/model/*.bin | xargs -P $files -n 1 openssl dgst -sha256"
measure "aibom sign DIR --key" "$out/aibom" sign "$out/model" --key "$out/key.pem"
measure "aibom verify DIR --key" "$out/aibom" verify "$out/model" --key "$out/key.pub"
"$out/aibom" verify "$out/model" --key "$out/key.pub"
