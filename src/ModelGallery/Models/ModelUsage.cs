namespace ModelGallery.Models;

/// <summary>
/// Detects operations that must not overlap on one model: any number of shared users (inference in eval mode) or
/// one exclusive user (training, a summary, a mode switch). A conflict throws at once instead of corrupting results.
/// </summary>
internal sealed class ModelUsage(string model)
{
    private readonly Lock gate = new();
    private int shared;
    private string? exclusive;

    public Lease EnterShared(string operation)
    {
        lock (gate)
        {
            if (exclusive is not null)
            {
                throw Busy(operation, exclusive);
            }

            shared++;
            return new Lease(this, exclusive: false);
        }
    }

    public Lease EnterExclusive(string operation)
    {
        lock (gate)
        {
            if (exclusive is not null || shared > 0)
            {
                throw Busy(operation, exclusive ?? $"inference on {shared} other thread(s)");
            }

            exclusive = operation;
            return new Lease(this, exclusive: true);
        }
    }

    private InvalidOperationException Busy(string operation, string current) => new(
        $"{model} is busy: {operation} cannot start while {current} is running. Inference in eval mode may run on " +
        "several threads at once; training, summaries and inference that switches the training mode need the model to themselves.");

    private void Leave(bool wasExclusive)
    {
        lock (gate)
        {
            if (wasExclusive)
            {
                exclusive = null;
            }
            else
            {
                shared--;
            }
        }
    }

    internal readonly struct Lease(ModelUsage usage, bool exclusive) : IDisposable
    {
        public void Dispose() => usage.Leave(exclusive);
    }
}
