namespace SaeExplorer.Core.Analysis.Quality;

/// <summary>
/// A logistic regression that has no finite maximum to find: Newton–Raphson did not converge, or its Hessian was
/// singular. Both come from the data (outcomes that a combination of the columns separates perfectly, a column that
/// is zero or a copy of others), not from a bug, so bootstraps catch this one type and count the resample as skipped.
/// </summary>
public sealed class LogisticFitException(string message) : Exception(message);
