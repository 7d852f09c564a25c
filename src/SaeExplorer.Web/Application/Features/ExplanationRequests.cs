using Mediator;
using SaeExplorer.Runs.Autointerp;
using SaeExplorer.Storage;

namespace SaeExplorer.Web.Application.Features;

/// <summary>The loaded SAE's LLM explanations of one latent (<c>saex explain</c>), newest first; none is an empty list.</summary>
public sealed record FeatureExplanationsQuery(int Feature) : IRequest<IReadOnlyList<FeatureExplanation>>;

/// <summary>
/// Saves the text of one explanation of a latent (the one made from run <paramref name="RunId"/> by
/// <paramref name="ExplainerModel"/>) as the latent's label, with where it came from and its scores as the notes. A
/// label of the user's that says something else is kept unless <paramref name="Replace"/>.
/// </summary>
public sealed record AcceptExplanationCommand(int Feature, string RunId, string ExplainerModel, bool Replace) : IRequest<AcceptedExplanation>;

/// <param name="Written">false when the user's own label was kept</param>
/// <param name="Label">the latent's label after the command</param>
public sealed record AcceptedExplanation(bool Written, FeatureLabel? Label);
