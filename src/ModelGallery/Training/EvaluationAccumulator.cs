using static TorchSharp.torch;

namespace ModelGallery.Training;

/// <summary>Adds up top-1, top-5 and the confusion matrix batch by batch, on the logits' device, one synchronisation per batch.</summary>
internal sealed class EvaluationAccumulator(int classCount)
{
    private readonly long[,] confusion = new long[classCount, classCount];
    private long count;
    private long top5;

    /// <summary>Adds one batch: logits N × classes, labels N int64 in 0 to classes − 1.</summary>
    public void Add(Tensor logits, Tensor labels)
    {
        if (logits.dim() != 2 || logits.shape[1] != classCount || labels.dim() != 1 || labels.shape[0] != logits.shape[0])
        {
            throw new ArgumentException(
                $"Evaluation of {classCount} classes needs N × {classCount} logits and N labels; received logits [{string.Join(", ", logits.shape)}] and labels [{string.Join(", ", labels.shape)}].",
                nameof(logits));
        }

        using var scope = NewDisposeScope();
        if (labels.dtype != ScalarType.Int64)
        {
            throw new ArgumentException($"Labels must be int64 class indices; received {labels.dtype}.", nameof(labels));
        }

        long low = labels.min().item<long>(), high = labels.max().item<long>();
        if (low < 0 || high >= classCount)
        {
            throw new ArgumentException($"Labels must lie in 0 to {classCount - 1}; received labels from {low} to {high}.", nameof(labels));
        }

        var predicted = logits.argmax(1);
        var k = Math.Min(5, classCount);
        var inTop5 = logits.topk(k, dim: 1).indexes.eq(labels.unsqueeze(1)).any(1).sum();
        var pairs = ((labels * classCount) + predicted).bincount(null, minlength: classCount * classCount).cpu();

        long[] counts = pairs.data<long>().ToArray();
        for (int i = 0; i < counts.Length; i++)
        {
            confusion[i / classCount, i % classCount] += counts[i];
        }

        count += labels.shape[0];
        top5 += inTop5.item<long>();
    }

    /// <summary>The measures so far.</summary>
    /// <exception cref="ArgumentException">No image was added.</exception>
    public EvaluationResult Result()
    {
        if (count == 0)
        {
            throw new ArgumentException("Evaluation needs at least one image; the batches were empty.");
        }

        var rows = Enumerable.Range(0, classCount).Select(r => (IReadOnlyList<long>)[.. Enumerable.Range(0, classCount).Select(c => confusion[r, c])]).ToList();
        return new EvaluationResult
        {
            Count = count,
            Top1 = (double)Enumerable.Range(0, classCount).Sum(c => confusion[c, c]) / count,
            Top5 = (double)top5 / count,
            PerClassAccuracy = [.. rows.Select((row, c) => row.Sum() is var total and > 0 ? (double?)row[c] / total : null)],
            ConfusionMatrix = rows,
        };
    }
}
