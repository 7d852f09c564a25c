# Python reference for decoding speed: transformers generate (sdpa, bf16, dynamic cache, greedy) with Llama-3.3-70B
# shapes and random weights, B prompts of 60 random tokens, no stop token. A decode step costs
# (t(1 + N new) - t(1 new)) / N; per layer = the difference of two depths; writes $OUT/hf_generate_baseline.json.
import json, os, time
import torch

OUT = os.environ.get("OUT", "/tmp/out")
DEPTHS = [int(x) for x in os.environ.get("DEPTHS", "4,8").split(",")]
BATCHES = [int(x) for x in os.environ.get("BATCHES", "1,64").split(",")]
NEW = int(os.environ.get("NEW_TOKENS", "64"))
REPS = int(os.environ.get("REPS", "3"))
os.makedirs(OUT, exist_ok=True)
res = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__}

def log(*a):
    print(f"[{time.strftime('%H:%M:%S')}]", *a, flush=True)

def build(nl):
    from transformers import LlamaConfig, LlamaForCausalLM
    cfg = LlamaConfig(vocab_size=128256, hidden_size=8192, intermediate_size=28672, num_hidden_layers=nl,
                      num_attention_heads=64, num_key_value_heads=8, head_dim=128, max_position_embeddings=131072,
                      rms_norm_eps=1e-5, rope_theta=500000.0,
                      rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                    "original_max_position_embeddings": 8192}, tie_word_embeddings=False)
    cfg._attn_implementation = "sdpa"
    torch.manual_seed(0)
    prev = torch.get_default_dtype()
    torch.set_default_dtype(torch.bfloat16)
    with torch.device("cuda"):
        m = LlamaForCausalLM(cfg)
    torch.set_default_dtype(prev)
    m.model.rotary_emb = type(m.model.rotary_emb)(config=m.config, device="cuda")
    m.generation_config.eos_token_id = None
    m.generation_config.pad_token_id = 0
    return m.eval()

def timeit(fn, reps=3):
    fn(); torch.cuda.synchronize()
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); fn(); torch.cuda.synchronize(); ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[len(ts) // 2]

by = {}
with torch.inference_mode():
    for nl in DEPTHS:
        log("build", nl)
        m = build(nl)
        r = {}
        for b in BATCHES:
            ids = torch.randint(0, 128000, (b, 60), device="cuda")
            mask = torch.ones_like(ids)
            gen = lambda n: m.generate(input_ids=ids, attention_mask=mask, max_new_tokens=n, do_sample=False)
            assert gen(1 + NEW).shape[1] == 60 + 1 + NEW
            t1 = timeit(lambda: gen(1), REPS)
            tn = timeit(lambda: gen(1 + NEW), REPS)
            r[f"bs{b}_step_s"] = (tn - t1) / NEW
        by[nl] = r
        log(nl, {k: f"{v*1e3:.3f} ms" for k, v in r.items()})
        del m; torch.cuda.empty_cache()
res["workload"] = {"prompt_tokens": 60, "new_tokens": NEW, "batch_sizes": BATCHES}
res["by_layers_step_s"] = {str(k): v for k, v in by.items()}
lo, hi = min(DEPTHS), max(DEPTHS)
per = {k: (by[hi][k] - by[lo][k]) / (hi - lo) for k in by[hi]}
fixed = {k: by[lo][k] - lo * per[k] for k in per}
whole = {k: fixed[k] + 80 * per[k] for k in per}
res["per_layer_step_s"] = per
res["fixed_step_s"] = fixed
res["extrapolated_80_layers_step_s"] = whole
res["extrapolated_80_layers_tokens_per_s"] = {k: int(k[2:k.index("_")]) / v for k, v in whole.items()}
json.dump(res, open(f"{OUT}/hf_generate_baseline.json", "w"), indent=2)
log("done")
