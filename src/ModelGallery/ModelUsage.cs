namespace ModelGallery;

/// <summary>
/// Detects operations that must not overlap on one model: any number of shared users (inference in eval mode,
/// saving or exporting the weights) or one exclusive user (training, loading weights, a summary, a mode, layout or
/// precision switch, disposal). A conflict throws at once instead of corrupting results; a disposed model refuses
/// every operation with <see cref="ObjectDisposedException"/>.
/// </summary>
/// <remarks>
/// The thread that holds the model exclusively may enter again, shared or exclusive (a trainer calls
/// <c>forward</c> and <c>train()</c> inside its own lease). Decisions that depend on the model's state are made
/// under the gate (<see cref="Enter"/>), so no other thread can change that state in between.
/// </remarks>
internal sealed class ModelUsage(string model)
{
    private readonly Lock gate = new();
    private int shared;
    private string? exclusive;
    private int owner;
    private bool disposed;

    /// <summary>Enters as one of any number of readers.</summary>
    public Lease EnterShared(string operation) => Enter(operation, wantsExclusive: static () => false);

    /// <summary>
    /// Runs when an exclusive user that may change the model enters, before its operation starts: the model drops
    /// state derived from its weights (folded batch norms) that the operation could make stale.
    /// </summary>
    public Action? ModelChanging { get; init; }

    /// <summary>Enters as the only user.</summary>
    /// <param name="operation">What runs, for the message when the model is busy.</param>
    /// <param name="changesModel">False for operations that only read under exclusion (hooks, summaries): <see cref="ModelChanging"/> is not run.</param>
    public Lease EnterExclusive(string operation, bool changesModel = true) => Enter(operation, wantsExclusive: static () => true, changesModel);

    /// <summary>
    /// Enters shared, or exclusive when <paramref name="wantsExclusive"/> says so; the question is asked under the
    /// gate, after any other exclusive user has left, so its answer cannot change before the lease is granted.
    /// </summary>
    public Lease Enter(string operation, Func<bool> wantsExclusive, bool changesModel = true)
    {
        var lease = Grant(operation, wantsExclusive);
        if (lease.IsExclusive && changesModel)
        {
            ModelChanging?.Invoke();
        }

        return lease;
    }

    private Lease Grant(string operation, Func<bool> wantsExclusive)
    {
        lock (gate)
        {
            if (disposed)
            {
                throw new ObjectDisposedException(model, $"{model} has been disposed: {operation} cannot run on it. Create a new model.");
            }

            int me = Environment.CurrentManagedThreadId;
            if (exclusive is not null && owner == me)
            {
                return new Lease(this, Kind.Nested);
            }

            if (exclusive is not null)
            {
                throw Busy(operation, exclusive);
            }

            if (!wantsExclusive())
            {
                shared++;
                return new Lease(this, Kind.Shared);
            }

            if (shared > 0)
            {
                throw Busy(operation, $"inference on {shared} other thread(s)");
            }

            exclusive = operation;
            owner = me;
            return new Lease(this, Kind.Exclusive);
        }
    }

    /// <summary>
    /// Marks the model disposed if nothing else is running on it; afterwards every <c>Enter</c> throws
    /// <see cref="ObjectDisposedException"/>. Returns false when it was disposed already.
    /// </summary>
    public bool Close()
    {
        lock (gate)
        {
            if (disposed)
            {
                return false;
            }

            if (shared > 0 || (exclusive is not null && owner != Environment.CurrentManagedThreadId))
            {
                throw Busy("Dispose", exclusive ?? $"inference on {shared} other thread(s)");
            }

            disposed = true;
            return true;
        }
    }

    private InvalidOperationException Busy(string operation, string current) => new(
        $"{model} is busy: {operation} cannot start while {current} is running. Inference in eval mode may run on " +
        "several threads at once; training, loading weights, summaries, mode switches and inference that switches the " +
        "training mode need the model to themselves.");

    private void Leave(Kind kind)
    {
        lock (gate)
        {
            switch (kind)
            {
                case Kind.Nested:
                    break;
                case Kind.Exclusive:
                    exclusive = null;
                    owner = 0;
                    break;
                default:
                    shared--;
                    break;
            }
        }
    }

    internal enum Kind
    {
        Shared,
        Exclusive,
        Nested,
    }

    internal readonly struct Lease(ModelUsage usage, Kind kind) : IDisposable
    {
        /// <summary>Whether this lease made its holder the model's only user (not a nested entry).</summary>
        public bool IsExclusive => kind == Kind.Exclusive;

        public void Dispose() => usage.Leave(kind);
    }
}
