#!/usr/bin/env bash
# Runs on a 2-GPU machine from the repo root, saex unpacked in $APP. Layers 0-50 of Llama-3.3-70B (bf16, ~87 GB,
# more than one H100 holds) split over both GPUs; the one-GPU Python reference runs in the same call for comparison.
set -euo pipefail
APP=${APP:-/tmp/app}
OUT=${OUT:-/tmp/out}
export LD_LIBRARY_PATH=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')/lib
nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader | tee "$OUT/cards.txt"
PYTHONUNBUFFERED=1 OUT="$OUT" python3 bench/reference/hf_baseline.py > "$OUT/hf_baseline.log" 2>&1 || { tail -20 "$OUT/hf_baseline.log"; exit 1; }
"$APP/saex-bench" capture --synthetic llama-3.3-70b --layers 51 --gpus 2 --batch-sizes 16,64 --out "$OUT/saex_bench_2gpu.json" > /dev/null
nvidia-smi --query-gpu=index,memory.used --format=csv,noheader | tee "$OUT/memory_after.txt"
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
hf = json.load(open(f"{out}/hf_baseline.json")); us = json.load(open(f"{out}/saex_bench_2gpu.json"))
s = us["by_layers"]["51"]
for k in ("latency_1x60_s", "all300_bs16_s", "all300_bs64_s"):
    print(f"{k:16} layers 0-50 on 2 GPUs: saex {s[k]*1e3:9.1f} ms ({s[k]/51*1e3:.3f} ms/layer); transformers 1-GPU extrapolated {hf['extrapolated_51_layers_s'][k]*1e3:9.1f} ms ({hf['per_layer_s'][k]*1e3:.3f} ms/layer)")
print("tokens/s", us.get("tokens_per_s"), "vs transformers extrapolated", hf["extrapolated_51_layers_tokens_per_s"])
PY
