using ModelGallery.Native;
using ModelGallery.Zoo;
using TorchSharp;

namespace ModelGallery.Tests.Native;

/// <summary>
/// The canary itself: it covers every convolution family the registered models run, it measures errors against the
/// output's scale, and a wrong value planted into oneDNN's output is reported as wrong.
/// </summary>
[Collection(nameof(OneDnnSwitching))]
public sealed class OneDnnCanaryTests
{
    [Fact]
    [Trait("Category", "Slow")]
    public void Every_convolution_family_of_the_registered_models_is_in_the_canary()
    {
        var families = new HashSet<(long Kernel, long Stride, long Groups)>();
        foreach (var info in ModelZoo.All)
        {
            using var model = info.Create();
            foreach (var (_, module) in model.named_modules())
            {
                if (module is TorchSharp.Modules.Conv2d conv)
                {
                    families.Add((conv.kernel_size[0], conv.stride[0], conv.groups));
                }
            }
        }

        families.Should().Contain([(1, 1, 1), (1, 2, 1), (3, 1, 1), (3, 2, 1), (5, 1, 1), (7, 2, 1), (11, 4, 1)], "the models as the README lists them");
        families.Should().BeSubsetOf(OneDnnCanary.Shapes.Select(s => ((long)s.Kernel, (long)s.Stride, 1L)), "a family the canary misses is not verified");
    }

    [Fact]
    public void The_error_is_the_largest_difference_over_the_largest_reference_value()
    {
        using var scope = torch.NewDisposeScope();
        var expected = torch.tensor(new float[] { 2, -4, 1 });
        var actual = torch.tensor(new float[] { 2.5f, -4, 0 });

        OneDnnCanary.RelativeError(actual, expected).Should().Be(0.25, "max(|0.5|, 0, |−1|) / 4 by hand");
    }

    [Fact]
    public void A_wrong_value_planted_into_oneDNNs_output_is_reported_wrong()
    {
        var shapes = new[] { new CanaryShape("3x3/1", Kernel: 3, Stride: 1, Padding: 1, InChannels: 4, OutChannels: 8, Size: 8) };

        var (cases, _, _) = OneDnnCanary.Run(perturbation: 1e-2, shapes: shapes);
        var trial = OneDnnVerifier.Classify(null, exited: true, exitCode: 0, new CanaryReport(true, null, cases, 1, 1, true, null), null, 1);

        cases.Should().HaveCount(4, "batch 1 and 16, NCHW and channels-last");
        cases.Should().OnlyContain(c => !c.Passed && c.ForwardError >= 0.99e-2 && c.ForwardError <= 1.01e-2,
            "1e-2 of the scale was added to every output value; float rounding adds at most 1e-5");
        trial.Outcome.Should().Be(OneDnnOutcome.Wrong);
    }

    [Fact]
    public void The_canary_leaves_the_switch_as_it_found_it()
    {
        bool before = OneDnn.Enabled;
        var shapes = new[] { new CanaryShape("1x1/1", Kernel: 1, Stride: 1, Padding: 0, InChannels: 4, OutChannels: 4, Size: 4) };

        OneDnnCanary.Run(shapes: shapes);

        OneDnn.Enabled.Should().Be(before);
    }

    [Fact]
    public void The_child_is_this_process_relaunched_with_ModelGallery_as_its_startup_hook()
    {
        var (start, why) = OneDnnVerifier.Relaunch();

        why.Should().BeNull();
        start!.FileName.Should().Be(Environment.ProcessPath);
        start.Environment["DOTNET_STARTUP_HOOKS"].Should().StartWith(typeof(OneDnn).Assembly.Location);
        if (OperatingSystem.IsLinux())
        {
            start.ArgumentList.Should().Equal(File.ReadAllText("/proc/self/cmdline").TrimEnd('\0').Split('\0').Skip(1));
        }
    }
}
