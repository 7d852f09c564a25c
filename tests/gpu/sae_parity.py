# Compares `saex encode` runs (CSR features) with the reference libraries' dense features (golden_sae.safetensors).
import json, sys, glob, os
import torch
from safetensors.torch import load_file

runs, out = sys.argv[1], sys.argv[2]
golden = load_file("tests/fixtures/tiny-llama3-golden/golden_sae.safetensors")
report = {"device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu", "torch": torch.__version__, "runs": {}}
for path in sorted(glob.glob(f"{runs}/*.safetensors")):
    name = os.path.basename(path)[:-len(".safetensors")]
    sae = next(s for s in ("goodfire", "saelens_jumprelu", "sparsify_topk") if name.startswith(s))
    got = load_file(path)
    worst, flips, active, scale = 0.0, 0, 0, 0.0
    for p in range(10):
        ref = golden[f"p{p}.{sae}.features"].float()
        starts, idx, vals = (got[f"p{p}.features.{k}"] for k in ("row_starts", "indices", "values"))
        dense = torch.sparse_csr_tensor(starts.long(), idx.long(), vals.float(), ref.shape).to_dense()
        worst = max(worst, float((dense - ref).abs().max()))
        flips += int(((dense > 0) != (ref > 0)).sum())
        active += int((ref > 0).sum())
        scale = max(scale, float(ref.abs().max()))
    report["runs"][name] = {"max_abs_diff": worst, "max_abs_diff_over_max_golden": worst / scale, "active_flag_flips": flips, "golden_active": active}
    print(f"{name:36} max|diff| {worst:.3g} ({worst / scale:.3g} of the largest)  flips {flips}/{active}")
json.dump(report, open(out, "w"), indent=1)
