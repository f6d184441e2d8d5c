using ModelGallery.Hub;
using ModelGallery.Images;
using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Tests.Pretrained;

namespace ModelGallery.Tests.Hub;

/// <summary>
/// <c>LoadAsync</c> end to end: a torchvision file served on 127.0.0.1 under its own hash prefix (the catalogue's
/// real files cannot be reached here), downloaded once, loaded strictly, classifying a photo as torchvision does.
/// </summary>
public sealed class LoadAsyncTests : HubTest
{
    [Fact]
    public async Task A_catalogue_entry_downloads_once_and_gives_a_model_that_classifies_as_torchvision_does()
    {
        var expected = PretrainedFixture.Case("resnet18");
        var file = Server.AddFile(PretrainedFixture.WeightsFile(expected));
        var entry = Entry(file.Url);
        var downloader = Downloader();

        using (var model = await entry.LoadAsync(downloader))
        {
            using var image = ImageFile.Read(PretrainedFixture.Photo("chelsea.png"));
            var top5 = entry.Classify(model, image, topK: 5);

            top5.Select(p => p.ClassIndex).Should().Equal(expected.Photos["chelsea.png"].Classes);
            top5.Select(p => (double)p.Probability).Should().Equal(expected.Photos["chelsea.png"].Probabilities, (a, b) => Math.Abs(a - b) <= 1e-4);
            model.training.Should().BeFalse();
        }

        using (await entry.LoadAsync(downloader))
        {
            Server.RequestsFor(file).Should().ContainSingle("the second load finds the file in the cache");
        }
    }

    [Fact]
    public async Task A_server_that_does_not_have_the_file_gives_the_url_and_status_and_no_model()
    {
        var entry = Entry(new Uri(Server.Root, "models/resnet18-0123abcd.pth"));

        var act = () => entry.LoadAsync(Downloader());

        (await act.Should().ThrowAsync<WeightsDownloadException>()).Which.Message.Should()
            .Contain("resnet18-0123abcd.pth").And.Contain("404");
    }

    /// <summary>ResNet-18's entry, pointing at another file (the budget then comes from the parameter count).</summary>
    private static PretrainedWeights<ResNet> Entry(Uri url) => ResNet.ResNet18ImageNet1K with { Tag = "test", Url = url, Bytes = null }; // another file: its size is not recorded
}
