using SaeExplorer.Core.Features;
using SaeExplorer.Inference.Generation;
using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Runs.Generation;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Tests;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Tests.Generation;

/// <summary>The cached decoder's behaviour beyond the goldens: scopes, answer features, sampling, listeners, bad input.</summary>
public sealed class AnswerGeneratorTests(GenerationModel fixture) : IClassFixture<GenerationModel>
{
    private static readonly IReadOnlySet<int> Stop = new HashSet<int> { 128001, 128008, 128009 };

    private SaeAtLayer Sae => new(fixture.Sae, 2);

    [Fact]
    public void Steering_the_generated_tokens_only_equals_the_uncached_decoder_adding_the_direction_past_the_prompt()
    {
        var prompt = Golden.PromptIds[0];
        var steer = new[] { FeatureIntervention.Add(8, 40f) };
        // Reference: the whole sequence recomputed each step, x + 40 · W_dec[:, 8] on the rows past the prompt only.
        GeneratedTokens reference;
        using (var direction = fixture.Sae.DecoderWeight[8].clone())
        using (fixture.Model.Hooks.ResidPost(2).Attach((x, context) =>
                   where((context.Batch.Positions >= prompt.Length).unsqueeze(1), x + direction * 40f, x)))
            reference = UncachedGreedyDecoder.Generate(fixture.Model, prompt, 12, Stop);
        var plain = AnswerGenerator.Generate(fixture.Model, [prompt], new DecodingOptions(12), Stop)[0];
        var generatedOnly = AnswerGenerator.Generate(fixture.Model, [prompt], new DecodingOptions(12), Stop, new GenerationPlan(Sae, steer, InterventionScope.Generated))[0];
        var everywhere = AnswerGenerator.Generate(fixture.Model, [prompt], new DecodingOptions(12), Stop, new GenerationPlan(Sae, steer))[0];

        Assert.Equal(reference.NewIds, generatedOnly.NewIds);
        // The first token is predicted from the prompt alone, which the scope leaves untouched.
        Assert.Equal(plain.FirstStepTop, generatedOnly.FirstStepTop);
        Assert.Equal(plain.NewIds[0], generatedOnly.NewIds[0]);
        Assert.NotEqual(plain.FirstStepTop, everywhere.FirstStepTop);
        Assert.NotEqual(plain.NewIds, generatedOnly.NewIds);
    }

    [Fact]
    public void Answer_features_are_the_sae_encoding_of_each_generated_token_at_its_layer_after_the_interventions()
    {
        var prompts = new[] { Golden.PromptIds[1], Golden.PromptIds[4] };
        var clamp = new[] { FeatureIntervention.Clamp(5, 3f) };
        var answers = AnswerGenerator.Generate(fixture.Model, prompts, new DecodingOptions(10), Stop, new GenerationPlan(Sae, clamp, Features: true));
        for (int p = 0; p < prompts.Length; p++)
        {
            var answer = answers[p];
            Assert.NotNull(answer.Features);
            Assert.Equal(answer.NewIds.Length, answer.Features!.TokenCount);
            // Reference: one uncached forward over prompt + answer with the same clamp, read at layer 2 after it.
            using var scope = NewDisposeScope();
            using var hook = Steering.Attach(fixture.Model, fixture.Sae, 2, clamp);
            Tensor? resid = null;
            using var reader = fixture.Model.Hooks.ResidPost(2).Attach((x, _) => { resid = x.clone().DetachFromDisposeScope(); return null; });
            int[] all = [.. prompts[p], .. answer.NewIds];
            using var batch = PackedBatch.Create([all], CPU);
            using var noGrad = no_grad();
            fixture.Model.Model.Forward(batch, 2, applyFinalNorm: false);
            using var kept = resid!;
            var expected = fixture.Sae.Encode(kept.narrow(0, prompts[p].Length, answer.NewIds.Length)).data<float>().ToArray();
            var ours = answer.Features.ToDense();
            Assert.Equal(expected.Length, ours.Length);
            for (int i = 0; i < ours.Length; i++)
                Assert.True(Math.Abs(ours[i] - expected[i]) <= 1e-4, $"prompt {p}, entry {i}: {ours[i]} vs {expected[i]}");
        }
    }

    [Fact]
    public void The_listener_hears_every_token_in_order_and_its_features_one_step_later()
    {
        var listener = new Recorder();
        var answers = AnswerGenerator.Generate(fixture.Model, [Golden.PromptIds[2], Golden.PromptIds[3]], new DecodingOptions(6), Stop, new GenerationPlan(Sae, Features: true), listener);
        for (int p = 0; p < 2; p++)
        {
            Assert.Equal(answers[p].NewIds, listener.Tokens.Where(t => t.Prompt == p).OrderBy(t => t.Index).Select(t => t.Id));
            var heard = listener.Features.Where(f => f.Prompt == p).OrderBy(f => f.Index).ToArray();
            Assert.Equal(answers[p].NewIds.Length, heard.Length);
            for (int t = 0; t < heard.Length; t++)
                Assert.Equal(answers[p].Features!.RowIndices(t).ToArray(), heard[t].Features.Indices);
        }
    }

