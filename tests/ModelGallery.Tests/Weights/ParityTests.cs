using ModelGallery.Modeling;
using ModelGallery.Models;
using TorchSharp;
using ModelGallery.Tests.Sensitivity;
using ModelGallery.Weights;
using ModelGallery.Zoo;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Weights;

/// <summary>ModelGallery's outputs equal PyTorch's for the same weights and inputs (fixtures made by PyTorch 1.13).</summary>
[Collection(nameof(LargeModels))]
public sealed class ParityTests(ITestOutputHelper output)
{
    /// <summary>float32 LeNet-5 against PyTorch's float32: measured 6.0e-7 relative.</summary>
    private const double Float32Tolerance = 1e-5;

    /// <summary>The float64 cases: measured 1e-13 to 1e-15 relative; a wrong layer is many orders more.</summary>
    private const double Float64Tolerance = 1e-10;

    [Theory]
    [InlineData("lenet5.pt")]
    [InlineData("lenet5.safetensors")]
    public void LeNet5_with_weights_saved_by_PyTorch_gives_PyTorchs_logits(string file)
    {
        using var model = new LeNet5();
        model.LoadWeights(Fixture.Path(file)).IsComplete.Should().BeTrue();
        model.eval();
        using var scope = NewDisposeScope();
        var expected = Fixture.Expected("lenet5");

        var logits = model.call(expected["input"]);

        Check("lenet5 (" + file + ")", logits, expected["logits"], Float32Tolerance);
    }

    /// <summary>Every registered model but LeNet-5 (which has real weights, above) has a formula fixture of its name.</summary>
    public static TheoryData<string> FormulaCases => [.. ModelZoo.Names.Where(name => name != "lenet5")];

    // The formula-weight cases run in float64, as the fixtures were made: see generate_fixtures.py.
    [Theory]
    [MemberData(nameof(FormulaCases))]
    public void Logits_equal_PyTorchs(string name)
    {
        using var model = Build(name);
        ParityFormula.Fill(model);
        model.to(float64).eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var expected = Fixture.Expected(name);

        var input = ParityFormula.Input(2, 3, model.Input.Height, model.Input.Width).to(float64);
        SensitiveModels.Check(model, input, input.flip(3), Float64Tolerance);

        var logits = model.call(input);

        Check(name, logits, expected["logits"], Float64Tolerance);
    }

    [Theory]
    [InlineData("googlenet")]
    [InlineData("googlenet-torchvision")]
    public void Training_mode_aux_outputs_equal_PyTorchs(string name)
    {
        using var model = (GoogLeNet)Build(name);
        ParityFormula.Fill(model);
        model.to(float64).train();
        foreach (var dropout in model.modules().OfType<TorchSharp.Modules.Dropout>())
        {
            dropout.eval(); // deterministic: batch statistics and auxiliary heads, but no dropout (as the fixture)
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var expected = Fixture.Expected(name);

        var outputs = model.ForwardWithAux(ParityFormula.Input(2, 3, 224, 224).to(float64));

        Check(name + " train logits", outputs.Logits, expected["train_logits"], Float64Tolerance);
        Check(name + " train aux1", outputs.Aux1!, expected["train_aux1"], Float64Tolerance);
        Check(name + " train aux2", outputs.Aux2!, expected["train_aux2"], Float64Tolerance);
    }

    /// <summary>The registered model, or for the GoogLeNets the options their fixtures were made with (aux heads, transform_input).</summary>
    private static GalleryModel Build(string name) => name switch
    {
        "googlenet" => new GoogLeNet(auxClassifiers: true),
        "googlenet-torchvision" => new GoogLeNet(variant: GoogLeNetVariant.Torchvision, auxClassifiers: true, transformInput: true),
        _ => ModelZoo.Create(name),
    };

    private void Check(string name, Tensor actual, Tensor expected, double tolerance)
    {
        actual.shape.Should().Equal(expected.shape);
        double error = Fixture.RelativeError(actual, expected);
        output.WriteLine($"{name}: relative error {error:E2}");
        error.Should().BeLessThan(tolerance, "{0} must match PyTorch", name);
    }
}
