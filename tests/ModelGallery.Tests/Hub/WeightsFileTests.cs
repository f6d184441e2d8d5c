using ModelGallery.Hub;

namespace ModelGallery.Tests.Hub;

/// <summary>A weight file's description is checked where it is made, and read from torchvision-style URLs as torch.hub reads them.</summary>
public sealed class WeightsFileTests
{
    private static readonly Uri Url = new("https://download.pytorch.org/models/resnet18-f37072fd.pth");

    [Fact]
    public void A_torchvision_url_gives_the_name_and_the_hash_prefix()
    {
        var file = WeightsFile.FromUrl(Url);

        file.Should().Be(new WeightsFile(Url, "resnet18-f37072fd.pth", "f37072fd"));
        WeightsFile.FromUrl(new Uri("https://download.pytorch.org/models/googlenet-1378be20.pth")).Sha256Prefix.Should().Be("1378be20");
        WeightsFile.FromUrl(new Uri("https://example.org/vit_b_16_swag-9ac1b537.pth")).FileName.Should().Be("vit_b_16_swag-9ac1b537.pth");
    }

    [Theory]
    [InlineData("https://example.org/resnet18.pth")]
    [InlineData("https://example.org/resnet18-f370.pth")]
    [InlineData("https://example.org/resnet-18.pth")]
    [InlineData("https://example.org/resnet18-notahash.pth")]
    public void A_url_without_a_hash_prefix_is_refused(string url)
    {
        var act = () => WeightsFile.FromUrl(new Uri(url));

        act.Should().Throw<ArgumentException>().WithMessage($"*resnet18-f37072fd.pth*received '{url}'*");
    }

    [Theory]
    [InlineData("../resnet18-f37072fd.pth")]
    [InlineData("models/resnet18-f37072fd.pth")]
    [InlineData("models\\resnet18-f37072fd.pth")]
    [InlineData("C:resnet18.pth")]
    [InlineData("..")]
    [InlineData("")]
    [InlineData(" resnet18.pth")]
    public void A_file_name_with_a_folder_part_is_refused(string name)
    {
        var act = () => new WeightsFile(Url, name, "f37072fd");

        act.Should().Throw<ArgumentException>().WithMessage($"*no folder part*received '{name}'*").Which.ParamName.Should().Be("fileName");
    }

    [Theory]
    [InlineData("f37072f")]
    [InlineData("f37072fz")]
    [InlineData("")]
    public void A_hash_prefix_that_is_not_8_or_more_hex_digits_is_refused(string prefix)
    {
        var act = () => new WeightsFile(Url, "resnet18-f37072fd.pth", prefix);

        act.Should().Throw<ArgumentException>().WithMessage($"*8 to 64 hex digits*received '{prefix}' ({prefix.Length} characters)*");
    }

    [Fact]
    public void The_hash_prefix_is_kept_in_lower_case_and_a_whole_hash_is_accepted()
    {
        new WeightsFile(Url, "a.pth", "F37072FD").Sha256Prefix.Should().Be("f37072fd");
        new WeightsFile(Url, "a.pth", new string('a', 64)).Sha256Prefix.Should().HaveLength(64);
        FluentActions.Invoking(() => new WeightsFile(Url, "a.pth", new string('a', 65))).Should().Throw<ArgumentException>();
    }

    [Theory]
    [InlineData("ftp://example.org/a-f37072fd.pth")]
    [InlineData("file:///tmp/a-f37072fd.pth")]
    public void Only_http_and_https_urls_are_accepted(string url)
    {
        var act = () => new WeightsFile(new Uri(url), "a-f37072fd.pth", "f37072fd");

        act.Should().Throw<ArgumentException>().WithMessage($"*http or https*received '{url}'*");
    }
}
