// The entry of the oneDNN canary's child process. .NET runs a startup hook (an assembly named in DOTNET_STARTUP_HOOKS
// with a type called StartupHook in the global namespace) before the application's Main; OneDnnVerifier relaunches the
// application with this assembly as its hook and MODELGALLERY_ONEDNN_CANARY set, so the child runs the canary and exits
// without ever entering the application's own code. Without that variable the hook does nothing.

/// <summary>Runs the oneDNN canary and exits when <c>MODELGALLERY_ONEDNN_CANARY</c> names a report file; does nothing otherwise.</summary>
internal static class StartupHook
{
    /// <summary>Called by the runtime before Main when this assembly is in <c>DOTNET_STARTUP_HOOKS</c>.</summary>
    public static void Initialize()
    {
        string? report = Environment.GetEnvironmentVariable(ModelGallery.Native.OneDnnVerifier.ChildVariable);
        if (string.IsNullOrEmpty(report))
        {
            return;
        }

        // RunChild catches what it can; a failure to load TorchSharp itself surfaces here, when RunChild is compiled.
        int exit;
        try
        {
            exit = ModelGallery.Native.CanaryReport.RunChild(report);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"ModelGallery oneDNN canary could not start: {e.Message}");
            exit = 4;
        }

        Environment.Exit(exit);
    }
}
