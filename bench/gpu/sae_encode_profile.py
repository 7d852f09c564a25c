# Profile of the SAE encode on the GPU machine (PyTorch's profiler over the same aten ops that saex issues through
# TorchSharp), a check of the NVRTC kernels in src/SaeExplorer.Inference/Cuda/sparse_activations.cu against
# torch's relu/nonzero route (compiled here by CuPy's NVRTC, as saex compiles them through libnvrtc), and a kernel
# breakdown of one transformers Llama-70B-shaped decoder layer. Writes $OUT/sae_encode_profile.json.
import glob, json, os, shutil, subprocess, sys, time, random
import torch
import cupy as cp

OUT = os.environ.get("OUT", "/tmp/out")
os.makedirs(OUT, exist_ok=True)
res = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "cupy": cp.__version__}
site = os.path.dirname(os.path.dirname(torch.__file__))
res["libnvrtc"] = sorted(glob.glob(f"{site}/nvidia/**/libnvrtc*.so*", recursive=True) + glob.glob(f"{os.path.dirname(torch.__file__)}/lib/libnvrtc*"))
res["ncu"] = shutil.which("ncu")

def log(*a):
    print(f"[{time.strftime('%H:%M:%S')}]", *a, flush=True)

def median_time(fn, reps=5):
    fn(); torch.cuda.synchronize()
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); fn(); torch.cuda.synchronize(); ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[len(ts) // 2]

def kernel_table(prof, n=14):
    rows = []
    for e in sorted(prof.key_averages(), key=lambda e: -e.device_time_total)[:n]:
        rows.append({"name": e.key[:90], "calls": e.count, "device_ms": round(e.device_time_total / 1e3, 3)})
    return rows

src = open("src/SaeExplorer.Inference/Cuda/sparse_activations.cu").read()
mod = cp.RawModule(code=src, options=("--std=c++17",))
K = {n: (mod.get_function(f"saex_count_active_{n}"), mod.get_function(f"saex_write_active_{n}")) for n in ("bf16_v16", "bf16_v8", "bf16_v1", "f32_v8", "f32_v4", "f32_v1")}

def cp_of(t):
    # CuPy has no bfloat16: hand it the raw 16-bit words.
    return cp.from_dlpack(t.view(torch.int16) if t.dtype == torch.bfloat16 else t)

def kernel_sparse(pre, bias=None, threshold=None, variant="bf16_v16"):
    # As SparseActivationKernels.Extract: counts per (row, warp segment), their exclusive scan, then the write pass.
    n, d = pre.shape
    count, write = K[variant]
    segments = torch.empty(n, 8, dtype=torch.int32, device=pre.device)
    none = cp.uint64(0)
    b = cp_of(bias) if bias is not None else none
    th = cp_of(threshold) if threshold is not None else none
    count((n,), (256,), (cp_of(pre), b, th, cp.int32(d), cp_of(segments)))
    flat = segments.view(-1)
    ends = flat.cumsum(0, dtype=torch.int64)
    total = int(ends[-1])
    starts = ends - flat
    columns = torch.empty(total, dtype=torch.int32, device=pre.device)
    values = torch.empty(total, dtype=torch.float32, device=pre.device)
    if total:
        write((n,), (256,), (cp_of(pre), b, th, cp.int32(d), cp_of(starts), cp_of(columns), cp_of(values)))
    return segments.sum(1, dtype=torch.int32).cpu(), columns.cpu(), values.cpu()

def torch_sparse(features):
    nz = features.nonzero()
    rows, cols = nz[:, 0], nz[:, 1]
    values = features[rows, cols].float().cpu()
    return rows.bincount(minlength=features.shape[0]).to(torch.int32).cpu(), cols.to(torch.int32).cpu(), values

tokens, d_in, d_sae, chunk = 20929, 8192, 65536, 4096
torch.manual_seed(0)
with torch.inference_mode():
    x = torch.randn(tokens, d_in, device="cuda").bfloat16()
    W = (torch.randn(d_in, d_sae, device="cuda") * 0.02).bfloat16()
    W_t = W.t().contiguous().t()  # Goodfire's layout: stored [d_sae, d_in], used as a transposed view
    sigma = 0.02 * d_in ** 0.5
    b = torch.full((d_sae,), -2.9 * sigma, device="cuda").bfloat16()
    spans = [(s, min(chunk, tokens - s)) for s in range(0, tokens, chunk)]

    # Correctness first: the kernels against torch on the same pre-activations.
    checks = {}
    for name, weight in (("W", W), ("W_view_of_transposed", W_t)):
        s, n = spans[1]
        pre = torch.addmm(b, x[s:s + n], weight)
        ref = torch_sparse(pre.relu())
        got = kernel_sparse(pre)
        checks[f"addmm_{name}"] = all(torch.equal(a, c) for a, c in zip(ref, got))
        pre2 = x[s:s + n] @ weight
        ref2 = torch_sparse((pre2 + b).relu())
        got2 = kernel_sparse(pre2, bias=b)
        checks[f"mm_bias_in_kernel_{name}"] = all(torch.equal(a, c) for a, c in zip(ref2, got2))
        thr = (torch.rand(d_sae, device="cuda") * 2 - 0.5).bfloat16()
        ref3 = torch_sparse(torch.relu(pre2 + b) * ((pre2 + b) > thr).bfloat16())
        checks[f"jumprelu_{name}"] = all(torch.equal(a, c) for a, c in zip(ref3, kernel_sparse(pre2, bias=b, threshold=thr)))
        got4 = kernel_sparse(pre, variant="bf16_v1")
        checks[f"scalar_variant_{name}"] = all(torch.equal(a, c) for a, c in zip(ref, got4))
        pre32 = pre.float()
        checks[f"f32_{name}"] = all(torch.equal(a, c) for a, c in zip(torch_sparse(pre32.relu()), kernel_sparse(pre32, variant="f32_v8")))
        checks[f"v8_variant_{name}"] = all(torch.equal(a, c) for a, c in zip(ref, kernel_sparse(pre, variant="bf16_v8")))
        checks[f"active_per_token_{name}"] = float(ref[0].float().mean())
    res["checks"] = checks
    log("checks", checks)

    def bare(weight):
        for s, n in spans:
            x[s:s + n] @ weight
    def addmm_only(weight):
        for s, n in spans:
            torch.addmm(b, x[s:s + n], weight)
    def saex_torch_route(weight):
        nnz = 0
        for s, n in spans:
            f = torch.addmm(b, x[s:s + n], weight).relu_()
            c, cols, v = torch_sparse(f)
            nnz += len(cols)
        return nnz
    def kernel_route_addmm(weight):
        for s, n in spans:
            kernel_sparse(torch.addmm(b, x[s:s + n], weight))
    def kernel_route_mm_bias(weight):
        for s, n in spans:
            kernel_sparse(x[s:s + n] @ weight, bias=b)
    def kernel_only(pre):
        kernel_sparse(pre)

    timings = {}
    for name, weight in (("W", W), ("W_view_of_transposed", W_t)):
        t = {}
        for fn in (bare, addmm_only, saex_torch_route, kernel_route_addmm, kernel_route_mm_bias):
            t[fn.__name__ + "_ms"] = median_time(lambda: fn(weight)) * 1e3
        t["bare_tflops"] = 2 * tokens * d_in * d_sae / (t["bare_ms"] / 1e3) / 1e12
        for k in ("saex_torch_route_ms", "kernel_route_addmm_ms", "kernel_route_mm_bias_ms"):
            t[k.replace("_ms", "_over_bare")] = t[k] / t["bare_ms"]
        timings[name] = t
        log(name, t)
    pre_chunk = torch.addmm(b, x[:chunk], W)
    timings["kernels_only_one_4096_chunk_ms"] = median_time(lambda: kernel_only(pre_chunk), reps=9) * 1e3
    res["timings"] = timings

    from torch.profiler import profile, ProfilerActivity
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        saex_torch_route(W_t); torch.cuda.synchronize()
    res["profile_torch_route"] = kernel_table(prof)
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        kernel_route_mm_bias(W_t); torch.cuda.synchronize()
    res["profile_kernel_route"] = kernel_table(prof)
    del x, W, W_t, pre_chunk
    torch.cuda.empty_cache()

# One transformers decoder layer's kernels on the capture workload (batch 64), to see what is GEMM and what is not.
def cfg70(nl):
    from transformers import LlamaConfig
    return LlamaConfig(vocab_size=128256, hidden_size=8192, intermediate_size=28672, num_hidden_layers=nl,
                       num_attention_heads=64, num_key_value_heads=8, head_dim=128, max_position_embeddings=131072,
                       rms_norm_eps=1e-5, rope_theta=500000.0,
                       rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                     "original_max_position_embeddings": 8192}, tie_word_embeddings=False)
