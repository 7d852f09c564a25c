#!/bin/sh
# Points TorchSharp at the image's PyTorch libtorch (CUDA build), then runs saex, or saex-bench for "bench ...".
set -e
TORCH_LIB=$(python -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
export LD_LIBRARY_PATH="$TORCH_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
if [ "$1" = bench ]; then
  shift
  exec /app/saex-bench "$@"
fi
exec /app/saex "$@"
