using ModelGallery.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Inspection;

/// <summary>
/// One forward pass with a hook on every submodule, recording shapes, calls and MACs. Hooks are removed and
/// every module's training mode restored afterwards, also when the pass throws.
/// </summary>
internal sealed class ForwardTrace
{
    private readonly Dictionary<string, nn.Module> modules;
    private readonly Dictionary<string, Observation> observed = [];
    private readonly List<string> leafCallOrder = [];

    private ForwardTrace(nn.Module<Tensor, Tensor> model)
    {
        modules = model.named_modules().Where(m => m.name.Length > 0).ToDictionary(m => m.name, m => m.module);
    }

    /// <summary>Leaf paths in the order of their first call; leaves never called come last.</summary>
    public IEnumerable<string> LeavesInCallOrder =>
        leafCallOrder.Concat(modules.Where(m => IsLeaf(m.Value) && !observed.ContainsKey(m.Key)).Select(m => m.Key));

    public long TotalMacs { get; private set; }

    public long ActivationBytes { get; private set; }

    public static ForwardTrace Run(nn.Module<Tensor, Tensor> model, IReadOnlyList<long> inputShape)
    {
        var trace = new ForwardTrace(model);
        // Pre-order, root first: train(bool) also sets the children, so parents are restored before their children.
        var modes = trace.modules.Values.Prepend(model).Select(m => (Module: m, m.training)).ToList();
        var removers = new List<Action>();
        try
        {
            foreach (var (path, module) in trace.modules)
            {
                if (module is nn.Module<Tensor, Tensor> hookable)
                {
                    removers.Add(hookable.register_forward_hook((m, input, output) =>
                    {
                        trace.Record(path, m, input, output);
                        return output;
                    }).remove);
                }
            }

            model.eval();
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            model.call(zeros([.. inputShape]));
        }
        finally
        {
            removers.ForEach(remove => remove());
            modes.ForEach(m => m.Module.train(m.training));
        }

        return trace;
    }

    /// <summary>Summarises the modules of one row (a stage or a single module).</summary>
    public LayerSummary Summarise(ModelStage stage)
    {
        var roots = stage.Modules.Select(path => modules[path]).ToList();
        var leafPaths = modules.Keys
            .Where(path => stage.Modules.Any(root => path == root || path.StartsWith(root + ".", StringComparison.Ordinal)))
            .Where(path => IsLeaf(modules[path]))
            .ToList();
        var leaves = leafPaths.Select(path => modules[path]).ToList();
        var parameters = roots.SelectMany(root => root.parameters()).ToList();
        var first = observed.GetValueOrDefault(stage.Modules[0]);
        var last = observed.GetValueOrDefault(stage.Modules[^1]);
        var activations = leaves.Select(ReadmeVocabulary.ActivationName).OfType<string>().Distinct().ToList();
        var windows = leaves.Select(Geometry).OfType<LayerGeometry>().ToList();
        string kind = roots switch
        {
            [Sequential blocks] when blocks.children().Select(b => b.GetType()).Distinct().Count() == 1 && blocks.children().First().children().Any()
                => $"{blocks.children().Count()} × {blocks.children().First().GetType().Name}", // a stage of like blocks
            [var single] when single.children().Any() && single is not Sequential => single.GetType().Name,
            _ => string.Join("+", leaves.Select(leaf => leaf.GetType().Name)),
        };
        return new LayerSummary(
            stage.Name,
            string.Join(", ", stage.Modules),
            kind,
            first?.Input ?? [],
            last?.Output ?? [],
            parameters.Sum(p => p.numel()),
            parameters.Where(p => p.requires_grad).Sum(p => p.numel()),
            leafPaths.Sum(path => observed.GetValueOrDefault(path)?.Macs ?? 0),
            activations.Count == 0 ? "-" : string.Join(", ", activations),
            windows is [var window] ? window : null);
    }

    private void Record(string path, nn.Module module, Tensor input, Tensor output)
    {
        bool leaf = IsLeaf(module);
        long macs = leaf ? Macs(module, input, output) : 0;
        if (observed.TryGetValue(path, out var seen))
        {
            observed[path] = seen with { Output = output.shape, Macs = seen.Macs + macs };
        }
        else
        {
            observed[path] = new Observation(input.shape, output.shape, macs);
            if (leaf)
            {
                leafCallOrder.Add(path);
            }
        }

        if (leaf)
        {
            TotalMacs += macs;
            ActivationBytes += output.numel() * output.ElementSize;
        }
    }

    /// <summary>Multiply-accumulates of one call of a leaf module; see <see cref="ModelSummary"/> for the convention.</summary>
    private static long Macs(nn.Module module, Tensor input, Tensor output) => module switch
    {
        Convolution { transposed: false } conv => output.numel() * (conv.in_channels / conv.groups) * conv.kernel_size.Aggregate(1L, (a, b) => a * b),
        Convolution conv => input.numel() * (conv.out_channels / conv.groups) * conv.kernel_size.Aggregate(1L, (a, b) => a * b),
        Linear linear => output.numel() * linear.in_features,
        _ => 0,
    };

    private static LayerGeometry? Geometry(nn.Module module) => module switch
    {
        Convolution conv => new LayerGeometry(conv.kernel_size, conv.stride, conv.padding ?? [], conv.out_channels),
        MaxPool2d pool => new LayerGeometry(pool.kernel_size, pool.stride, pool.padding, null),
        AvgPool2d pool => new LayerGeometry(pool.kernel_size, pool.stride, pool.padding, null),
        _ => null,
    };

    private static bool IsLeaf(nn.Module module) => !module.children().Any();

    private sealed record Observation(long[] Input, long[] Output, long Macs);
}
