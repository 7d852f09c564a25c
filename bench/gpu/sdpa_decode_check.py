# Which layout of a decoding step's attention gives bit-identical bfloat16 results to transformers' call
# (q [1, H, 1, d], unrepeated KV with enable_gqa): run on the GPU machine; prints the count of equal outputs per variant.
import torch, torch.nn.functional as F
torch.manual_seed(0)
dev="cuda"
for (H,kvH,hd,L) in [(4,2,8,40),(4,2,8,77),(64,8,128,90)]:
    g=H//kvH
    res={}
    for trial in range(50):
        q=torch.randn(1,H,1,hd,device=dev,dtype=torch.bfloat16)
        cache_k=torch.randn(1,kvH,200,hd,device=dev,dtype=torch.bfloat16)
        cache_v=torch.randn(1,kvH,200,hd,device=dev,dtype=torch.bfloat16)
        k=cache_k[:,:,:L].contiguous(); v=cache_v[:,:,:L].contiguous()
        A=F.scaled_dot_product_attention(q,k,v,enable_gqa=True,scale=hd**-0.5)
        variants={
          "grouped_nomask_view": F.scaled_dot_product_attention(q.view(1,kvH,g,hd),cache_k.narrow(2,0,L),cache_v.narrow(2,0,L)).reshape(1,H,1,hd),
          "grouped_nomask_contig": F.scaled_dot_product_attention(q.view(1,kvH,g,hd),k,v).reshape(1,H,1,hd),
          "grouped_mask": F.scaled_dot_product_attention(q.view(1,kvH,g,hd),cache_k.narrow(2,0,L),cache_v.narrow(2,0,L),attn_mask=torch.ones(1,1,1,L,dtype=torch.bool,device=dev)).reshape(1,H,1,hd),
          "repeat_nomask": F.scaled_dot_product_attention(q,k.repeat_interleave(g,1),v.repeat_interleave(g,1)),
          "gqa_view": F.scaled_dot_product_attention(q,cache_k.narrow(2,0,L),cache_v.narrow(2,0,L),enable_gqa=True),
          "repeat_mask": F.scaled_dot_product_attention(q,k.repeat_interleave(g,1),v.repeat_interleave(g,1),attn_mask=torch.ones(1,1,1,L,dtype=torch.bool,device=dev)),
        }
        for n,B in variants.items():
            res[n]=res.get(n,0)+int(torch.equal(A,B))
    print((H,kvH,hd,L),"bit-equal to transformers' enable_gqa call out of 50:",res)
