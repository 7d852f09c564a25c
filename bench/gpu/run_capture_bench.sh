#!/usr/bin/env bash
# Runs on the GPU machine from the repo root, with saex and saex-bench unpacked in $APP (published with -p:TorchBackend=external).
# The Python reference first, then saex on the same card; both JSON reports land in $OUT.
set -euo pipefail
APP=${APP:-/tmp/app}
OUT=${OUT:-/tmp/out}
export LD_LIBRARY_PATH=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')/lib
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/card.txt"
PYTHONUNBUFFERED=1 OUT="$OUT" python3 bench/reference/hf_baseline.py > "$OUT/hf_baseline.log" 2>&1 || { tail -20 "$OUT/hf_baseline.log"; exit 1; }
"$APP/saex-bench" capture --synthetic llama-3.3-70b --layers 2,6 --batch-sizes 16,64,300 --sae --out "$OUT/saex_bench.json" > /dev/null
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
hf = json.load(open(f"{out}/hf_baseline.json")); us = json.load(open(f"{out}/saex_bench.json"))
for k in us["per_layer_s"]:
    if k not in hf["per_layer_s"]:
        print(f"{k:16} per layer: saex {us['per_layer_s'][k]*1e3:8.3f} ms (vs transformers bs64: {hf['per_layer_s']['all300_bs64_s']/us['per_layer_s'][k]:.2f}x)")
        continue
    print(f"{k:16} per layer: transformers {hf['per_layer_s'][k]*1e3:8.3f} ms  saex {us['per_layer_s'][k]*1e3:8.3f} ms  speed-up {hf['per_layer_s'][k]/us['per_layer_s'][k]:.2f}x")
print("sae encode: transformers-style", hf["sae_encode_all_tokens_s"], "s; saex sparse", us["sae"]["sae_encode_sparse_s"], "s; bare matmul", us["sae"]["bare_matmul_s"], "s; ratio", us["sae"]["encode_over_matmul"])
PY
