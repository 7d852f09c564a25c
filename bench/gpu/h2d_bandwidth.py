# Host-to-device copy rates on the GPU machine, the ceiling for loading weights from the page cache: a pinned
# (page-locked) buffer copied asynchronously, and a pageable one. Writes $OUT/h2d_bandwidth.json.
import json, os, time
import torch

OUT = os.environ.get("OUT", "/tmp/out")
size = 1 << 30
res = {"device": torch.cuda.get_device_name(0), "bytes": size}
dst = torch.empty(size, dtype=torch.uint8, device="cuda")
for name, src in (("pinned", torch.empty(size, dtype=torch.uint8).pin_memory()), ("pageable", torch.empty(size, dtype=torch.uint8))):
    src.fill_(1)
    dst.copy_(src, non_blocking=True); torch.cuda.synchronize()
    times = []
    for _ in range(5):
        t = time.perf_counter(); dst.copy_(src, non_blocking=True); torch.cuda.synchronize(); times.append(time.perf_counter() - t)
    res[f"{name}_GBps"] = size / sorted(times)[2] / 1e9
print(json.dumps(res))
json.dump(res, open(f"{OUT}/h2d_bandwidth.json", "w"), indent=1)
