using System.Diagnostics;
using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Weights;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Reliability;

/// <summary>
/// Races run for real, bounded in time: operations that change a model against inference on other threads. Every
/// result must be one that a sequential run could give, or the changing operation must be refused as busy.
/// </summary>
public sealed class RaceTests : TempFolder
{
    // Long enough to catch the races these tests were written for: with the training mode read outside the usage
    // gate, 10 s gave dozens of training-mode results (3 s could give none); a load without the lease failed at once.
    private static readonly TimeSpan ModeRaceTime = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RaceTime = TimeSpan.FromSeconds(3);

    [Fact]
    public void Predict_from_four_threads_on_a_model_left_in_training_mode_gives_eval_results_or_busy()
    {
        // Batch norm makes training-mode results differ from eval-mode ones (batch statistics, and the running
        // statistics move). 64×64 keeps the torchvision GoogLeNet fast; its minimum is 15×15.
        manual_seed(12);
        using var model = new GoogLeNet(variant: GoogLeNetVariant.Torchvision);
        using var images = randn(2, 3, 64, 80);
        model.eval();
        float[] expected = Probabilities(model.Predict(images, topK: 2));
        model.train();
        var buffers = model.named_buffers().ToDictionary(b => b.name, b => b.buffer.clone());
        float[] trainingMode;
        using (no_grad())
        {
            trainingMode = model.call(images).softmax(1).data<float>().ToArray();
            foreach (var (name, buffer) in model.named_buffers())
            {
                buffer.copy_(buffers[name]); // undo what that training-mode pass did to the running statistics
            }
        }

        trainingMode.Should().NotBeEquivalentTo(expected, "the test needs training mode to give other results");

        var (results, busy) = Race(threads: 4, ModeRaceTime, () => Probabilities(model.Predict(images, topK: 2)));

        results.Should().NotBeEmpty();
        results.Should().AllSatisfy(r => r.Should().Equal(expected, (a, b) => Math.Abs(a - b) < 1e-6f), "every result is an eval-mode result");
        busy.Should().OnlyContain(message => message.Contains("GoogLeNet is busy"));
        model.training.Should().BeTrue("Predict restores training mode");
        foreach (var (name, buffer) in model.named_buffers())
        {
            TestTensors.Same(buffer, buffers[name]).Should().BeTrue("eval-mode inference leaves the running statistics of '{0}' alone", name);
        }
    }

    [Fact]
    public void Loading_weights_while_predicting_and_saving_gives_each_result_one_whole_weight_set()
    {
        manual_seed(3);
        using var first = new LeNet5();
        using var second = new LeNet5();
        string firstFile = Path.Combine(Folder, "first.safetensors"), secondFile = Path.Combine(Folder, "second.safetensors");
        first.SaveWeights(firstFile);
        second.SaveWeights(secondFile);
        using var images = randn(4, 3, 32, 32) * 3;
        first.eval();
        second.eval();
        float[] fromFirst = Probabilities(first.Predict(images, topK: 10)), fromSecond = Probabilities(second.Predict(images, topK: 10));
        fromFirst.Should().NotEqual(fromSecond, "the two weight sets must be told apart");

        using var model = new LeNet5();
        model.LoadWeights(firstFile);
        model.eval();
        int loads = 0, refusedLoads = 0, saves = 0;
        var stop = Stopwatch.StartNew();
        var loader = new Thread(() =>
        {
            for (int i = 0; stop.Elapsed < RaceTime; i++)
            {
                try
                {
                    model.LoadWeights(i % 2 == 0 ? secondFile : firstFile);
                    Interlocked.Increment(ref loads);
                }
                catch (InvalidOperationException e) when (e.Message.Contains("LeNet5 is busy", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref refusedLoads);
                }
            }
        });
        var savedFiles = new List<string>();
        var saver = new Thread(() =>
        {
            for (int i = 0; stop.Elapsed < RaceTime; i++)
            {
                string path = Path.Combine(Folder, $"snapshot-{i}.safetensors");
                try
                {
                    model.SaveWeights(path);
                    savedFiles.Add(path);
                    saves++;
                }
                catch (InvalidOperationException e) when (e.Message.Contains("is busy", StringComparison.Ordinal))
                {
                }

                Thread.Sleep(5);
            }
        });
        loader.Start();
        saver.Start();
        var (results, _) = Race(threads: 3, RaceTime, () =>
        {
            var probabilities = Probabilities(model.Predict(images, topK: 10));
            Thread.Sleep(1); // gaps in which no prediction runs, so that loads can get in
            return probabilities;
        });
        loader.Join();
        saver.Join();

        loads.Should().BePositive("loads get in between predictions ({0} were refused)", refusedLoads);
        saves.Should().BePositive();
        results.Should().AllSatisfy(r => (r.SequenceEqual(fromFirst) || r.SequenceEqual(fromSecond)).Should().BeTrue("a prediction sees one whole weight set"));
        foreach (string path in savedFiles)
        {
            using var saved = new LeNet5();
            saved.LoadWeights(path);
            saved.eval();
            float[] probabilities = Probabilities(saved.Predict(images, topK: 10));
            (probabilities.SequenceEqual(fromFirst) || probabilities.SequenceEqual(fromSecond)).Should().BeTrue("{0} holds one whole weight set", path);
        }
    }

