# Summarises an Nsight Compute CSV (gpu__time_duration.sum per kernel) of `saex bench capture --layers 2
# --batch-sizes 64 --reps 1`: the last five forwards are the timed pass over the 300-prompt workload (batch 64);
# each forward begins with the embedding lookup. Prints and writes per-kernel totals per decoder layer.
import csv, json, sys, collections
rows = [r for r in csv.DictReader(l for l in open(sys.argv[1]) if l.startswith('"'))]
kernels = [(r["Kernel Name"], float(r["Metric Value"].replace(",", "")) * (1e-3 if r["Metric Unit"] == "nsecond" else 1.0 if r["Metric Unit"] == "usecond" else 1e3))
           for r in rows if r["Metric Name"] == "gpu__time_duration.sum"]
starts = [i for i, (n, _) in enumerate(kernels) if "index" in n.lower() and ("select" in n.lower() or "embedding" in n.lower())]
first = starts[-5]
forward = kernels[first:]
total = collections.Counter()
calls = collections.Counter()
for n, us in forward:
    total[n] += us
    calls[n] += 1
layers = 2
out = {"kernels_in_pass": len(forward), "pass_us": sum(total.values()),
       "per_layer_us_by_kernel": [{"kernel": n[:110], "calls": calls[n], "us_per_layer": round(t / layers, 1)} for n, t in total.most_common(30)]}
gemm = sum(t for n, t in total.items() if any(s in n.lower() for s in ("gemm", "nvjet", "xmma", "cutlass", "sm90")))
out["gemm_us_per_layer"] = gemm / layers
out["other_us_per_layer"] = (sum(total.values()) - gemm) / layers
print(json.dumps(out, indent=1))
json.dump(out, open(sys.argv[2], "w"), indent=1)
