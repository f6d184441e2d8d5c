using System.Text.Json;
using System.Text.RegularExpressions;
using ModelGallery.Data;
using ModelGallery.Images;
using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Tests.Pretrained;
using ModelGallery.Weights;

namespace ModelGallery.Tests.Cli;

/// <summary>
/// Issue 27, items 9 and 10: the CLI shows a catalogue label or published accuracy only for bytes whose SHA-256 is
/// the catalogue's; any other file is "local file, not verified" (predict's header, train's results.json), a file
/// placed by hand in the cache is hashed before use, and a local file gets the preset of the entry its name (or
/// <c>--preset</c>) names. The end-to-end tests' ResNet-18 file is torchvision's layout with seeded weights, so its
/// hash is not the published one.
/// </summary>
public sealed class UnverifiedWeightsCliTests : TempFolder
{
    private Dictionary<string, string> Environment => new()
    {
        ["MODELGALLERY_HOME"] = Path.Combine(Folder, "home"),
        ["XDG_CACHE_HOME"] = Path.Combine(Folder, "xdg"),
        ["TORCH_HOME"] = Path.Combine(Folder, "torch"),
    };

    private static string Fixture => PretrainedFixture.WeightsFile(PretrainedFixture.Case("resnet18"));

    private static string Photo => PretrainedFixture.Photo("chelsea.png");

    [Fact]
    public void A_local_file_that_is_not_the_catalogues_is_labelled_not_verified()
    {
        string named = Path.Combine(Folder, ResNet.ResNet18ImageNet1K.FileName); // even under the published name
        File.Copy(Fixture, named);

        var (exit, output, error) = GalleryProcess.Run(["predict", "resnet18", "--weights", named, "--image", Photo, "--top", "1"], Environment);

        exit.Should().Be(0, error);
        output.Should().Contain(PretrainedWeights.NotVerified).And.NotContain("ResNet18_Weights").And.NotContain("acc@1");
    }

    [Fact]
    public void A_file_placed_by_hand_in_the_cache_is_hashed_before_it_is_used_or_labelled()
    {
        string cache = Path.Combine(Folder, "home", "weights");
        Directory.CreateDirectory(cache);
        string placed = Path.Combine(cache, ResNet.ResNet18ImageNet1K.FileName);
        File.Copy(Fixture, placed);

        var (exit, output, error) = GalleryProcess.Run(["predict", "resnet18", "--image", Photo], Environment);

        exit.Should().Be(2, output);
        output.Should().NotContain("ResNet18_Weights").And.NotContain("acc@1");
        error.Trim().Split('\n').Should().ContainSingle().Which.Should()
            .Contain(placed).And.Contain("f37072fd").And.Contain(PretrainedFixture.Case("resnet18").Sha256);
    }

    [Fact]
    public void A_file_with_V1s_published_name_gets_V1s_preset_and_preset_names_the_entry_explicitly()
    {
        string v1 = Path.Combine(Folder, "resnet50-0676ba61.pth");
        using (var fresh = new ResNet(50, numClasses: 1000))
        {
            fresh.SaveWeights(v1);
        }

        string mine = Path.Combine(Folder, "mine.pth");
        File.Copy(v1, mine);

        string ByName = Header(["--weights", v1]);
        string Default = Header(["--weights", mine]);
        string Explicit = Header(["--weights", mine, "--preset", "imagenet1k-v1"]);

        ByName.Should().Contain("resize 256").And.Contain(PretrainedWeights.NotVerified).And.NotContain("IMAGENET1K");
        Default.Should().Contain("resize 232", "a file with no catalogue name gets the default's (V2's) preset");
        Explicit.Should().Contain("resize 256").And.Contain(PretrainedWeights.NotVerified);
    }

    [Fact]
    public void Train_records_an_unverified_starting_file_as_not_verified_in_results_json()
    {
        string data = Path.Combine(Folder, "fashion");
        using (var test = FashionMnist.Load(train: false))
        {
            FashionMnistFolders.Write(test, data, 20);
        }

        string run = Path.Combine(Folder, "run");
        string named = Path.Combine(Folder, ResNet.ResNet18ImageNet1K.FileName);
        File.Copy(Fixture, named);

        var (exit, output, error) = GalleryProcess.Run(
            ["train", "resnet18", "--data", data, "--val-split", "0", "--weights", named, "--freeze-backbone", "--no-augment", "--epochs", "1", "--batch", "10", "--output", run], Environment);

        exit.Should().Be(0, output + error);
        output.Should().Contain(PretrainedWeights.NotVerified).And.NotContain("ResNet18_Weights");
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "results.json")));
        results.RootElement.GetProperty("weights").GetString().Should().Be(PretrainedWeights.NotVerified);
    }

    /// <summary>The output of <c>predict resnet50</c>, runs of white space as one space (the table's title may wrap).</summary>
    private string Header(string[] weights)
    {
        var (exit, output, error) = GalleryProcess.Run(["predict", "resnet50", .. weights, "--image", Photo, "--top", "1"], Environment);
        exit.Should().Be(0, error);
        return Regex.Replace(output, "\\s+", " ");
    }
}
