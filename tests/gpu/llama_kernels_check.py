# Checks the fused kernels of src/SaeExplorer.Inference/Cuda/llama_layer.cu (compiled here by CuPy's NVRTC, as saex
# compiles them through libnvrtc) against the torch operations they replace, on 70B-shaped bfloat16 tensors.
# Writes $OUT/llama_kernels_check.json: exact-match counts and the largest difference.
import json, os, sys
import torch
import cupy as cp

OUT = os.environ.get("OUT", "/tmp/out")
mod = cp.RawModule(code=open("src/SaeExplorer.Inference/Cuda/llama_layer.cu").read(), options=("--std=c++17",))
rms, attention_inputs, silu_mul = (mod.get_function(n) for n in ("saex_rms_norm", "saex_attention_inputs", "saex_silu_mul"))
raw = lambda t: cp.from_dlpack(t.view(torch.int16))

def compare(name, got, ref):
    same = int((got.view(torch.int16) == ref.view(torch.int16)).sum())
    diff = float((got.float() - ref.float()).abs().max())
    rel = diff / float(ref.float().abs().max())
    return {"elements": ref.numel(), "bit_identical": same, "max_abs_diff": diff, "max_diff_over_max": rel}

torch.manual_seed(0)
n, d, heads, kv, hd, inter = 4096, 8192, 64, 8, 128, 28672
res = {"device": torch.cuda.get_device_name(0)}
with torch.inference_mode():
    x = (torch.randn(n, d, device="cuda") * 3).bfloat16()
    delta = torch.randn(n, d, device="cuda").bfloat16()
    w = (torch.rand(d, device="cuda") + 0.5).bfloat16()
    eps = 1e-5
    def torch_rms(h):
        f = h.float()
        var = f.pow(2).mean(-1, keepdim=True)
        return w * (f * torch.rsqrt(var + eps)).to(torch.bfloat16)
    out = torch.empty_like(x)
    rms((n,), (256,), (raw(x), cp.uint64(0), cp.uint64(0), raw(w), raw(out), cp.int32(d), cp.float32(eps)))
    res["rms_norm"] = compare("rms", out, torch_rms(x))
    h = torch.empty_like(x); out2 = torch.empty_like(x)
    rms((n,), (256,), (raw(x), raw(delta), raw(h), raw(w), raw(out2), cp.int32(d), cp.float32(eps)))
    href = x + delta
    res["residual_add"] = compare("add", h, href)
    res["add_rms_norm"] = compare("addrms", out2, torch_rms(href))

    width = (heads + 2 * kv) * hd
    qkv = torch.randn(n, width, device="cuda").bfloat16()
    pos = torch.arange(n, device="cuda").float()
    inv = 1.0 / (500000.0 ** (torch.arange(0, hd, 2, device="cuda").float() / hd))
    emb = torch.cat([pos[:, None] * inv, pos[:, None] * inv], -1)
    cos, sin = emb.cos().bfloat16(), emb.sin().bfloat16()
    def rot(t):
        x1, x2 = t[..., :hd // 2], t[..., hd // 2:]
        return t * cos[:, None] + torch.cat([-x2, x1], -1) * sin[:, None]
    # Three prompts of different lengths packed into the n rows, padded to the longest.
    lengths = [n // 2, n // 4, n - n // 2 - n // 4]
    tmax = max(lengths)
    pad = torch.cat([torch.arange(l, device="cuda") + p * tmax for p, l in enumerate(lengths)])
    rq = rot(qkv[:, :heads * hd].view(n, heads, hd))
    rk = rot(qkv[:, heads * hd:(heads + kv) * hd].view(n, kv, hd)).repeat_interleave(heads // kv, 1)
    rv = qkv[:, (heads + kv) * hd:].reshape(n, kv, hd).repeat_interleave(heads // kv, 1)
    slots = len(lengths) * tmax
    refs = []
    for t in (rq, rk, rv):
        z = torch.zeros(slots, heads, hd, device="cuda", dtype=torch.bfloat16)
        z.index_copy_(0, pad, t)
        refs.append(z)
    outs = [torch.zeros(slots, heads, hd, device="cuda", dtype=torch.bfloat16) for _ in range(3)]
    attention_inputs((n,), (128,), (raw(qkv), raw(cos), raw(sin), cp.from_dlpack(pad), raw(outs[0]), raw(outs[1]), raw(outs[2]),
                                    cp.int32(heads), cp.int32(kv), cp.int32(hd)))
    for name, got, ref in zip(("q", "k", "v"), outs, refs):
        res[f"attention_inputs_{name}"] = compare(name, got, ref)

    gu = torch.randn(1024, 2 * inter, device="cuda").bfloat16() * 3
    o = torch.empty(1024, inter, device="cuda", dtype=torch.bfloat16)
    groups = 1024 * inter // 8
    silu_mul(((groups + 255) // 256,), (256,), (raw(gu), raw(o), cp.int64(1024), cp.int32(inter)))
    res["silu_mul"] = compare("silu", o, torch.nn.functional.silu(gu[:, :inter]) * gu[:, inter:])
print(json.dumps(res, indent=1))
json.dump(res, open(f"{OUT}/llama_kernels_check.json", "w"), indent=1)
