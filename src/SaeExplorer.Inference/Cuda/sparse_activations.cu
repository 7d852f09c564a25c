// Sparse SAE activations straight from the encoder's output, compiled at run time by NVRTC (CudaKernels.cs).
//
// torch's route — relu_, nonzero, a gather and a bincount — passes over the [tokens, d_sae] block four times and
// synchronises with the host inside nonzero. Here one pass counts the active latents of each row's segments (one per
// warp) and a second writes their (column, value) pairs in column order at the segment's offset (an exclusive scan
// of the counts), so the block is read twice and never written.
//
// A latent is active when its value v is > 0 (ReLU) and, for JumpReLU, also > its threshold; NaN is never
// active. When a bias is given, v = round_to_dtype(pre + bias) — the rounding of torch's separate
// `x @ W_enc + b_enc` in that dtype — otherwise v = pre.
//
// No headers: NVRTC needs none for this, and 16-bit values are read as raw bits.

typedef unsigned short saex_u16;

struct Bf16
{
    typedef saex_u16 Storage;
    static __device__ __forceinline__ float ToFloat(saex_u16 h) { return __uint_as_float(((unsigned int)h) << 16); }
    // Round to nearest even, as torch does when it stores a float result as bfloat16.
    static __device__ __forceinline__ float Round(float f)
    {
        unsigned int u = __float_as_uint(f);
        if ((u & 0x7fffffffu) > 0x7f800000u)
            return f;
        u += 0x7fffu + ((u >> 16) & 1u);
        return __uint_as_float(u & 0xffff0000u);
    }
};

struct F16
{
    typedef saex_u16 Storage;
    static __device__ __forceinline__ float ToFloat(saex_u16 h)
    {
        float f;
        asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
        return f;
    }
    static __device__ __forceinline__ float Round(float f)
    {
        saex_u16 h;
        asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));
        return ToFloat(h);
    }
};

struct F32
{
    typedef float Storage;
    static __device__ __forceinline__ float ToFloat(float f) { return f; }
    static __device__ __forceinline__ float Round(float f) { return f; }
};

// VEC consecutive values of a row from `p` (16-byte aligned when VEC > 1).
template <class T, int VEC>
__device__ __forceinline__ void LoadValues(const typename T::Storage* p, float (&v)[VEC])
{
    if (VEC == 1)
    {
        v[0] = T::ToFloat(p[0]);
    }
    else
    {
        const int per16 = 16 / sizeof(typename T::Storage);
#pragma unroll
        for (int q = 0; q < VEC / per16; q++)
        {
            uint4 raw = reinterpret_cast<const uint4*>(p)[q];
            const typename T::Storage* s = reinterpret_cast<const typename T::Storage*>(&raw);
#pragma unroll
            for (int j = 0; j < per16; j++)
                v[q * per16 + j] = T::ToFloat(s[j]);
        }
    }
}

template <class T, int VEC>
__device__ __forceinline__ int Activate(const typename T::Storage* row, const typename T::Storage* bias,
                                        const typename T::Storage* threshold, int column, int d, float (&v)[VEC], bool (&keep)[VEC])
{
    int count = 0;
    if (column >= d)
    {
#pragma unroll
        for (int j = 0; j < VEC; j++)
            keep[j] = false;
        return 0;
    }
    LoadValues<T, VEC>(row + column, v);
#pragma unroll
    for (int j = 0; j < VEC; j++)
    {
        if (bias != 0)
            v[j] = T::Round(v[j] + T::ToFloat(bias[column + j]));
        keep[j] = v[j] > 0.0f && (threshold == 0 || v[j] > T::ToFloat(threshold[column + j]));
        count += keep[j] ? 1 : 0;
    }
    return count;
}

