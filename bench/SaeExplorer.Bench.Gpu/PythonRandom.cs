namespace SaeExplorer.Bench.Gpu;

/// <summary>
/// CPython's <c>random.Random</c> (MT19937 seeded through <c>init_by_array</c>) for integer seeds and
/// <c>randint</c>, so a benchmark draws exactly the prompt lengths the Python reference script draws with
/// <c>random.seed(0)</c>.
/// </summary>
public sealed class PythonRandom
{
    private const int N = 624, M = 397;
    private readonly uint[] _mt = new uint[N];
    private int _index = N + 1;

    public PythonRandom(uint seed)
    {
        // CPython turns a non-negative int seed into 32-bit words (least significant first); 0 becomes [0].
        InitByArray([seed]);
    }

    /// <summary>A random integer in [a, b], as <c>random.randint(a, b)</c>.</summary>
    public int RandInt(int a, int b) => a + RandBelow(b - a + 1);

    private int RandBelow(int n)
    {
        int k = 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)n);
        uint r = GetRandBits(k);
        while (r >= n)
            r = GetRandBits(k);
        return (int)r;
    }

    private uint GetRandBits(int k) => NextUInt32() >> (32 - k);

    private void InitGenRand(uint s)
    {
        _mt[0] = s;
        for (int i = 1; i < N; i++)
            _mt[i] = 1812433253u * (_mt[i - 1] ^ (_mt[i - 1] >> 30)) + (uint)i;
        _index = N;
    }

    private void InitByArray(uint[] key)
    {
        InitGenRand(19650218u);
        int i = 1, j = 0;
        for (int k = Math.Max(N, key.Length); k > 0; k--)
        {
            _mt[i] = (_mt[i] ^ ((_mt[i - 1] ^ (_mt[i - 1] >> 30)) * 1664525u)) + key[j] + (uint)j;
            i++;
            j++;
            if (i >= N) { _mt[0] = _mt[N - 1]; i = 1; }
            if (j >= key.Length) j = 0;
        }
        for (int k = N - 1; k > 0; k--)
        {
            _mt[i] = (_mt[i] ^ ((_mt[i - 1] ^ (_mt[i - 1] >> 30)) * 1566083941u)) - (uint)i;
            i++;
            if (i >= N) { _mt[0] = _mt[N - 1]; i = 1; }
        }
        _mt[0] = 0x80000000u;
    }

    private uint NextUInt32()
    {
        if (_index >= N)
        {
            for (int kk = 0; kk < N; kk++)
            {
                uint y = (_mt[kk] & 0x80000000u) | (_mt[(kk + 1) % N] & 0x7fffffffu);
                _mt[kk] = _mt[(kk + M) % N] ^ (y >> 1) ^ ((y & 1u) != 0 ? 0x9908b0dfu : 0u);
            }
            _index = 0;
        }
        uint v = _mt[_index++];
        v ^= v >> 11;
        v ^= (v << 7) & 0x9d2c5680u;
        v ^= (v << 15) & 0xefc60000u;
        v ^= v >> 18;
        return v;
    }
}
