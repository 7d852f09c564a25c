using System.Runtime.CompilerServices;

// The tests compare the hand-written Llama 3 pre-tokenizer with the regex it implements.
[assembly: InternalsVisibleTo("SaeExplorer.Inference.Tests")]
// The GPU benchmark reports whether the NVRTC kernels compiled for the card (CudaModule) and times both SAE routes.
[assembly: InternalsVisibleTo("saex-bench")]
