using ModelGallery.Hub;
using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Tests.Hub;

namespace ModelGallery.Tests.Pretrained;

/// <summary>
/// Issue 27, items 9 and 10, in the library: the catalogue entry of a file is found by its bytes' SHA-256, never by
/// its name, and a file in the cache (placed by hand where a download error says) is hashed before it is loaded.
/// </summary>
public sealed class WeightsProvenanceTests : HubTest
{
    private static PretrainedFixture.Expected Expected => PretrainedFixture.Case("resnet18");

    [Fact]
    public void FindWeights_picks_the_entry_by_the_bytes_hash_whatever_the_file_is_called()
    {
        string renamed = Path.Combine(Folder, ResNet.ResNet18ImageNet1K.FileName); // V1's published name, other bytes
        File.Copy(PretrainedFixture.WeightsFile(Expected), renamed);
        var standIn = ResNet.ResNet18ImageNet1K with { Tag = "fixture", Url = new Uri($"https://example.invalid/models/resnet18-{Expected.Sha256[..8]}.pth") };
        var info = new ModelInfo("resnet18", "ResNet-18", ResNet.ResNet18Info.Paper, ResNet.ResNet18Info.Input, 1000, new(0, 0), _ => new ResNet(18), [ResNet.ResNet18ImageNet1K, standIn]);

        ResNet.ResNet18Info.FindWeights(renamed).Should().BeNull("the name is V1's, the bytes are not");
        info.FindWeights(renamed).Should().Be(standIn);
        standIn.VerifyFile(renamed).Should().Be(Expected.Sha256);
    }

    [Fact]
    public async Task A_file_placed_by_hand_where_the_download_error_says_is_hashed_before_it_is_loaded()
    {
        var entry = ResNet.ResNet18ImageNet1K with { Url = new Uri(Server.Root, "models/" + ResNet.ResNet18ImageNet1K.FileName) }; // the server has nothing
        var downloader = Downloader(retries: 0);
        var failure = (await FluentActions.Awaiting(() => entry.LoadAsync(downloader)).Should().ThrowAsync<WeightsDownloadException>()).Which;
        failure.Message.Should().Contain("place it by hand").And.Contain(failure.CachePath).And.Contain("SHA-256 is checked");

        File.Copy(PretrainedFixture.WeightsFile(Expected), failure.CachePath); // as the advice says, but not the published bytes

        // The cache refuses the entry before it is loaded (and leaves it where it is): a typed error naming the file and both hashes.
        (await FluentActions.Awaiting(() => entry.LoadAsync(downloader)).Should().ThrowAsync<WeightsDownloadException>()).Which.Message.Should()
            .Contain(failure.CachePath).And.Contain("f37072fd").And.Contain(Expected.Sha256).And.Contain("delete it");
    }
}
