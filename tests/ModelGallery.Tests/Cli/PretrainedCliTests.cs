using System.Security.Cryptography;
using ModelGallery.Data;
using ModelGallery.Models;
using ModelGallery.Tests.Hub;
using ModelGallery.Tests.Pretrained;

namespace ModelGallery.Tests.Cli;

/// <summary>
/// <c>gallery predict MODEL</c> and <c>gallery weights …</c> as a user runs them, with a cache in a temporary folder
/// (never the machine's), a local file or a Kestrel server on 127.0.0.1 standing in for download.pytorch.org.
/// </summary>
public sealed class PretrainedCliTests : TempFolder
{
    private Dictionary<string, string> Environment => new()
    {
        ["MODELGALLERY_HOME"] = Path.Combine(Folder, "home"),
        ["XDG_CACHE_HOME"] = Path.Combine(Folder, "xdg"),
        ["TORCH_HOME"] = Path.Combine(Folder, "torch"),
    };

    private string CacheFolder => Path.Combine(Folder, "home", "weights");

    public static TheoryData<string[]> BadArguments()
    {
        string photo = PretrainedFixture.Photo("chelsea.png");
        return
        [
            ["predict", "resnet18", "--image", photo, "--index", "3"],
            ["predict", "resnet18", "--image", photo, "--invert"],
            ["predict", "resnet18"],
            ["predict", "--index", "0", "--weights", "imagenet1k"],
            ["predict", "resnet18", "--image", photo, "--weights", "imagenet9k"],
            ["predict", "googlenet", "--image", photo],
            ["predict", "densenet121", "--image", photo],
            ["predict", "--index", "0", "--top", "11"],
            ["predict", "resnet18", "--image", photo, "--top", "1001"],
            ["predict", "vgg16", "--image", photo, "--base-url", "ftp://mirror/models/"],
            ["weights", "download", "densenet121"],
            ["weights", "download", "http://127.0.0.1:1/models/weights.pth"],
            ["weights", "verify", "resnet18"],
        ];
    }

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void A_bad_argument_exits_1_with_one_line(string[] args)
    {
        var (exit, output, error) = GalleryProcess.Run(args, Environment);

        exit.Should().Be(1, output + error);
        error.Trim().Split('\n').Should().ContainSingle().Which.Should().StartWith("error: ");
        (output + error).Should().NotContain("   at ").And.NotContain("Exception");
    }

    [Fact]
    public void Predict_with_a_local_torchvision_file_prints_torchvisions_top_classes_by_name()
    {
        var expected = PretrainedFixture.Case("resnet18");
        string photo = PretrainedFixture.Photo("chelsea.png");

        var (exit, output, error) = GalleryProcess.Run(["predict", "resnet18", "--weights", PretrainedFixture.WeightsFile(expected), "--image", photo, "--top", "3"], Environment);

        exit.Should().Be(0, error);
        var top = expected.Photos["chelsea.png"];
        output.Should().Contain($"{ImageNet.Categories[top.Classes[0]]} {top.Probabilities[0]:P1}").And.Contain(ImageNet.Categories[top.Classes[2]]);
        output.Should().NotContain(ImageNet.Categories[top.Classes[3]], "--top 3");
        Directory.Exists(CacheFolder).Should().BeFalse("a local file needs no cache");
    }

    [Fact]
    public async Task A_file_the_server_does_not_have_fails_with_the_url_the_status_and_where_to_put_it()
    {
        await using var server = await WeightsServer.StartAsync();
        string photo = PretrainedFixture.Photo("chelsea.png");

        var (exit, output, error) = GalleryProcess.Run(["predict", "vgg16", "--image", photo, "--base-url", server.Root + "models/"], Environment);

        exit.Should().Be(2, output);
        error.Trim().Split('\n').Should().ContainSingle().Which.Should()
            .Contain(server.Root + "models/vgg16-397923af.pth").And.Contain("404").And.Contain(Path.Combine(CacheFolder, "vgg16-397923af.pth"));
        Directory.GetFiles(CacheFolder).Where(f => f.EndsWith(".pth", StringComparison.Ordinal)).Should().BeEmpty("nothing partial under the final name");
    }

