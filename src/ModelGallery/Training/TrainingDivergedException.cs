namespace ModelGallery.Training;

/// <summary>
/// Training stopped because a step's loss or gradients were not finite (NaN or infinite). The step was not applied:
/// the model keeps the weights of the last finite step.
/// </summary>
public sealed class TrainingDivergedException : ArithmeticException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="model">The model's name.</param>
    /// <param name="epoch">The epoch, 1-based.</param>
    /// <param name="step">The step within the epoch, 1-based.</param>
    /// <param name="loss">The step's loss.</param>
    internal TrainingDivergedException(string model, int epoch, int step, double loss)
        : base($"Training {model} diverged at epoch {epoch}, step {step}: the loss was {loss} and/or a gradient was not finite. " +
               "The step was not applied, so the model keeps the weights of the last finite step; lower the learning rate.")
    {
        Epoch = epoch;
        Step = step;
        Loss = loss;
    }

    /// <summary>The epoch in which training diverged, 1-based.</summary>
    public int Epoch { get; }

    /// <summary>The step within <see cref="Epoch"/> whose loss or gradients were not finite, 1-based.</summary>
    public int Step { get; }

    /// <summary>That step's loss (NaN or infinite, or finite when only a gradient was not).</summary>
    public double Loss { get; }
}
