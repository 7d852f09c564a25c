using System.Runtime.CompilerServices;

// The tests compare the hand-written Llama 3 pre-tokenizer with the regex it implements.
[assembly: InternalsVisibleTo("SaeExplorer.Inference.Tests")]
