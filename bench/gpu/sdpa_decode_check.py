# Which layout of a decoding step's attention gives bit-identical bfloat16 results to transformers' call
# (q [n, H, 1, d], unrepeated KV with enable_gqa): run on the GPU machine; prints the count of equal outputs per variant.
import torch, torch.nn.functional as F
torch.manual_seed(0)
dev = "cuda"
for (n, H, kvH, hd, L) in [(1, 4, 2, 8, 40), (10, 4, 2, 8, 77), (1, 64, 8, 128, 90), (64, 64, 8, 128, 124), (64, 64, 8, 128, 600), (1, 64, 8, 128, 600)]:
    g = H // kvH
    res = {}
    for trial in range(20):
        q = torch.randn(n, H, 1, hd, device=dev, dtype=torch.bfloat16)
        cache_k = torch.randn(n, kvH, 700, hd, device=dev, dtype=torch.bfloat16)
        cache_v = torch.randn(n, kvH, 700, hd, device=dev, dtype=torch.bfloat16)
        k = cache_k[:, :, :L].contiguous(); v = cache_v[:, :, :L].contiguous()
        A = F.scaled_dot_product_attention(q, k, v, enable_gqa=True, scale=hd ** -0.5)
        kv_view = (cache_k.narrow(2, 0, L), cache_v.narrow(2, 0, L))
        # per group j: the query heads j, g + j, ... would be wrong; heads of KV head c are c*g .. c*g+g-1
        qg = q.view(n, kvH, g, hd)
        per_group = torch.stack([F.scaled_dot_product_attention(qg[:, :, j:j + 1, :], *kv_view) for j in range(g)], dim=2).reshape(n, H, 1, hd)
        variants = {
            "grouped": F.scaled_dot_product_attention(qg, *kv_view).reshape(n, H, 1, hd),
            "repeat": F.scaled_dot_product_attention(q, k.repeat_interleave(g, 1), v.repeat_interleave(g, 1)),
            "per_group": per_group,
        }
        for name, B in variants.items():
            res[name] = res.get(name, 0) + int(torch.equal(A, B))
    print((n, H, kvH, hd, L), "bit-equal to transformers' enable_gqa call out of 20:", res, flush=True)