    [Fact]
    public void Changing_a_model_while_another_thread_predicts_is_refused_and_leaves_it_as_it_was()
    {
        using var model = new LeNet5();
        model.eval();
        string weights = Path.Combine(Folder, "lenet5.safetensors");
        model.SaveWeights(weights);
        Dictionary<string, string> refused;
        using (new BlockedPrediction(model))
        {
            var attempts = new Dictionary<string, Action>
            {
                ["eval()"] = model.eval,
                ["train()"] = () => model.train(),
                ["UseChannelsLast"] = () => model.UseChannelsLast(),
                ["UseBFloat16"] = () => model.UseBFloat16(),
                ["LoadWeights"] = () => model.LoadWeights(weights),
            };
            refused = attempts.ToDictionary(a => a.Key, a => FluentActions.Invoking(a.Value).Should().Throw<InvalidOperationException>().Which.Message);
            model.SaveWeights(Path.Combine(Folder, "while-predicting.safetensors")); // reading is shared
        }

        foreach (var (operation, message) in refused)
        {
            message.Should().Contain($"LeNet5 is busy: {operation} cannot start while inference on 1 other thread(s) is running");
        }

        model.training.Should().BeFalse();
        model.ChannelsLast.Should().BeFalse();
        model.BFloat16.Should().BeFalse();
        model.UseChannelsLast().ChannelsLast.Should().BeTrue("once the prediction ends, the model is free");
    }

    /// <summary>Runs <paramref name="work"/> on several threads for <paramref name="time"/>; returns the results and the busy messages.</summary>
    private static (List<float[]> Results, List<string> Busy) Race(int threads, TimeSpan time, Func<float[]> work)
    {
        var results = new List<float[]>();
        var busy = new List<string>();
        var stop = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            while (stop.Elapsed < time)
            {
                using var scope = NewDisposeScope();
                try
                {
                    float[] result = work();
                    lock (results)
                    {
                        results.Add(result);
                    }
                }
                catch (InvalidOperationException e) when (e.Message.Contains("is busy", StringComparison.Ordinal))
                {
                    lock (busy)
                    {
                        busy.Add(e.Message);
                    }
                }
            }
        })).ToList();
        workers.ForEach(worker => worker.Start());
        workers.ForEach(worker => worker.Join());
        return (results, busy);
    }

    private static float[] Probabilities(IReadOnlyList<IReadOnlyList<Prediction>> predictions) =>
        [.. predictions.SelectMany(image => image.OrderBy(p => p.ClassIndex).Select(p => p.Probability))];
}
