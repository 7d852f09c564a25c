#!/usr/bin/env bash
# Runs on the GPU machine from the repo root: saex (published with -p:TorchBackend=external, unpacked in $APP)
# captures the tiny model's golden prompts on CUDA in fp32 and bf16, one at a time and in one padded batch,
# then capture_parity.py compares them with the goldens and with transformers on the same GPU.
set -euo pipefail
APP=${APP:-/tmp/app}
OUT=${OUT:-/tmp/parity}
export LD_LIBRARY_PATH=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')/lib
mkdir -p "$OUT/caps"
python3 - <<'PY' > "$OUT/caps/prompts.jsonl"
import json
for p in json.load(open("tests/fixtures/tiny-llama3-golden/golden_capture.json"))["prompts"]:
    print(json.dumps({"id": f"p{p['index']}", "messages": p["messages"]}))
PY
for dtype in float32 bfloat16; do
  for bs in 1 10; do
    tag=$([ "$dtype" = bfloat16 ] && echo bf16 || echo fp32)
    "$APP/saex" capture --model tests/fixtures/tiny-llama3 --prompts "$OUT/caps/prompts.jsonl" --layers 0,1,2,3 \
      --device cuda --dtype "$dtype" --batch-size "$bs" --out "$OUT/caps/saex_${tag}_b${bs}.safetensors"
  done
done
python3 tests/gpu/capture_parity.py "$OUT/caps" "$OUT/capture_parity.json"
