namespace ModelGallery.Modeling;

/// <summary>One of a model's top guesses for one image.</summary>
/// <param name="ClassIndex">The class, 0-based.</param>
/// <param name="Label">The class's name, where the caller gave names; otherwise null.</param>
/// <param name="Probability">Softmax probability of the class, in [0, 1].</param>
public sealed record Prediction(int ClassIndex, string? Label, float Probability)
{
    /// <summary>
    /// Checks a prediction request: <paramref name="topK"/> in 1 to <paramref name="classes"/>, and one label per class
    /// when labels are given. Shared by every engine's <c>Predict</c>.
    /// </summary>
    internal static void CheckRequest(string model, int classes, int topK, IReadOnlyList<string>? labels)
    {
        if (topK < 1 || topK > classes)
        {
            throw new ArgumentOutOfRangeException(nameof(topK), topK, $"{model}: topK must lie in 1 to {classes}; received {topK}.");
        }

        if (labels is not null && labels.Count != classes)
        {
            throw new ArgumentException($"{model} has {classes} classes but {labels.Count} labels were given.", nameof(labels));
        }
    }

    /// <summary>
    /// Softmax over each row of <paramref name="logits"/> (batch × <paramref name="classes"/>, row-major), then the
    /// <paramref name="topK"/> most probable classes of each row, most probable first (ties: the lower index).
    /// </summary>
    internal static IReadOnlyList<IReadOnlyList<Prediction>> TopK(ReadOnlySpan<float> logits, int classes, int topK, IReadOnlyList<string>? labels)
    {
        var predictions = new List<IReadOnlyList<Prediction>>(logits.Length / classes);
        var order = new int[classes];
        for (int start = 0; start < logits.Length; start += classes)
        {
            ReadOnlySpan<float> row = logits.Slice(start, classes);
            float max = float.NegativeInfinity;
            foreach (float logit in row)
            {
                max = Math.Max(max, logit);
            }

            double total = 0;
            foreach (float logit in row)
            {
                total += Math.Exp(logit - max);
            }

            for (int i = 0; i < classes; i++)
            {
                order[i] = i;
            }

            float[] values = row.ToArray();
            Array.Sort(order, (a, b) => values[a] != values[b] ? values[b].CompareTo(values[a]) : a.CompareTo(b));
            predictions.Add([.. order.Take(topK).Select(index => new Prediction(index, labels?[index], (float)(Math.Exp(values[index] - max) / total)))]);
        }

        return predictions;
    }
}
