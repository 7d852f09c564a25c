# Greedy bf16 generation on CUDA by transformers for the shared tiny model and the generation goldens' seven cases
# (plain, steering and clamping SAE features at layer 2, at every position), one prompt at a time, as saex generate
# is asked to do with --device cuda --dtype bfloat16. Writes $OUT/hf_generate_parity.json: case -> prompt -> new ids.
import json, os, sys
import torch
from transformers import LlamaForCausalLM

root = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures"
OUT = os.environ.get("OUT", "/tmp/out")
golden = json.load(open(f"{root}/generation-golden/tiny-llama3_generation_golden.json"))
prompts = json.load(open(f"{root}/tiny-llama3-golden/golden_capture.json"))["prompts"]
model = LlamaForCausalLM.from_pretrained(f"{root}/tiny-llama3", dtype=torch.bfloat16, attn_implementation="sdpa").cuda().eval()
sd = torch.load(f"{root}/sae/goodfire_l2.pt", map_location="cuda")
enc_w = sd["encoder_linear.weight"].to(torch.bfloat16)   # [d_sae, d_in]
enc_b = sd["encoder_linear.bias"].to(torch.bfloat16)
dec_w = sd["decoder_linear.weight"].to(torch.bfloat16)   # [d_in, d_sae]
layer = golden["layer"]

def hook_for(case):
    f, v = case["feature"], case["value"]
    def hook(module, args, output):
        h = output[0] if isinstance(output, tuple) else output
        if case["kind"] == "add":
            h = h + dec_w[:, f] * v
        else:
            flat = h.reshape(-1, h.shape[-1])
            a = torch.relu(torch.addmm(enc_b, flat, enc_w.t()))[:, f].reshape(h.shape[:-1])
            h = h + (v - a).unsqueeze(-1) * dec_w[:, f]
        return (h,) + tuple(output[1:]) if isinstance(output, tuple) else h
    return hook

result = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "cases": {}}
with torch.inference_mode():
    for case in golden["cases"]:
        handle = model.model.layers[layer].register_forward_hook(hook_for(case)) if case["kind"] != "none" else None
        out = {}
        for p in prompts:
            ids = torch.tensor([p["input_ids"]], device="cuda")
            gen = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=golden["max_new_tokens"],
                                 do_sample=False, eos_token_id=golden["eos_token_ids"], pad_token_id=0)
            out[f"p{p['index']}"] = gen[0, ids.shape[1]:].tolist()
        result["cases"][case["case"]] = out
        if handle:
            handle.remove()
json.dump(result, open(f"{OUT}/hf_generate_parity.json", "w"), indent=1)
print("transformers bf16 cases:", len(result["cases"]))