    [Fact]
    public async Task Two_processes_downloading_the_same_file_make_one_request_and_both_get_it()
    {
        await using var server = await WeightsServer.StartAsync();
        string local = PretrainedFixture.WeightsFile(PretrainedFixture.Case("resnet18"));
        var file = server.AddFile(local, new Fault(StallBefore: TimeSpan.FromSeconds(2))); // both start before either finishes

        var first = GalleryProcess.Start(["weights", "download", file.Url.ToString()], Environment);
        var second = GalleryProcess.Start(["weights", "download", file.Url.ToString()], Environment);
        var (exit1, out1, err1) = first.Finish();
        var (exit2, out2, err2) = second.Finish();

        exit1.Should().Be(0, err1);
        exit2.Should().Be(0, err2);
        string path = Path.Combine(CacheFolder, file.FileName);
        out1.Trim().Split('\n')[^1].Should().Be(path);
        out2.Trim().Split('\n')[^1].Should().Be(path);
        server.RequestsFor(file).Should().ContainSingle("one process downloads while the other waits on the lock file, then finds the file");
        Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))).Should().Be(PretrainedFixture.Case("resnet18").Sha256);
    }

    [Fact]
    public void A_bad_MODELGALLERY_WEIGHTS_URL_is_one_line_naming_it_and_exit_1()
    {
        var environment = Environment;
        environment["MODELGALLERY_WEIGHTS_URL"] = "ftp://mirror.example/weights";

        var (exit, output, error) = GalleryProcess.Run(["weights", "download", "resnet18"], environment);

        exit.Should().Be(1, output + error);
        error.Trim().Split('\n').Should().ContainSingle().Which.Should()
            .Be("error: Expected MODELGALLERY_WEIGHTS_URL to be an absolute http or https URL; received 'ftp://mirror.example/weights'.");
    }

    [SkippableFact]
    public async Task A_download_stopped_with_ctrl_c_exits_130_and_keeps_its_partial()
    {
        Skip.If(OperatingSystem.IsWindows(), "SIGINT");
        await using var server = await WeightsServer.StartAsync();
        var (file, _) = server.Add("interrupted", 300_000, new Fault(StallAfter: 1000));
        string partial = Path.Combine(CacheFolder, file.FileName + ".partial");
        var running = GalleryProcess.Start(["weights", "download", file.Url.ToString()], Environment);
        using (var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
        {
            // The server stalls after 1000 bytes: the process cannot finish before it is interrupted.
            while (!(File.Exists(partial) && new FileInfo(partial).Length == 1000) && !running.Process.HasExited)
            {
                await Task.Delay(50, limit.Token);
            }
        }

        running.Process.HasExited.Should().BeFalse("the download is stalled, waiting");
        using (var kill = System.Diagnostics.Process.Start("kill", ["-INT", running.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        var (exit, output, error) = running.Finish();

        exit.Should().Be(130, output + error);
        error.Trim().Split('\n').Should().ContainSingle().Which.Should().Contain("Cancelled");
        new FileInfo(partial).Length.Should().Be(1000, "the partial file stays for the next run");
    }

    [Fact]
    public void The_weights_commands_list_locate_and_verify_the_cache()
    {
        Directory.CreateDirectory(CacheFolder);
        string placed = Path.Combine(CacheFolder, ResNet.ResNet18ImageNet1K.FileName);
        File.Copy(PretrainedFixture.WeightsFile(PretrainedFixture.Case("resnet18")), placed); // not the published bytes

        var (listExit, list, listError) = GalleryProcess.Run(["weights", "list"], Environment);
        var (pathExit, path, _) = GalleryProcess.Run(["weights", "path", "resnet50"], Environment);
        var (verifyExit, verifyOutput, verifyError) = GalleryProcess.Run(["weights", "verify", "resnet18"], Environment);

        listExit.Should().Be(0, listError);
        foreach (var weights in ModelGallery.Zoo.ModelZoo.All.SelectMany(info => info.Weights).Where(w => w.Url is not null))
        {
            list.Should().Contain(weights.Name).And.Contain(weights.TorchvisionName);
        }

        list.Should().Contain("46.8 MB", "the placed file is listed as cached with its size");
        pathExit.Should().Be(0);
        path.Trim().Should().Be(Path.Combine(CacheFolder, "resnet50-11ad3fa6.pth"), "resnet50's default is torchvision's V2");
        verifyExit.Should().Be(2, verifyOutput);
        verifyError.Should().Contain(placed).And.Contain("f37072fd").And.Contain(PretrainedFixture.Case("resnet18").Sha256);
    }
}
