using System.Runtime.CompilerServices;

// The constraint tests compare cached masks with masks walked afresh and count cache hits through internal members.
[assembly: InternalsVisibleTo("SaeExplorer.Runs.Tests")]
