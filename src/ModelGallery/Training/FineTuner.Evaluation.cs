using ModelGallery.Models;
using static TorchSharp.torch;

namespace ModelGallery.Training;

/// <summary>Measuring a model on labelled batches.</summary>
public sealed partial class FineTuner
{
    /// <summary>
    /// Top-1, top-5, per-class accuracy and the confusion matrix of <paramref name="model"/> on labelled batches, in
    /// eval mode without gradients; the model's mode is restored afterwards.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="batches">Images as the model takes them and one int64 label per image.</param>
    /// <param name="classCount">The number of classes: the model's <see cref="GalleryModel.NumClasses"/>.</param>
    /// <exception cref="ArgumentException">The batches are empty, a batch does not fit the model, a label is out of range, or <paramref name="classCount"/> is not the model's.</exception>
    /// <exception cref="InvalidOperationException">Another operation is running on the model.</exception>
    public static EvaluationResult Evaluate(GalleryModel model, IEnumerable<(Tensor Images, Tensor Labels)> batches, int classCount)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batches);
        if (classCount != model.NumClasses)
        {
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, $"{model.GetName()} has {model.NumClasses} classes; received classCount = {classCount}.");
        }

        using var lease = model.Usage.Enter("evaluation", wantsExclusive: () => model.training);
        bool wasTraining = model.training;
        var accumulator = new EvaluationAccumulator(classCount);
        try
        {
            if (wasTraining)
            {
                model.eval();
            }

            using var inference = inference_mode();
            foreach (var (images, labels) in batches)
            {
                using var scope = NewDisposeScope();
                accumulator.Add(model.call(images), labels);
            }
        }
        finally
        {
            if (wasTraining)
            {
                model.train();
            }
        }

        return accumulator.Result();
    }
}
