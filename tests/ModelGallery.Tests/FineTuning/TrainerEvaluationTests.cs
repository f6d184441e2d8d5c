using System.Text.Json;
using ModelGallery.Models;
using ModelGallery.Training;
using static TorchSharp.torch;

namespace ModelGallery.Tests.FineTuning;

/// <summary>Evaluation numbers on six fixed logits rows, worked out by hand.</summary>
public sealed class TrainerEvaluationTests
{
    // 7 classes. Row: label, logits (ranks noted), top-1 prediction, label within the top 5?
    private static readonly float[,] Logits =
    {
        { 9, 1, 2, 3, 4, 5, 6 },  // label 0: predicted 0 — top-5 yes
        { 9, 1, 2, 3, 4, 5, 6 },  // label 1: predicted 0; order 0,6,5,4,3 — label 1 is 7th: no
        { 1, 2, 9, 3, 4, 5, 6 },  // label 2: predicted 2 — yes
        { 1, 2, 3, 4, 5, 6, 9 },  // label 2: predicted 6; order 6,5,4,3,2 — label 2 is 5th: yes
        { 1, 9, 2, 3, 4, 5, 6 },  // label 0: predicted 1; order 1,6,5,4,3 — label 0 is 7th: no
        { 6, 5, 4, 3, 2, 1, 9 },  // label 6: predicted 6 — yes
    };

    private static readonly long[] Labels = [0, 1, 2, 2, 0, 6];

    [Fact]
    public void Top1_top5_per_class_and_the_confusion_matrix_match_the_hand_count()
    {
        using var scope = NewDisposeScope();
        var accumulator = new EvaluationAccumulator(7);
        accumulator.Add(tensor(Logits).narrow(0, 0, 4), tensor(Labels).narrow(0, 0, 4)); // two batches add up
        accumulator.Add(tensor(Logits).narrow(0, 4, 2), tensor(Labels).narrow(0, 4, 2));

        var result = accumulator.Result();

        result.Count.Should().Be(6);
        result.Top1.Should().Be(3.0 / 6, "rows 1, 3 and 6 are right");
        result.Top5.Should().Be(4.0 / 6, "rows 2 and 5 have their label last");
        result.PerClassAccuracy.Should().Equal(0.5, 0.0, 0.5, null, null, null, 1.0);
        result.ConfusionMatrix.Select(row => row.ToArray()).Should().BeEquivalentTo(new long[][]
        {
            [1, 1, 0, 0, 0, 0, 0],
            [1, 0, 0, 0, 0, 0, 0],
            [0, 0, 1, 0, 0, 0, 1],
            [0, 0, 0, 0, 0, 0, 0],
            [0, 0, 0, 0, 0, 0, 0],
            [0, 0, 0, 0, 0, 0, 0],
            [0, 0, 0, 0, 0, 0, 1],
        }, o => o.WithStrictOrdering());
    }

    [Fact]
    public void The_result_round_trips_through_json()
    {
        using var scope = NewDisposeScope();
        var accumulator = new EvaluationAccumulator(7);
        accumulator.Add(tensor(Logits), tensor(Labels));
        var result = accumulator.Result();

        string json = JsonSerializer.Serialize(result);
        var back = JsonSerializer.Deserialize<EvaluationResult>(json)!;

        json.Should().Contain("\"Top1\":0.5").And.Contain("\"PerClassAccuracy\":[0.5,0,0.5,null,null,null,1]");
        back.Should().BeEquivalentTo(result);
    }

    [Fact]
    public void Evaluate_runs_the_model_in_eval_mode_and_restores_training_mode()
    {
        using var scope = NewDisposeScope();
        using var model = new LeNet5(numClasses: 7);
        var images = randn(6, 3, 32, 32);
        var labels = tensor(Labels);
        model.train();
        Tensor logits;
        using (var inference = inference_mode())
        {
            model.eval();
            logits = model.call(images);
            model.train();
        }

        var expected = new EvaluationAccumulator(7);
        expected.Add(logits, labels);

        var result = Trainer.Evaluate(model, [(images.narrow(0, 0, 3), labels.narrow(0, 0, 3)), (images.narrow(0, 3, 3), labels.narrow(0, 3, 3))], 7);

        result.Should().BeEquivalentTo(expected.Result());
        model.training.Should().BeTrue();
        FluentActions.Invoking(() => Trainer.Evaluate(model, [], 7)).Should().Throw<ArgumentException>().WithMessage("*at least one image*");
        FluentActions.Invoking(() => Trainer.Evaluate(model, [(images, labels)], 10)).Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("LeNet5 has 7 classes; received classCount = 10.*");
    }
}
