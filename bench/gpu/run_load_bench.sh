#!/usr/bin/env bash
# Runs on the GPU machine from the repo root, saex unpacked in $APP (published with -p:TorchBackend=external).
# hf_load_baseline.py writes an 8-layer, 17.9 GB bf16 checkpoint with Llama-3.3-70B shapes and times the disk and
# transformers on it; then saex loads the same checkpoint cold and warm, whole and only layers 0..4 (5 of 8 layers:
# the share layer 50 of the 80-layer 70B needs). Reports land in $OUT.
set -euo pipefail
APP=${APP:-/tmp/app}
OUT=${OUT:-/tmp/out}
export LD_LIBRARY_PATH=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')/lib
PYTHONUNBUFFERED=1 OUT="$OUT" python3 bench/reference/hf_load_baseline.py > "$OUT/hf_load_baseline.log" 2>&1 || { tail -20 "$OUT/hf_load_baseline.log"; exit 1; }
CK=$(ls -d /tmp/ckpt* | head -1)
"$APP/saex-bench" load --model "$CK" --drop-caches --out "$OUT/saex_load_cold_all.json" > /dev/null
"$APP/saex-bench" load --model "$CK" --out "$OUT/saex_load_warm_all.json" > /dev/null
"$APP/saex-bench" load --model "$CK" --deepest-layer 4 --drop-caches --out "$OUT/saex_load_cold_layers0-4.json" > /dev/null
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
hf = json.load(open(f"{out}/hf_load_baseline.json"))
cold, warm, part = (json.load(open(f"{out}/saex_load_{n}.json")) for n in ("cold_all", "warm_all", "cold_layers0-4"))
print(f"disk (dd, cold) {hf['dd_cold_GBps']:.2f} GB/s")
print(f"cold, whole checkpoint: transformers {hf['hf_from_pretrained_cold_GBps']:.2f} GB/s ({hf['hf_from_pretrained_cold_s']:.1f} s), saex {cold['gb_per_s']:.2f} GB/s ({cold['seconds']:.1f} s) = {cold['gb_per_s']/hf['dd_cold_GBps']*100:.0f}% of disk")
print(f"warm, whole checkpoint: transformers {hf['hf_from_pretrained_warm_GBps']:.2f} GB/s, saex {warm['gb_per_s']:.2f} GB/s ({warm['gb_per_s']/hf['hf_from_pretrained_warm_GBps']:.2f}x)")
print(f"cold, layers 0..4 of 8: saex {part['seconds']:.1f} s for {part['bytes']/1e9:.1f} GB ({part['gb_per_s']:.2f} GB/s); end to end vs transformers loading all: {hf['hf_from_pretrained_cold_s']/part['seconds']:.2f}x")
PY
