using SaeExplorer.Storage;
using SaeExplorer.Storage.Testing;

// hold <store>: open the store, say "ready", keep it open until stdin closes.
// write <store> <count>: store synthetic writer prompts 0..count-1 that are missing, printing "committed N" after each Put
//   returns, so the parent knows exactly which writes were acknowledged when it kills this process.
// Exit 3 with "error: <message>" when the store refuses to open.
try
{
    switch (args)
    {
        case ["hold", var path]:
            using (FeatureStore.Open(path))
            {
                Console.WriteLine($"ready {Environment.ProcessId}");
                Console.In.ReadToEnd();
            }
            return 0;
        case ["write", var path, var countText]:
            using (var store = FeatureStore.Open(path))
            {
                Console.WriteLine($"ready {Environment.ProcessId}");
                int count = int.Parse(countText);
                for (int i = 0; i < count; i++)
                {
                    var prompt = SyntheticPrompts.WriterPrompt(i);
                    string key = SyntheticPrompts.Key(prompt);
                    if (store.TryGet(key, out _))
                        continue;
                    store.Put(key, prompt);
                    Console.WriteLine($"committed {i}");
                }
                Console.WriteLine("done");
            }
            return 0;
        default:
            Console.Error.WriteLine("usage: hold <store> | write <store> <count>");
            return 2;
    }
}
catch (StoreException ex)
{
    Console.WriteLine($"error: {ex.Message}");
    return 3;
}