    [Fact]
    public void The_same_seed_samples_the_same_answer_alone_or_in_any_batch_and_another_seed_does_not()
    {
        var options = new DecodingOptions(16, Temperature: 1.5, TopP: 0.95, TopK: 50, Seed: 7);
        var alone = AnswerGenerator.Generate(fixture.Model, [Golden.PromptIds[3]], options, Stop)[0];
        var batched = AnswerGenerator.Generate(fixture.Model, [Golden.PromptIds[0], Golden.PromptIds[3], Golden.PromptIds[9]], options, Stop)[1];
        var reordered = AnswerGenerator.Generate(fixture.Model, [Golden.PromptIds[3], Golden.PromptIds[5]], options, Stop)[0];
        var otherSeed = AnswerGenerator.Generate(fixture.Model, [Golden.PromptIds[3]], options with { Seed = 8 }, Stop)[0];
        var greedy = AnswerGenerator.Generate(fixture.Model, [Golden.PromptIds[3]], new DecodingOptions(16), Stop)[0];

        Assert.Equal(alone.NewIds, batched.NewIds);
        Assert.Equal(alone.NewIds, reordered.NewIds);
        Assert.NotEqual(alone.NewIds, otherSeed.NewIds);
        Assert.NotEqual(greedy.NewIds, alone.NewIds);
    }

    [Fact]
    public void Top_k_of_one_samples_the_greedy_answer()
    {
        var greedy = AnswerGenerator.Generate(fixture.Model, [Golden.PromptIds[6]], new DecodingOptions(16), Stop)[0];
        var topOne = AnswerGenerator.Generate(fixture.Model, [Golden.PromptIds[6]], new DecodingOptions(16, Temperature: 2, TopK: 1, Seed: 3), Stop)[0];
        Assert.Equal(greedy.NewIds, topOne.NewIds);
    }

    [Fact]
    public void The_repetition_penalty_follows_transformers_rule_over_prompt_and_answer()
    {
        const double penalty = 1.8;
        var prompt = Golden.PromptIds[7];
        var answer = AnswerGenerator.Generate(fixture.Model, [prompt], new DecodingOptions(12, RepetitionPenalty: penalty), Stop)[0];

        // Reference: the whole sequence recomputed each step, seen ids penalised on the host.
        var ids = new List<int>(prompt);
        var expected = new List<int>();
        using var noGrad = no_grad();
        for (int step = 0; step < 12; step++)
        {
            using var scope = NewDisposeScope();
            using var batch = PackedBatch.Create([ids.ToArray()], CPU);
            var logits = fixture.Model.LastLogits(batch)[0].data<float>().ToArray();
            foreach (var seen in ids.Distinct())
                logits[seen] = logits[seen] < 0 ? (float)(logits[seen] * penalty) : (float)(logits[seen] / penalty);
            int next = Array.IndexOf(logits, logits.Max());
            ids.Add(next);
            expected.Add(next);
            if (Stop.Contains(next))
                break;
        }
        Assert.Equal(expected, answer.NewIds);
        var plain = AnswerGenerator.Generate(fixture.Model, [prompt], new DecodingOptions(12), Stop)[0];
        Assert.NotEqual(plain.NewIds, answer.NewIds);
    }

    [Fact]
    public void An_answer_that_reaches_max_new_tokens_ends_with_length_and_one_with_a_stop_id_keeps_it()
    {
        var answer = AnswerGenerator.Generate(fixture.Model, [Golden.PromptIds[0]], new DecodingOptions(3), Stop)[0];
        Assert.Equal(3, answer.NewIds.Length);
        Assert.Equal(FinishReason.Length, answer.FinishReason);
        // A stop set that holds the greedy second token ends the answer right there, with it.
        var stopAtSecond = new HashSet<int> { answer.NewIds[1] };
        var stopped = AnswerGenerator.Generate(fixture.Model, [Golden.PromptIds[0]], new DecodingOptions(3), stopAtSecond)[0];
        Assert.Equal(answer.NewIds[..2], stopped.NewIds);
        Assert.Equal(FinishReason.Eos, stopped.FinishReason);
    }

