#!/usr/bin/env bash
# Runs on the GPU machine from the repo root, saex (published with -p:TorchBackend=external) unpacked in $APP:
# encodes the golden resid_post.2 activations with each fixture SAE on the CPU and on CUDA (float32 and bfloat16;
# on CUDA the sparse entries come from the NVRTC kernels), then sae_parity.py compares every run with the
# reference libraries' dense features in golden_sae.safetensors.
set -euo pipefail
APP=${APP:-/tmp/app}
OUT=${OUT:-/tmp/parity}
export LD_LIBRARY_PATH=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')/lib
mkdir -p "$OUT/sae"
ACTS=tests/fixtures/tiny-llama3-golden/golden_capture.safetensors
for spec in goodfire:goodfire_l2.pt saelens_jumprelu:saelens_jumprelu_l2 sparsify_topk:sparsify_topk_l2/layers.2; do
  name=${spec%%:*}; path=tests/fixtures/sae/${spec#*:}
  "$APP/saex" encode --sae "$path" --acts "$ACTS" --layer 2 --device cpu --dtype float32 --out "$OUT/sae/${name}_cpu_float32.safetensors" > /dev/null
  for dtype in float32 bfloat16; do
    "$APP/saex" encode --sae "$path" --acts "$ACTS" --layer 2 --device cuda --dtype "$dtype" --out "$OUT/sae/${name}_cuda_${dtype}.safetensors" > /dev/null
  done
done
python3 tests/gpu/sae_parity.py "$OUT/sae" "$OUT/sae_parity.json"
