#!/usr/bin/env bash
# Issue 11 sections 4-6: code and templates that ship beside a model, files
# that claim a format, TorchScript. Generates one sample per class (nothing
# is ever run or loaded: payloads are harmless and only named), scans them
# with aibom, and prints a table: expected verdict, aibom's verdict, the
# rules it reported. Peer scanners (modelscan, picklescan, modelaudit) are
# run on the same files when they are on PATH.
# Usage: bench/peers/code.sh [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-bench/out/peers/code}
rm -rf "$out/samples"
mkdir -p "$out/samples"
s=$out/samples
go build -o "$out/aibom" ./cmd/aibom

# sample CLASS NAME EXPECTED: the table's rows, in order.
rows=()
sample() { rows+=("$1|$2|$3"); }

# §4 Python files beside the model.
for f in scanners/python/testdata/benign/*.py; do
  cp "$f" "$s/"; sample python "$(basename "$f")" clean
done
for f in scanners/python/testdata/malicious/*.py; do
  cp "$f" "$s/"; sample python "$(basename "$f")" malicious
done
for f in scanners/python/testdata/suspicious/*.py; do
  cp "$f" "$s/"; sample python "$(basename "$f")" suspicious
done
cat > "$s/config.json" <<'JSON'
{"model_type": "tinyllama", "auto_map": {"AutoConfig": "configuration_tinyllama.TinyLlamaConfig",
 "AutoModelForCausalLM": "modeling_tinyllama.TinyLlamaForCausalLM"}}
JSON
sample auto_map config.json unscanned
mkdir -p "$s/remote"
echo '{"auto_map": {"AutoModel": "someone/else--modeling_x.XModel"}}' > "$s/remote/config.json"
sample auto_map remote/config.json suspicious

# §4 chat templates in YAML.
printf 'chat_template: |\n  {%% for m in messages %%}{{ m.content }}{%% endfor %%}\n' > "$s/serve.yaml"
sample yaml-template serve.yaml clean
printf 'chat_template: "{{ cycler.__init__.__globals__.os.popen(\x27true\x27).read() }}"\n' > "$s/serve_ssti.yaml"
sample yaml-template serve_ssti.yaml malicious
printf 'base_model: x\nchat_template: chatml\n' > "$s/axolotl.yaml"
sample yaml-template axolotl.yaml unscanned

# §4 secrets (made-up values of the right shape).
tok="ghp_$(printf 'aB3%.0s' $(seq 12))"
printf '{"model_type": "llama", "hub_token": "%s"}\n' "$tok" > "$s/secret_config.json"
sample secret secret_config.json suspicious
printf -- '---\nlicense: mit\n---\nDownload with AKIAABCDEFGH12345678.\n' > "$s/README.md"
sample secret README.md suspicious

# §5 files that claim a format.
: > "$s/empty.safetensors"; sample claim empty.safetensors invalid
echo 'not a model' > "$s/text.gguf"; sample claim text.gguf invalid
echo 'not a model' > "$s/text.pt"; sample claim text.pt invalid
: > "$s/empty.pkl"; sample claim empty.pkl invalid
/usr/bin/python3 - "$s" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1] + "/noconfig.keras", "w") as z:
    z.writestr("metadata.json", '{"keras_version": "3.6.0"}')
    z.writestr("model.weights.h5", b"")
PY
sample claim noconfig.keras invalid
echo 'raw bytes' > "$s/raw.bin"; sample claim raw.bin unscanned

# §6 TorchScript.
cp testdata/models/pytorch/scripted.pt "$s/scripted.pt"; sample torchscript scripted.pt clean
cp testdata/models/bypass/cve-2025-32434_pytorch_model.bin "$s/setstate_save.bin"
sample torchscript setstate_save.bin malicious

"$out/aibom" scan --format json --fail-on none "$s" > "$out/aibom.json"
/usr/bin/python3 - "$out/aibom.json" "${rows[@]}" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1]))
got = {f["path"]: f for f in rep["files"]}
ok = bad = 0
print(f"| class | file | expected | aibom | rules |")
print(f"| --- | --- | --- | --- | --- |")
for row in sys.argv[2:]:
    cls, name, want = row.split("|")
    f = got.get(name) or {}
    v = f.get("verdict", "missing")
    rules = sorted({x["rule"] for x in f.get("findings", []) if x["severity"] not in ("info",)})
    mark = "" if v == want else " **MISMATCH**"
    ok, bad = (ok + 1, bad) if v == want else (ok, bad + 1)
    print(f"| {cls} | {name} | {want} | {v}{mark} | {' '.join(rules)} |")
print(f"\n{ok} passed, {bad} failed")
PY
for peer in modelscan picklescan modelaudit; do
  if command -v "$peer" >/dev/null; then
    echo "== $peer"; "$peer" --help >/dev/null 2>&1 && "$peer" -p "$s" 2>&1 | tail -20 || true
  else
    echo "== $peer: not installed, skipped"
  fi
done
. bench/lib.sh
measure "aibom scan $(ls "$s" | wc -l) code/config samples" "$out/aibom" scan --fail-on none "$s"
