#!/usr/bin/env bash
# Runs on the GPU machine from the repo root, with saex and saex-bench unpacked in $APP (bench/gpu/pack.sh).
# 1. bf16 parity: transformers' greedy generate on CUDA for the tiny model and the goldens' seven cases, then saex
#    generate on the same card, one prompt at a time and all ten batched; $OUT/generate_parity.json compares them.
# 2. Speed: hf_generate_baseline.py, then saex-bench generate on the same card (70B shapes, random weights).
set -euo pipefail
APP=${APP:-/tmp/app}
OUT=${OUT:-/tmp/out}
FIX=tests/fixtures
# Per-case answers and logs stay on the machine (a device call brings back few files); the comparison lands in $OUT.
WORK=${WORK:-/tmp/generate-work}
mkdir -p "$OUT" "$WORK"
export LD_LIBRARY_PATH=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')/lib
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/card.txt"

if [ "${SKIP_PARITY:-0}" != 1 ]; then
  OUT="$OUT" python3 bench/reference/hf_generate_parity.py "$FIX" > "$OUT/hf_generate_parity.log" 2>&1 || { tail -20 "$OUT/hf_generate_parity.log"; exit 1; }
  python3 - "$FIX" "$WORK" > "$WORK/cases.txt" <<'PY'
import json, sys
fix, work = sys.argv[1], sys.argv[2]
prompts = json.load(open(f"{fix}/tiny-llama3-golden/golden_capture.json"))["prompts"]
with open(f"{work}/prompts.jsonl", "w") as f:
    for p in prompts:
        f.write(json.dumps({"id": f"p{p['index']}", "messages": p["messages"]}) + "\n")
for c in json.load(open(f"{fix}/generation-golden/tiny-llama3_generation_golden.json"))["cases"]:
    flag = "" if c["kind"] == "none" else f"--{c['kind']} {c['feature']}:{c['value']!r}"
    print(c["case"], flag)
PY
  while read -r name flag; do
    sae=()
    [ -n "$flag" ] && sae=(--sae "$FIX/sae/goodfire_l2.pt" --layer 2 $flag)
    for bs in 1 10; do
      "$APP/saex" generate --model "$FIX/tiny-llama3" --prompts "$WORK/prompts.jsonl" --out "$WORK/saex_${name}_bs${bs}.jsonl" \
        --device cuda --dtype bfloat16 --max-new-tokens 24 --batch-size $bs "${sae[@]}" 2> "$WORK/saex_${name}_bs${bs}.log"
    done
  done < "$WORK/cases.txt"
  python3 - "$OUT" "$WORK" <<'PY'
import json, sys
out, work = sys.argv[1], sys.argv[2]
hf = json.load(open(f"{out}/hf_generate_parity.json"))
report = {"device": hf["device"], "torch": hf["torch"], "dtype": "bfloat16", "max_new_tokens": 24, "cases": {}}
total = same = 0
for case, expected in hf["cases"].items():
    row = {}
    for bs in (1, 10):
        ours = {l["id"]: l["token_ids"] for l in map(json.loads, open(f"{work}/saex_{case}_bs{bs}.jsonl"))}
        diffs = [p for p in expected if ours[p] != expected[p]]
        row[f"batch{bs}_equal_prompts"] = len(expected) - len(diffs)
        row[f"batch{bs}_differing"] = {p: {"transformers": expected[p], "saex": ours[p]} for p in diffs}
        total += len(expected); same += len(expected) - len(diffs)
    report["cases"][case] = row
report["equal"] = f"{same}/{total}"
json.dump(report, open(f"{out}/generate_parity.json", "w"), indent=1)
print("bf16 CUDA greedy parity with transformers:", report["equal"], {c: (r["batch1_equal_prompts"], r["batch10_equal_prompts"]) for c, r in report["cases"].items()})
PY
fi

if [ "${SKIP_SPEED:-0}" != 1 ]; then
  DEPTHS=${DEPTHS:-4,8}
  REPS=${REPS:-3}
  PYTHONUNBUFFERED=1 OUT="$OUT" DEPTHS="$DEPTHS" REPS="$REPS" python3 bench/reference/hf_generate_baseline.py > "$OUT/hf_generate_baseline.log" 2>&1 || { tail -20 "$OUT/hf_generate_baseline.log"; exit 1; }
  "$APP/saex-bench" generate --synthetic llama-3.3-70b --layers "$DEPTHS" --batch-sizes 1,64 --new-tokens 64 --reps "$REPS" --features --out "$OUT/saex_generate_bench.json" > /dev/null 2> "$OUT/saex_generate_bench.log"
  python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
hf = json.load(open(f"{out}/hf_generate_baseline.json")); us = json.load(open(f"{out}/saex_generate_bench.json"))
for b in us["workload"]["batch_sizes"]:
    k = f"bs{b}_step_s"
    print(f"batch {b:3}: per layer per step transformers {hf['per_layer_step_s'][k]*1e3:.3f} ms, saex {us['per_layer_step_s'][k]*1e3:.3f} ms "
          f"({hf['per_layer_step_s'][k]/us['per_layer_step_s'][k]:.2f}x); 80 layers: {hf['extrapolated_80_layers_tokens_per_s'][k]:.1f} vs "
          f"{us['extrapolated_80_layers_tokens_per_s'][k]:.1f} tokens/s; features +{us['features_extra_fraction'][f'bs{b}']*100:.1f}%")
PY
fi
