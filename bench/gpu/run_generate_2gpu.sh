#!/usr/bin/env bash
# On a two-GPU machine, from the repo root, with saex and saex-bench unpacked in $APP (bench/gpu/pack.sh):
# 1. the tiny model's layers split over cuda:0 and cuda:1 (--gpus 2), bf16, all ten golden prompts batched, with a
#    clamp at layer 2 (the SAE on the layer's card): $OUT/tiny_gpus2_clamp_f255_v8.jsonl, to compare with
#    transformers' one-GPU answers (bench/results/2026-11-28-h200-generate-bf16-parity.json was made with them);
# 2. the whole 80-layer Llama-3.3-70B shape with its head over two GPUs: decoding speed at batch 1 and 64.
set -euo pipefail
APP=${APP:-/tmp/app}
OUT=${OUT:-/tmp/out}
FIX=tests/fixtures
mkdir -p "$OUT"
export LD_LIBRARY_PATH=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')/lib
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/card.txt"
python3 - "$FIX" > /tmp/tiny_prompts.jsonl <<'PY'
import json, sys
for p in json.load(open(f"{sys.argv[1]}/tiny-llama3-golden/golden_capture.json"))["prompts"]:
    print(json.dumps({"id": f"p{p['index']}", "messages": p["messages"]}))
PY
"$APP/saex" generate --model "$FIX/tiny-llama3" --prompts /tmp/tiny_prompts.jsonl --out "$OUT/tiny_gpus2_clamp_f255_v8.jsonl" \
  --device cuda --gpus 2 --dtype bfloat16 --max-new-tokens 24 --batch-size 10 --sae "$FIX/sae/goodfire_l2.pt" --layer 2 --clamp 255:8.0
"$APP/saex-bench" generate --synthetic llama-3.3-70b --layers 80 --gpus 2 --batch-sizes 1,64 --new-tokens 32 --reps 2 \
  --out "$OUT/saex_generate_80layers_2gpu.json" > /dev/null 2> "$OUT/saex_generate_80layers_2gpu.log"
tail -3 "$OUT/saex_generate_80layers_2gpu.log"
