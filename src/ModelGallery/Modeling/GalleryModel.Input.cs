using static TorchSharp.torch;

namespace ModelGallery.Modeling;

/// <summary>The input check every entry point runs before the network: cheap enough to run on every call.</summary>
public abstract partial class GalleryModel
{
    private ParameterPath? firstParameter;

    /// <summary>Throws if <paramref name="input"/> is null or disposed, or does not fit <see cref="Input"/>, the weights' dtype or their device.</summary>
    internal void CheckInput(Tensor input, string paramName = "input")
    {
        ArgumentNullException.ThrowIfNull(input, paramName);
        if (input.IsInvalid)
        {
            // TorchSharp would say only "Tensor invalid -- empty handle" from deep inside the first layer.
            throw new ObjectDisposedException(paramName, $"The input tensor '{paramName}' passed to {GetName()} has been disposed; pass a live tensor (create it outside the dispose scope that ended, or keep it with MoveToOuterDisposeScope).");
        }

        Input.Validate(GetName(), input, paramName);
        var reference = ReferenceParameter();
        ScalarType expected = execution.InputType(reference.dtype);
        if (input.dtype != expected)
        {
            string whose = BFloat16 ? "it computes in bfloat16 but takes float32 images" : "the dtype of its weights";
            throw new ArgumentException(
                $"{GetName()} expects {expected} input ({whose}) but received {input.dtype} [{string.Join(", ", input.shape)}]. " +
                "Convert images with .to(ScalarType.Float32), or the model with .to(...) if you mean another precision.",
                paramName);
        }

        if (input.device_type != reference.device_type || input.device_index != reference.device_index)
        {
            throw new ArgumentException($"{GetName()} is on {reference.device} but the input is on {input.device}; move one of them with .to(device).", paramName);
        }
    }

    /// <summary>
    /// The model's first parameter, whose dtype and device the input must match: looked up by name in the module that
    /// owns it (a dictionary read), not by enumerating <c>parameters()</c> on every call (a recursive walk, over a
    /// microsecond). The owner and the name are found once; the parameter itself is read each time, so a conversion
    /// (<c>to(...)</c>, <see cref="UseChannelsLast"/>, <see cref="UseBFloat16"/>) that replaces it is seen at once.
    /// </summary>
    private TorchSharp.Modules.Parameter ReferenceParameter()
    {
        if (firstParameter is { } known && known.Owner.get_parameter(known.Name) is { } parameter)
        {
            return parameter;
        }

        string path = named_parameters().First().name;
        int dot = path.LastIndexOf('.');
        nn.Module owner = dot < 0 ? this : named_modules().First(m => m.name == path[..dot]).module;
        firstParameter = new ParameterPath(owner, path[(dot + 1)..]);
        return owner.get_parameter(firstParameter.Name)!;
    }

    /// <summary>Where <see cref="ReferenceParameter"/> finds the first parameter: its module and its name there.</summary>
    private sealed record ParameterPath(nn.Module Owner, string Name);
}
