"""Loads `saex run` artefacts with the real torch.load (weights_only, PyTorch's default) and checks them.

Usage: check_run_artefacts.py <out dir> <layer> <report.json>. Prints and writes a JSON report; exits non-zero
on any mismatch.
"""
import json
import sys
from pathlib import Path

import torch

out, layer, report_path = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
acts = torch.load(out / f"activations_layer{layer}.pt")  # weights_only=True is the default in PyTorch >= 2.6
feats = torch.load(out / f"features_layer{layer}.pt")
diff = json.loads((out / "feature_diff.json").read_text())

n = len(acts["ids"])
assert acts["activations"].shape == (n, acts["activations"].shape[1]) and acts["activations"].dtype == torch.float32
assert feats["features"].dtype == torch.float32 and feats["features"].shape[0] == n
assert feats["ids"] == acts["ids"] and feats["conditions"] == acts["conditions"]
counts = (feats["features"] != 0).sum(1)
assert torch.equal(counts, feats["active_counts"]), "active_counts disagree with the features"
first = {}
for i, c in enumerate(feats["conditions"]):
    first.setdefault(c, i)
for c, i in first.items():
    assert diff["conditions"][c]["first_sample"]["active_count"] == int(counts[i]), c

report = {
    "torch": torch.__version__,
    "prompts": n,
    "d_model": acts["activations"].shape[1],
    "d_sae": feats["features"].shape[1],
    "keys_activations": sorted(acts.keys()),
    "keys_features": sorted(feats.keys()),
    "mean_active_count_by_condition": {c: float(counts[[i for i, x in enumerate(feats["conditions"]) if x == c]].float().mean()) for c in first},
}
report_path.write_text(json.dumps(report, indent=2))
print(json.dumps(report, indent=2))
