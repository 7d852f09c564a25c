# Summarises an Nsight Compute CSV (gpu__time_duration.sum per kernel) of `saex-bench capture --layers 2
# --batch-sizes 64 --reps 1`. The timed pass over the 300-prompt workload (batch 64) is the last five forwards of
# two layers each; every decoder layer ends with the residual add, so the last ten layers are the kernels after the
# eleventh-from-last add (each forward's first layer also carries its embedding lookup, mask and rotary tables).
# Prints and writes the per-layer kernel times: usage: ncu_layer_profile.py ncu.csv out.json
import csv, json, sys, collections
rows = [r for r in csv.DictReader(l for l in open(sys.argv[1]) if l.startswith('"'))]
scale = {"nsecond": 1e-3, "ns": 1e-3, "usecond": 1.0, "us": 1.0, "msecond": 1e3, "ms": 1e3}
kernels = [(r["Kernel Name"], float(r["Metric Value"].replace(",", "")) * scale[r["Metric Unit"]])
           for r in rows if r["Metric Name"] == "gpu__time_duration.sum"]
adds = [i for i, (n, _) in enumerate(kernels) if "CUDAFunctor_add" in n]
layers = 10
timed = kernels[adds[-layers - 1] + 1: adds[-1] + 1]
total, calls = collections.Counter(), collections.Counter()
for n, us in timed:
    total[n] += us
    calls[n] += 1
gemm = sum(t for n, t in total.items() if any(s in n.lower() for s in ("gemm", "nvjet", "xmma", "cutlass")))
attention = sum(t for n, t in total.items() if "sdpa" in n.lower() or "flash" in n.lower() or "fmha" in n.lower())
out = {"layers": layers, "kernels": len(timed), "us_per_layer": sum(total.values()) / layers,
       "gemm_us_per_layer": gemm / layers, "attention_us_per_layer": attention / layers,
       "other_us_per_layer": (sum(total.values()) - gemm - attention) / layers,
       "by_kernel": [{"kernel": n[:110], "calls_per_layer": calls[n] / layers, "us_per_layer": round(t / layers, 1)} for n, t in total.most_common(25)]}
print(json.dumps(out, indent=1))
json.dump(out, open(sys.argv[2], "w"), indent=1)
