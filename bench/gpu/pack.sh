#!/usr/bin/env bash
# Packs saex and saex-bench for a GPU machine without .NET: both self-contained in one folder, built against an
# installed PyTorch's libtorch (-p:TorchBackend=external), as .gpu/app.txz (git-ignored). The figure renderer's native
# libraries (Skia, HarfBuzz), debugger support and symbols are left out: the GPU commands do not draw figures, and a
# device call carries at most 64 MiB with the working tree. On the machine:
#   mkdir -p /tmp/app && tar xJf .gpu/app.txz -C /tmp/app && APP=/tmp/app bash bench/gpu/run_capture_bench.sh
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
grep -qx "/.gpu/" .git/info/exclude 2>/dev/null || echo "/.gpu/" >> .git/info/exclude
app=$(mktemp -d)
trap 'rm -rf "$app"' EXIT
for project in src/SaeExplorer.Cli bench/SaeExplorer.Bench.Gpu; do
  dotnet publish "$project" -c Release -r linux-x64 --self-contained true -p:InvariantGlobalization=true \
    -p:TorchBackend=external -o "$app" -nologo -v q
done
rm -f "$app"/libSkiaSharp.so "$app"/libHarfBuzzSharp.so "$app"/*.pdb "$app"/libmscordaccore.so "$app"/libmscordbi.so "$app"/createdump
mkdir -p .gpu
tar cJf .gpu/app.txz -C "$app" .
echo "packed .gpu/app.txz: $(( $(stat -c %s .gpu/app.txz) / 1048576 )) MB"
