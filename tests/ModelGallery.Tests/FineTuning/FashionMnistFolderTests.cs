using ModelGallery.Data;
using ModelGallery.Images;
using ModelGallery.Models;
using static TorchSharp.torch;

namespace ModelGallery.Tests.FineTuning;

/// <summary>Fashion-MNIST written as PNG class folders reads back, through ImageFolder, as the IDX file's pixels and labels.</summary>
public sealed class FashionMnistFolderTests(FashionFolder fashion) : IClassFixture<FashionFolder>
{
    [Fact]
    public void The_png_folders_read_back_pixel_equal_to_the_idx_images_as_three_channel_gray()
    {
        using var data = FashionMnist.Load(train: false);
        using var scope = NewDisposeScope();

        var folder = ImageFolder.Open(fashion.Root);

        fashion.Written.Should().Be(FashionFolder.Count);
        folder.Count.Should().Be(FashionFolder.Count);
        folder.Classes.Should().Equal("0_T-shirt_top", "1_Trouser", "2_Pullover", "3_Dress", "4_Coat", "5_Sandal", "6_Shirt", "7_Sneaker", "8_Bag", "9_Ankle_boot");
        long[] labels = data.Labels.data<long>().ToArray();
        var seen = new HashSet<int>();
        foreach (var sample in folder.Samples)
        {
            int index = int.Parse(Path.GetFileNameWithoutExtension(sample.Path), System.Globalization.CultureInfo.InvariantCulture);
            seen.Add(index).Should().BeTrue();
            sample.Label.Should().Be((int)labels[index], "the folder's label is the IDX label of {0}", sample.Path);
            using var image = ImageFile.Read(sample.Path);
            image.shape.Should().Equal(3, 28, 28);
            Same.Tensors(image, data.Images[index].expand(3, 28, 28)).Should().BeTrue("{0} holds IDX image {1}'s pixels in each channel", sample.Path, index);
        }

        seen.Should().BeEquivalentTo(Enumerable.Range(0, FashionFolder.Count));
        folder.Samples.Select(s => s.Label).Distinct().Should().HaveCount(10, "120 test images cover every class");
    }

    [Fact]
    public void LeNet5s_preprocessing_for_image_files_equals_the_idx_path_on_the_same_images()
    {
        using var data = FashionMnist.Load(train: false);
        using var scope = NewDisposeScope();
        var preprocessing = LeNet5.FashionMnist.Preset;
        var preset = preprocessing;
        var folder = ImageFolder.Open(fashion.Root);

        preset.ResizeSize.Should().Be(28);
        preset.CropSize.Should().Be(32);
        foreach (var sample in folder.Samples.Take(20))
        {
            int index = int.Parse(Path.GetFileNameWithoutExtension(sample.Path), System.Globalization.CultureInfo.InvariantCulture);
            var fromFile = preset.Apply(ImageFile.Read(sample.Path));
            var fromIdx = preprocessing.Apply(data.Images.narrow(0, index, 1))[0];

            fromFile.shape.Should().Equal(3, 32, 32);
            fromFile.narrow(1, 0, 2).max().item<float>().Should().BeApproximately((float)((0 - 0.2860) / 0.3530), 1e-6f, "the two top rows are padding (0 → (0 − mean) / std)");
            (fromFile - fromIdx).abs().max().item<float>().Should().BeLessThan(1e-6f, "{0} preprocessed from its PNG is IDX image {1} preprocessed", sample.Path, index);
        }
    }

    [Fact]
    public void The_written_files_are_8_bit_grayscale_pngs()
    {
        string first = Directory.EnumerateFiles(fashion.Root, "*.png", SearchOption.AllDirectories).First();
        byte[] header = File.ReadAllBytes(first)[..26];

        header[..8].Should().Equal(0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A);
        header[24].Should().Be(8, "bit depth");
        header[25].Should().Be(0, "colour type 0: grayscale");
    }
}