// Each row is split into one contiguous segment per warp of the block (segment length a multiple of VEC); a warp
// walks its segment 32 × VEC columns at a time, so only warp-level scans are needed and no block barrier.
template <int VEC>
__device__ __forceinline__ void Segment(int d, int& begin, int& end)
{
    int warps = blockDim.x >> 5, warp = threadIdx.x >> 5;
    int length = ((d + warps - 1) / warps + VEC - 1) / VEC * VEC;
    begin = min(d, warp * length);
    end = min(d, begin + length);
}

template <class T, int VEC>
__device__ void CountActive(const typename T::Storage* pre, const typename T::Storage* bias, const typename T::Storage* threshold,
                            int d, int* counts)
{
    const typename T::Storage* row = pre + (long long)blockIdx.x * d;
    int begin, end;
    Segment<VEC>(d, begin, end);
    int lane = threadIdx.x & 31;
    int count = 0;
    for (int column = begin + lane * VEC; column < end; column += 32 * VEC)
    {
        float v[VEC];
        bool keep[VEC];
        count += Activate<T, VEC>(row, bias, threshold, column, end, v, keep);
    }
    for (int offset = 16; offset > 0; offset >>= 1)
        count += __shfl_down_sync(0xffffffffu, count, offset);
    if (lane == 0)
        counts[(long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5)] = count;
}

// segmentStarts: where each (row, segment)'s entries begin, the exclusive scan of CountActive's counts in row-major
// order, so that a row's segments, and so its columns, follow each other in ascending order.
template <class T, int VEC>
__device__ void WriteActive(const typename T::Storage* pre, const typename T::Storage* bias, const typename T::Storage* threshold,
                            int d, const long long* segmentStarts, int* columns, float* values)
{
    const typename T::Storage* row = pre + (long long)blockIdx.x * d;
    int begin, end;
    Segment<VEC>(d, begin, end);
    int lane = threadIdx.x & 31;
    long long next = segmentStarts[(long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5)];
    for (int tile = begin; tile < end; tile += 32 * VEC)
    {
        int column = tile + lane * VEC;
        float v[VEC];
        bool keep[VEC];
        int count = Activate<T, VEC>(row, bias, threshold, column, end, v, keep);
        int inclusive = count;
        for (int offset = 1; offset < 32; offset <<= 1)
        {
            int other = __shfl_up_sync(0xffffffffu, inclusive, offset);
            if (lane >= offset)
                inclusive += other;
        }
        long long at = next + inclusive - count;
#pragma unroll
        for (int j = 0; j < VEC; j++)
        {
            if (keep[j])
            {
                columns[at] = column + j;
                values[at] = v[j];
                at++;
            }
        }
        next += __shfl_sync(0xffffffffu, inclusive, 31);
    }
}

#define SAEX_INSTANTIATE(NAME, T, VEC)                                                                                   \
    extern "C" __global__ void saex_count_active_##NAME(const T::Storage* pre, const T::Storage* bias,                   \
                                                        const T::Storage* threshold, int d, int* counts)                 \
    {                                                                                                                    \
        CountActive<T, VEC>(pre, bias, threshold, d, counts);                                                            \
    }                                                                                                                    \
    extern "C" __global__ void saex_write_active_##NAME(const T::Storage* pre, const T::Storage* bias,                   \
                                                        const T::Storage* threshold, int d, const long long* starts,     \
                                                        int* columns, float* values)                                     \
    {                                                                                                                    \
        WriteActive<T, VEC>(pre, bias, threshold, d, starts, columns, values);                                           \
    }

SAEX_INSTANTIATE(bf16_v16, Bf16, 16)
SAEX_INSTANTIATE(bf16_v8, Bf16, 8)
SAEX_INSTANTIATE(bf16_v1, Bf16, 1)
SAEX_INSTANTIATE(f16_v16, F16, 16)
SAEX_INSTANTIATE(f16_v8, F16, 8)
SAEX_INSTANTIATE(f16_v1, F16, 1)
SAEX_INSTANTIATE(f32_v8, F32, 8)
SAEX_INSTANTIATE(f32_v4, F32, 4)
SAEX_INSTANTIATE(f32_v1, F32, 1)
