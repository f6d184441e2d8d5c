using System.Globalization;
using System.Numerics;

namespace ModelGallery.Weights;

/// <summary>
/// The state_dict of a torch.save pickle (zip or legacy format) as read by <see cref="PickleReader"/>: each entry's
/// storage and view, checked against the storage it names, before any data is read.
/// </summary>
internal static class StateDictPickle
{
    /// <summary>The globals a state_dict pickle may name; anything else is refused before it is used.</summary>
    public static bool Accepts(PickleGlobal global) => global switch
    {
        ("torch" or "torch.cuda", var name) => LegacyStorage.Types.ContainsKey(name),
        ("torch._utils", "_rebuild_tensor_v2" or "_rebuild_tensor" or "_rebuild_parameter" or "_rebuild_parameter_with_state") or ("collections", "OrderedDict") => true,
        _ => false,
    };

    /// <summary>
    /// The entries of <paramref name="stateDict"/>, in the file's order. A value may be an <c>nn.Parameter</c>
    /// (<c>torch._utils._rebuild_parameter(tensor, requires_grad, hooks)</c>), which PyTorch loads as a tensor too.
    /// </summary>
    public static List<(string Name, LegacyStorageView Storage, TensorView View)> Tensors(string path, object? stateDict)
    {
        if (stateDict is not PickleDict items)
        {
            throw new WeightsFileException(path, $"it holds {PythonKind(stateDict)}, not a state_dict: only plain state_dicts of tensors are read.");
        }

        var tensors = new List<(string, LegacyStorageView, TensorView)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in items)
        {
            // _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks[, metadata]), or before
            // PyTorch 0.4 _rebuild_tensor(storage, offset, size, stride); requires_grad and hooks do not matter here.
            // An nn.Parameter: _rebuild_parameter(tensor, requires_grad, backward_hooks), or with its Python attributes
            // _rebuild_parameter_with_state(tensor, requires_grad, backward_hooks, state); only the tensor matters.
            object? tensor = value is PickleCall { Function.Name: var kind and ("_rebuild_parameter" or "_rebuild_parameter_with_state"), Arguments: [var data, bool, ..] arguments } &&
                arguments.Length == (kind == "_rebuild_parameter" ? 3 : 4) ? data : value;
            if (key is not string name || tensor is not PickleCall { Function: var function, Arguments: var args } ||
                function.Name.StartsWith("_rebuild_parameter", StringComparison.Ordinal) ||
                args is not [LegacyStorageView storage, long offset, object?[] size, object?[] stride, ..] ||
                !(function.Name == "_rebuild_tensor" ? args.Length == 4 : args.Length is 6 or 7 && args[4] is bool) ||
                size.Any(n => n is not long) || stride.Any(n => n is not long))
            {
                throw new WeightsFileException(path, $"entry {Show(key)} is not a tensor (a call of torch._utils._rebuild_tensor_v2 with a storage, an offset, a size and strides), or an nn.Parameter of one: only plain state_dicts of tensors are read.");
            }

            var view = new TensorView(storage.Root.DType, offset, [.. size.Cast<long>()], [.. stride.Cast<long>()]);
            if (!view.FitsIn(storage.Size))
            {
                throw new WeightsFileException(path, $"tensor '{name}' ({view.Describe()}) reaches beyond its storage '{storage.Key}' of {storage.Size:N0} elements.");
            }

            if (!names.Add(name))
            {
                throw new WeightsFileException(path, $"its state_dict names '{name}' twice; which of the two tensors is meant is undefined.");
            }

            tensors.Add((name, storage, view));
        }

        return tensors;
    }

    /// <summary>What a pickled value is, in Python's words.</summary>
    public static string PythonKind(object? value) => value switch
    {
        null => "None",
        List<object?> => "a list",
        object?[] => "a tuple",
        PickleDict => "a dict",
        PickleCall call => $"a call of {call.Function}",
        _ => $"the value {Show(value)}",
    };

    /// <summary>A pickled value for messages.</summary>
    public static string Show(object? value) => value switch
    {
        null => "None",
        string text => $"'{text}'",
        BigInteger number => $"0x{number:x}",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? value.GetType().Name,
    };
}
