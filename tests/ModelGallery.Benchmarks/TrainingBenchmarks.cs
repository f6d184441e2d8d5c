using BenchmarkDotNet.Attributes;
using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Zoo;
using static TorchSharp.torch;

namespace ModelGallery.Benchmarks;

/// <summary>One training step (SGD with momentum 0.9, cross-entropy), as the PyTorch reference times it.</summary>
public class TrainingBenchmarks : IDisposable
{
    private GalleryModel? model;
    private optim.Optimizer? optimizer;
    private Tensor? images;
    private Tensor? labels;
    private readonly nn.Module<Tensor, Tensor, Tensor> loss = nn.CrossEntropyLoss();

    [ParamsSource(nameof(Cases))]
    public TrainingCase Case { get; set; } = new("lenet5", 64);

    [Params(false, true)]
    public bool ChannelsLast { get; set; }

    public static IEnumerable<TrainingCase> Cases => Suite.TrainingCases;

    [GlobalSetup]
    public void Setup()
    {
        set_num_threads(Suite.Threads);
        model = ModelZoo.Create(Case.Model);
        if (ChannelsLast)
        {
            model.UseChannelsLast();
        }

        model.train();
        optimizer = optim.SGD(model.parameters(), 0.01, momentum: 0.9);
        var generator = new Generator(42);
        images = randn([Case.Batch, model.Input.Channels, model.Input.Height, model.Input.Width], generator: generator);
        labels = randint(0, 2, [Case.Batch], generator: generator);
    }

    [Benchmark]
    public void Step()
    {
        using var scope = NewDisposeScope();
        optimizer!.zero_grad();
        loss.call(model!.call(images!), labels!).backward();
        optimizer.step();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        model?.Dispose();
        optimizer?.Dispose();
        images?.Dispose();
        labels?.Dispose();
        (model, optimizer, images, labels) = (null, null, null, null);
    }

    public void Dispose()
    {
        Cleanup();
        loss.Dispose();
        GC.SuppressFinalize(this);
    }
}