from transformers import LlamaModel
torch.manual_seed(0)
torch.set_default_dtype(torch.bfloat16)
with torch.device("cuda"):
    m = LlamaModel(cfg70(1)).eval()
torch.set_default_dtype(torch.float32)
m.rotary_emb = type(m.rotary_emb)(config=m.config, device="cuda")
random.seed(0)
lengths = [random.randint(45, 95) for _ in range(300)]
order = sorted(range(300), key=lambda i: lengths[i])
batches = []
for s in range(0, 300, 64):
    idx = order[s:s + 64]; L = max(lengths[i] for i in idx)
    mask = torch.zeros(len(idx), L, dtype=torch.long, device="cuda")
    for r, i in enumerate(idx):
        mask[r, :lengths[i]] = 1
    batches.append((torch.randint(0, 128000, (len(idx), L), device="cuda"), mask))
with torch.inference_mode():
    run = lambda: [m(input_ids=i, attention_mask=a) for i, a in batches]
    run(); torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        run(); torch.cuda.synchronize()
cats = {}
for e in prof.key_averages():
    if e.device_time_total <= 0:
        continue
    k = e.key.lower()
    cat = "gemm" if any(s in k for s in ("gemm", "xmma", "cutlass", "sm90", "nvjet")) else "attention" if ("flash" in k or "fmha" in k or "attention" in k) else "embedding" if "embedding" in k or "index" in k else "other"
    cats[cat] = cats.get(cat, 0) + e.device_time_total / 1e3
res["hf_one_layer_bs64_kernel_ms_by_category"] = {k: round(v, 3) for k, v in cats.items()}
res["hf_one_layer_bs64_top_kernels"] = kernel_table(prof, 20)
log(json.dumps(res, indent=1))
json.dump(res, open(f"{OUT}/sae_encode_profile.json", "w"), indent=1)
