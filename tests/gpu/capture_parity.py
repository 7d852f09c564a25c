"""GPU parity check for `saex capture` (run on a CUDA machine that has PyTorch + transformers).

Compares saex's CUDA captures of the tiny fixture model with
  * the float32 CPU goldens from transformers (tests/fixtures/tiny-llama3-golden), and
  * transformers itself on the same GPU, in float32 and bfloat16 (sdpa), prompts one at a time,
and prints one JSON report. Usage: capture_parity.py <dir with saex outputs> <report.json>
"""
import json
import sys
import time
from pathlib import Path

import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

root = Path(__file__).resolve().parents[2]
model_dir = root / "tests/fixtures/tiny-llama3"
golden = load_file(str(root / "tests/fixtures/tiny-llama3-golden/golden_capture.safetensors"))
prompts = json.loads((root / "tests/fixtures/tiny-llama3-golden/golden_capture.json").read_text())["prompts"]
outputs, report_path = Path(sys.argv[1]), Path(sys.argv[2])
layers = [0, 1, 2, 3]


def hf_resid(dtype):
    model = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=dtype, attn_implementation="sdpa").cuda().eval()
    result, current = {}, {}

    def hook(layer):
        # What model.model.layers[l] returns (a tensor in transformers 5, a tuple in 4.x): resid_post of layer l.
        def record(_module, _inputs, output):
            current[layer] = (output[0] if isinstance(output, tuple) else output)[0].float().cpu()
        return record

    handles = [model.model.layers[l].register_forward_hook(hook(l)) for l in layers]
    with torch.no_grad():
        for p in prompts:
            model(torch.tensor([p["input_ids"]], device="cuda"))
            for l in layers:
                result[f"p{p['index']}.resid_post.{l}"] = current[l]
    for h in handles:
        h.remove()
    return result


def compare(ours, reference):
    worst_abs, worst_rel = 0.0, 0.0
    for name, ref in reference.items():
        if ".resid_post." not in name:
            continue
        d = (ours[name] - ref).abs().max().item()
        worst_abs = max(worst_abs, d)
        worst_rel = max(worst_rel, d / ref.abs().max().item())
    return {"max_abs_diff": worst_abs, "max_abs_diff_over_max_abs_ref": worst_rel}


report = {
    "device": torch.cuda.get_device_name(0),
    "date": time.strftime("%Y-%m-%d"),
    "torch": torch.__version__,
}
import transformers  # noqa: E402

report["transformers"] = transformers.__version__
hf = {"float32": hf_resid(torch.float32), "bfloat16": hf_resid(torch.bfloat16)}
report["transformers_cuda_vs_cpu_goldens"] = {k: compare(v, {n: golden[n] for n in v}) for k, v in hf.items()}
for f in sorted(outputs.glob("saex_*.safetensors")):
    ours = load_file(str(f))
    for p in prompts:
        assert ours[f"p{p['index']}.input_ids"].tolist() == p["input_ids"], f"{f.name}: ids of p{p['index']} differ"
    dtype = "bfloat16" if "bf16" in f.name else "float32"
    ref_hf = hf[dtype]
    report[f.stem] = {
        "vs_cpu_fp32_goldens": compare(ours, {n: golden[n] for n in ref_hf}),
        f"vs_transformers_cuda_{dtype}": compare(ours, ref_hf),
    }
report_path.write_text(json.dumps(report, indent=2))
print(json.dumps(report, indent=2))