    [Fact]
    public void Two_sessions_stepped_in_turn_on_one_model_give_the_answers_each_gives_alone()
    {
        var prompt = new[] { Golden.PromptIds[4] };
        var steer = new GenerationPlan(Sae, [FeatureIntervention.Add(8, 40f)], Features: true);
        var plainAlone = AnswerGenerator.Generate(fixture.Model, prompt, new DecodingOptions(10), Stop, new GenerationPlan(Sae, Features: true))[0];
        var steeredAlone = AnswerGenerator.Generate(fixture.Model, prompt, new DecodingOptions(10), Stop, steer)[0];

        using var plain = new GenerationSession(fixture.Model, prompt, new DecodingOptions(10), Stop, new GenerationPlan(Sae, Features: true));
        using var steered = new GenerationSession(fixture.Model, prompt, new DecodingOptions(10), Stop, steer);
        bool a = true, b = true;
        while (a || b)
        {
            a = a && plain.Step();
            b = b && steered.Step();
        }
        Assert.Equal(plainAlone.NewIds, plain.Results()[0].NewIds);
        Assert.Equal(steeredAlone.NewIds, steered.Results()[0].NewIds);
        Assert.NotEqual(plainAlone.NewIds, steeredAlone.NewIds);
        Assert.Equal(plainAlone.Features!.ToDense(), plain.Results()[0].Features!.ToDense());
        Assert.Equal(steeredAlone.Features!.ToDense(), steered.Results()[0].Features!.ToDense());
    }

    [Fact]
    public void Cancelling_stops_between_steps()
    {
        using var cts = new CancellationTokenSource();
        var listener = new Recorder(afterTokens: 3, cancel: cts);
        Assert.ThrowsAny<OperationCanceledException>(() =>
            AnswerGenerator.Generate(fixture.Model, [Golden.PromptIds[0]], new DecodingOptions(50), new HashSet<int>(), listener: listener, cancellation: cts.Token));
        Assert.InRange(listener.Tokens.Count, 3, 4);
    }

    [Fact]
    public void Bad_input_is_refused_by_name()
    {
        var prompt = new[] { Golden.PromptIds[0] };
        Assert.Contains("--max-new-tokens must be at least 1", Assert.Throws<SettingsException>(() => AnswerGenerator.Generate(fixture.Model, prompt, new DecodingOptions(0), Stop)).Message);
        Assert.Contains("--temperature", Assert.Throws<SettingsException>(() => AnswerGenerator.Generate(fixture.Model, prompt, new DecodingOptions(4, Temperature: double.NaN), Stop)).Message);
        Assert.Contains("--top-p", Assert.Throws<SettingsException>(() => AnswerGenerator.Generate(fixture.Model, prompt, new DecodingOptions(4, TopP: 0), Stop)).Message);
        var outside = Assert.Throws<SettingsException>(() => AnswerGenerator.Generate(fixture.Model, prompt, new DecodingOptions(4), Stop, new GenerationPlan(Sae, [FeatureIntervention.Add(256, 1f)])));
        Assert.Contains("feature 256 is outside the SAE's 0..255", outside.Message);
        Assert.Contains("need an SAE", Assert.Throws<ArgumentException>(() => AnswerGenerator.Generate(fixture.Model, prompt, new DecodingOptions(4), Stop, new GenerationPlan(null, [FeatureIntervention.Ablate(3)]))).Message);
        var full = Assert.Throws<ArgumentException>(() => AnswerGenerator.Generate(fixture.Model, prompt, new DecodingOptions(fixture.Model.Config.MaxPositionEmbeddings), Stop));
        Assert.Contains("does not fit the model's context", full.Message);
    }

    [Fact]
    public void A_unit_direction_adds_the_value_along_the_normalised_column()
    {
        var prompt = Golden.PromptIds[0];
        var norm = fixture.Sae.DecoderWeight[8].norm().item<float>();
        var unit = AnswerGenerator.Generate(fixture.Model, [prompt], new DecodingOptions(8), Stop, new GenerationPlan(Sae, [FeatureIntervention.Add(8, 6f, normalize: true)]))[0];
        var scaled = AnswerGenerator.Generate(fixture.Model, [prompt], new DecodingOptions(8), Stop, new GenerationPlan(Sae, [FeatureIntervention.Add(8, 6f / norm)]))[0];
        Assert.Equal(scaled.NewIds, unit.NewIds);
        for (int k = 0; k < AnswerGenerator.TopLogits; k++)
            Assert.Equal(scaled.FirstStepTop[k].Logit, unit.FirstStepTop[k].Logit, 4);
    }

    private sealed class Recorder(int afterTokens = int.MaxValue, CancellationTokenSource? cancel = null) : IGenerationListener
    {
        public List<(int Prompt, int Index, int Id)> Tokens { get; } = [];
        public List<(int Prompt, int Index, SparseVector Features)> Features { get; } = [];

        public void Token(int prompt, int index, int tokenId)
        {
            Tokens.Add((prompt, index, tokenId));
            if (Tokens.Count >= afterTokens)
                cancel?.Cancel();
        }

        void IGenerationListener.Features(int prompt, int index, SparseVector features) => Features.Add((prompt, index, features));
    }
}
