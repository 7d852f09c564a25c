using System.Text;
using System.Threading.Channels;
using SaeExplorer.Core.Features;
using SaeExplorer.Inference.Generation;
using SaeExplorer.Inference.Live;
using SaeExplorer.Runs.Generation;

namespace SaeExplorer.Serve;

/// <summary>One request waiting for, or in, a batch: its prompt, and the text of its answer as it streams.</summary>
internal sealed class PendingCompletion(CompletionPrompt prompt, ChatCompletionRequest request, IReadOnlyList<byte[]?> tokenBytes, IReadOnlySet<int> stopIds)
{
    private readonly Decoder _utf8 = Encoding.UTF8.GetDecoder();
    private readonly char[] _chars = new char[64];

    public CompletionPrompt Prompt { get; } = prompt;
    public ChatCompletionRequest Request { get; } = request;

    /// <summary>Text pieces as tokens arrive: whole UTF-8 characters only (a token may end mid-character).</summary>
    public Channel<string> Pieces { get; } = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    public TaskCompletionSource<Completion> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Requests decoded together must agree on everything but the prompt.</summary>
    public string BatchKey { get; } = $"{request.Decoding}|{string.Join(';', request.Interventions)}|{request.Scope}";

    public void Token(int id)
    {
        if (stopIds.Contains(id) || (uint)id >= (uint)tokenBytes.Count || tokenBytes[id] is not { } bytes)
            return;
        int count = _utf8.GetCharCount(bytes, flush: false);
        var chars = count <= _chars.Length ? _chars : new char[count];
        int written = _utf8.GetChars(bytes, 0, bytes.Length, chars, 0, flush: false);
        if (written > 0)
            Pieces.Writer.TryWrite(new string(chars, 0, written));
    }
}

/// <summary>
/// Gathers concurrent requests into decoding batches: a judge with 16 calls in flight costs about one forward pass
/// per step instead of sixteen. A batch holds requests that share decoding settings and interventions (the session
/// takes one of each); it is formed from whatever is waiting when the previous batch ends, after a short window
/// for stragglers, and runs to its end while new requests queue for the next.
/// </summary>
public sealed class CompletionScheduler : IAsyncDisposable
{
    private readonly LiveModelService _service;
    private readonly int _maxBatch;
    private readonly TimeSpan _window;
    private readonly Channel<PendingCompletion> _queue = Channel.CreateUnbounded<PendingCompletion>();
    private readonly List<PendingCompletion> _held = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public CompletionScheduler(LiveModelService service, int maxBatch = 16, TimeSpan? window = null)
    {
        _service = service;
        _maxBatch = maxBatch;
        _window = window ?? TimeSpan.FromMilliseconds(5);
        _loop = Task.Run(LoopAsync);
    }

    internal PendingCompletion Enqueue(ChatCompletionRequest request, CompletionPrompt prompt)
    {
        var pending = new PendingCompletion(prompt, request, _service.TokenBytes, _service.StopIds);
        if (!_queue.Writer.TryWrite(pending))
            throw new ApiError(503, "the server is shutting down.", type: "server_error");
        return pending;
    }

    private async Task LoopAsync()
    {
        var token = _stop.Token;
        try
        {
            while (true)
            {
                if (_held.Count == 0)
                {
                    _held.Add(await _queue.Reader.ReadAsync(token).ConfigureAwait(false));
                    await Task.Delay(_window, token).ConfigureAwait(false);
                }
                while (_queue.Reader.TryRead(out var more))
                    _held.Add(more);
                var key = _held[0].BatchKey;
                var batch = _held.Where(p => p.BatchKey == key).Take(_maxBatch).ToList();
                foreach (var p in batch)
                    _held.Remove(p);
                await RunAsync(batch, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            foreach (var p in _held)
                p.Result.TrySetCanceled(token);
        }
    }

    private async Task RunAsync(List<PendingCompletion> batch, CancellationToken token)
    {
        var first = batch[0].Request;
        try
        {
            var results = await _service.CompleteAsync([.. batch.Select(p => p.Prompt)], first.Decoding, first.Interventions, first.Scope,
                new Listener(batch), token).ConfigureAwait(false);
            for (int i = 0; i < batch.Count; i++)
            {
                batch[i].Pieces.Writer.TryComplete();
                batch[i].Result.TrySetResult(results[i]);
            }
        }
        catch (Exception e)
        {
            foreach (var p in batch)
            {
                p.Pieces.Writer.TryComplete(e);
                p.Result.TrySetException(e);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
        }
        _stop.Dispose();
    }

    private sealed class Listener(List<PendingCompletion> batch) : IGenerationListener
    {
        public void Token(int prompt, int index, int tokenId) => batch[prompt].Token(tokenId);

        public void Features(int prompt, int index, SparseVector features)
        {
        }
    }
}
