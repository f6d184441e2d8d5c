using ModelGallery.Inspection;
using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Training;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Reliability;

public sealed class ConcurrencyTests
{
    [Fact]
    public void Four_threads_predicting_on_one_model_agree_with_the_sequential_results()
    {
        using var model = new LeNet5();
        model.eval();
        using var images = randn(500, 3, 32, 32);
        var single = Enumerable.Range(0, 500).Select(i => images[i..(i + 1)]).ToArray();
        var sequential = single.Select(image => model.Predict(image, topK: 3)[0]).ToArray();

        var results = new IReadOnlyList<Prediction>[4][];
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            results[t] = [.. single.Select(image => model.Predict(image, topK: 3)[0])];
        })).ToList();
        threads.ForEach(thread => thread.Start());
        threads.ForEach(thread => thread.Join());

        foreach (var run in results)
        {
            for (int i = 0; i < 500; i++)
            {
                run[i].Select(p => p.ClassIndex).Should().Equal(sequential[i].Select(p => p.ClassIndex));
                run[i].Select(p => p.Probability).Should().Equal(sequential[i].Select(p => p.Probability), (a, b) => Math.Abs(a - b) < 1e-6f);
            }
        }

        model.training.Should().BeFalse();
    }

    [Fact]
    public void A_summary_while_another_thread_predicts_is_refused_with_a_clear_error()
    {
        using var model = new LeNet5();
        model.eval();
        InvalidOperationException refused;
        using (new BlockedPrediction(model))
        {
            refused = FluentActions.Invoking(() => ModelSummary.Create(model)).Should().Throw<InvalidOperationException>().Which;
        }

        refused.Message.Should().Contain("LeNet5 is busy").And.Contain("a summary").And.Contain("inference on 1 other thread");
        ModelSummary.Create(model).TotalParameters.Should().Be(62_006, "once the prediction ends, the summary runs");
    }

    [Fact]
    public void Training_one_model_from_two_threads_is_refused_with_a_clear_error()
    {
        using var model = new LeNet5();
        using var inputs = randn(256, 3, 32, 32);
        using var labels = randint(0, 10, [256]);
        using var first = new Trainer(model, TrainingOptions.FashionMnist);
        using var second = new Trainer(model, TrainingOptions.FashionMnist);
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var progress = new Blocking(entered, release);
        var training = new Thread(() => first.TrainEpoch(first.Batches(inputs, labels, 64), progress));
        training.Start();
        entered.Wait();

        FluentActions.Invoking(() => second.TrainEpoch(second.Batches(inputs, labels, 64))).Should().Throw<InvalidOperationException>().WithMessage("*busy: training cannot start while training is running*");
        FluentActions.Invoking(() => model.Predict(zeros(1, 3, 32, 32))).Should().Throw<InvalidOperationException>().WithMessage("*busy*");

        release.Set();
        training.Join();
        second.TrainEpoch(second.Batches(inputs, labels, 64)).TrainLoss.Should().BePositive("after the first epoch ends the model is free");
    }

    [Fact]
    public void Grad_mode_is_per_thread()
    {
        using var model = new LeNet5();
        using var inside = new ManualResetEventSlim();
        using var done = new ManualResetEventSlim();
        var other = new Thread(() =>
        {
            using var noGrad = no_grad();
            inside.Set();
            done.Wait();
        });
        other.Start();
        inside.Wait();

        using var scope = NewDisposeScope();
        bool requiresGrad = model.call(randn(1, 3, 32, 32)).requires_grad;

        done.Set();
        other.Join();
        requiresGrad.Should().BeTrue("no_grad on another thread must not reach this one");
    }

    private sealed class Blocking(ManualResetEventSlim entered, ManualResetEventSlim release) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Step == 1)
            {
                entered.Set();
                release.Wait();
            }
        }
    }
}
