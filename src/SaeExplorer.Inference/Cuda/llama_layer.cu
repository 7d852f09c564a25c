// Fused bfloat16 kernels for the Llama decoder layer on CUDA, compiled at run time by NVRTC (LlamaKernels.cs).
//
// Each replaces a chain of torch kernels that passes over the activations several times (RMSNorm in float32 is
// seven kernels; rotary, padding and KV-head repetition for attention about a dozen; SiLU-and-multiply two) and
// keeps their arithmetic: every intermediate that torch stores as bfloat16 is rounded to bfloat16 here too, in the
// same order, so rotary, SiLU×up and the residual add give torch's bits. RMSNorm's float32 sum of squares is the
// one reduction, and its summation order is this kernel's own (a last-bit difference in the statistic can move an
// output by one bfloat16 step).
//
// No headers: NVRTC needs none for this, and bfloat16 values are read and written as raw bits.

typedef unsigned short bf16;

__device__ __forceinline__ float ToFloat(bf16 h) { return __uint_as_float(((unsigned int)h) << 16); }

// Round to nearest even, as torch does when it stores a float result as bfloat16.
__device__ __forceinline__ bf16 ToBf16(float f)
{
    unsigned int u = __float_as_uint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return (bf16)((u >> 16) | 0x40u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (bf16)(u >> 16);
}

__device__ __forceinline__ float RoundBf16(float f) { return ToFloat(ToBf16(f)); }

__device__ __forceinline__ float BlockSum(float value, float* shared)
{
    for (int offset = 16; offset > 0; offset >>= 1)
        value += __shfl_down_sync(0xffffffffu, value, offset);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    if (lane == 0)
        shared[warp] = value;
    __syncthreads();
    if (warp == 0)
    {
        value = lane < warps ? shared[lane] : 0.0f;
        for (int offset = 16; offset > 0; offset >>= 1)
            value += __shfl_down_sync(0xffffffffu, value, offset);
        if (lane == 0)
            shared[0] = value;
    }
    __syncthreads();
    float total = shared[0];
    __syncthreads();
    return total;
}

// transformers' LlamaRMSNorm on one row per block: x in float32, variance = mean(x²), x * rsqrt(variance + eps)
// rounded to bfloat16, then weight * that in bfloat16. When `delta` is given the row is first h = x + delta
// (rounded to bfloat16, torch's residual add), written to `sum`, and normalised. Rows are read as 16-byte vectors of
// eight values (d a multiple of 8, every pointer 16-byte aligned) and stay in registers between the statistic and
// the output: at most MaxVectors per thread (LlamaKernels launches enough threads).
extern "C" __global__ void saex_rms_norm(const bf16* x, const bf16* delta, bf16* sum, const bf16* weight, bf16* out, int d, float eps)
{
    const int MaxVectors = 8;
    __shared__ float shared[32];
    float v[MaxVectors][8];
    long long base = (long long)blockIdx.x * d;
    int vectors = d / 8;
    float squares = 0.0f;
#pragma unroll
    for (int k = 0; k < MaxVectors; k++)
    {
        int vi = threadIdx.x + k * blockDim.x;
        if (vi < vectors)
        {
            uint4 raw = reinterpret_cast<const uint4*>(x + base)[vi];
            const bf16* h = reinterpret_cast<const bf16*>(&raw);
            uint4 change = make_uint4(0, 0, 0, 0);
            if (delta != 0)
                change = reinterpret_cast<const uint4*>(delta + base)[vi];
            const bf16* c = reinterpret_cast<const bf16*>(&change);
            uint4 total;
            bf16* t = reinterpret_cast<bf16*>(&total);
#pragma unroll
            for (int j = 0; j < 8; j++)
            {
                float f = ToFloat(h[j]);
                if (delta != 0)
                {
                    f = RoundBf16(f + ToFloat(c[j]));
                    t[j] = ToBf16(f);
                }
                v[k][j] = f;
                squares += f * f;
            }
            if (delta != 0)
                reinterpret_cast<uint4*>(sum + base)[vi] = total;
        }
    }
    float variance = BlockSum(squares, shared) * (1.0f / (float)d);
    float scale = rsqrtf(variance + eps);
#pragma unroll
    for (int k = 0; k < MaxVectors; k++)
    {
        int vi = threadIdx.x + k * blockDim.x;
        if (vi < vectors)
        {
            uint4 w = reinterpret_cast<const uint4*>(weight)[vi];
            const bf16* wv = reinterpret_cast<const bf16*>(&w);
            uint4 result;
            bf16* o = reinterpret_cast<bf16*>(&result);
#pragma unroll
            for (int j = 0; j < 8; j++)
                o[j] = ToBf16(ToFloat(wv[j]) * RoundBf16(v[k][j] * scale));
            reinterpret_cast<uint4*>(out + base)[vi] = result;
        }
    }
}

// Rotary, padding and grouped-query repetition in one pass, for scaled_dot_product_attention: packed row r of the
// fused qkv block goes to row padIndex[r] (r itself when padIndex is null) of q, k and v [rows, heads, headDim];
// q's and k's heads are rotated as transformers' apply_rotary_pos_emb does (rotate_half layout: x * cos +
// rotate_half(x) * sin, each product and the sum rounded to bfloat16 as torch's kernels round them), and each of k's and v's heads is written to
// the heads/kvHeads query heads it serves (transformers' repeat_kv layout). The caller zeroes padding rows.
extern "C" __global__ void saex_attention_inputs(const bf16* qkv, const bf16* cos, const bf16* sin, const long long* padIndex,
                                                 bf16* q, bf16* k, bf16* v, int heads, int kvHeads, int headDim)
{
    int half = headDim / 2, groups = half / 8, repeat = heads / kvHeads;
    long long row = blockIdx.x;
    long long target = padIndex != 0 ? padIndex[row] : row;
    const bf16* r = qkv + row * (long long)(heads + 2 * kvHeads) * headDim;
    const bf16* c = cos + row * headDim;
    const bf16* s = sin + row * headDim;
    long long qBase = target * (long long)heads * headDim;
    // Rotated q and k heads: work item j is (head, 8-value group); k heads come after q's.
    for (int j = threadIdx.x; j < (heads + kvHeads) * groups; j += blockDim.x)
    {
        int head = j / groups, i = (j % groups) * 8;
        const bf16* p = r + head * headDim;
        uint4 a = *reinterpret_cast<const uint4*>(p + i), b = *reinterpret_cast<const uint4*>(p + i + half);
        uint4 c1 = *reinterpret_cast<const uint4*>(c + i), c2 = *reinterpret_cast<const uint4*>(c + i + half);
        uint4 s1 = *reinterpret_cast<const uint4*>(s + i), s2 = *reinterpret_cast<const uint4*>(s + i + half);
        const bf16 *x1 = reinterpret_cast<const bf16*>(&a), *x2 = reinterpret_cast<const bf16*>(&b);
        const bf16 *cf = reinterpret_cast<const bf16*>(&c1), *cs = reinterpret_cast<const bf16*>(&c2);
        const bf16 *sf = reinterpret_cast<const bf16*>(&s1), *ss = reinterpret_cast<const bf16*>(&s2);
        uint4 first, second;
        bf16 *f = reinterpret_cast<bf16*>(&first), *g = reinterpret_cast<bf16*>(&second);
#pragma unroll
        for (int e = 0; e < 8; e++)
        {
            float u = ToFloat(x1[e]), w = ToFloat(x2[e]);
            f[e] = ToBf16(RoundBf16(u * ToFloat(cf[e])) + RoundBf16(-w * ToFloat(sf[e])));
            g[e] = ToBf16(RoundBf16(w * ToFloat(cs[e])) + RoundBf16(u * ToFloat(ss[e])));
        }
        if (head < heads)
        {
            bf16* out = q + qBase + (long long)head * headDim;
            *reinterpret_cast<uint4*>(out + i) = first;
            *reinterpret_cast<uint4*>(out + i + half) = second;
        }
        else
        {
            int kvHead = head - heads;
            for (int t = 0; t < repeat; t++)
            {
                bf16* out = k + qBase + (long long)(kvHead * repeat + t) * headDim;
                *reinterpret_cast<uint4*>(out + i) = first;
                *reinterpret_cast<uint4*>(out + i + half) = second;
            }
        }
    }
    // v heads, copied to the query heads they serve, eight values at a time.
    int vectors = headDim / 8;
    const bf16* vIn = r + (long long)(heads + kvHeads) * headDim;
    for (int j = threadIdx.x; j < kvHeads * vectors; j += blockDim.x)
    {
        int kvHead = j / vectors, i = (j % vectors) * 8;
        uint4 value = *reinterpret_cast<const uint4*>(vIn + kvHead * headDim + i);
        for (int t = 0; t < repeat; t++)
            *reinterpret_cast<uint4*>(v + qBase + (long long)(kvHead * repeat + t) * headDim + i) = value;
    }
}

// silu(gate) * up for a fused [rows, 2 × width] gate|up block: silu = g / (1 + exp(-g)) in float32 rounded to
// bfloat16 (torch's silu), then the product rounded (torch's mul). Eight values per thread when width allows.
extern "C" __global__ void saex_silu_mul(const bf16* gateUp, bf16* out, long long rows, int width)
{
    long long groups = rows * (width / 8);
    for (long long g = (long long)blockIdx.x * blockDim.x + threadIdx.x; g < groups; g += (long long)gridDim.x * blockDim.x)
    {
        long long row = g / (width / 8);
        int column = (int)(g % (width / 8)) * 8;
        const bf16* gate = gateUp + row * 2 * width + column;
        uint4 gateRaw = *reinterpret_cast<const uint4*>(gate);
        uint4 upRaw = *reinterpret_cast<const uint4*>(gate + width);
        const bf16* gv = reinterpret_cast<const bf16*>(&gateRaw);
        const bf16* uv = reinterpret_cast<const bf16*>(&upRaw);
        uint4 result;
        bf16* o = reinterpret_cast<bf16*>(&result);
#pragma unroll
        for (int j = 0; j < 8; j++)
        {
            float x = ToFloat(gv[j]);
            float silu = RoundBf16(x / (1.0f + expf(-x)));
            o[j] = ToBf16(silu * ToFloat(uv[j]));
        }
        *reinterpret_cast<uint4*>(out + row * width + column) = result;
    }
}
