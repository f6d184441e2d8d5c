using System.IO.Compression;
using ModelGallery.Data;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Data;

/// <summary>The real Fashion-MNIST from Debian's dataset-fashion-mnist (.ci/run installs it), and broken IDX files.</summary>
public sealed class FashionMnistTests : TempFolder
{
    [Theory]
    [InlineData(true, 60_000)]
    [InlineData(false, 10_000)]
    public void The_real_data_set_has_its_published_sizes_and_balanced_classes(bool train, int count)
    {
        using var data = FashionMnist.Load(train);
        using var scope = NewDisposeScope();

        data.Count.Should().Be(count);
        data.Images.shape.Should().Equal(count, 1, 28, 28);
        data.Images.dtype.Should().Be(ScalarType.Byte);
        data.Labels.bincount(null, 0).data<long>().ToArray().Should().OnlyContain(n => n == count / 10, "every class has a tenth of the images");
    }

    [Fact]
    public void Missing_files_say_where_to_get_them()
    {
        FluentActions.Invoking(() => FashionMnist.Load(train: false, Folder)).Should().Throw<FileNotFoundException>()
            .WithMessage("*t10k-images-idx3-ubyte*apt-get install dataset-fashion-mnist*github.com/zalandoresearch/fashion-mnist*");
    }

    [Fact]
    public void A_wrong_magic_number_is_named()
    {
        Write("t10k-images-idx3-ubyte", [0, 0, 8, 1, 0, 0, 0, 1, 7]);
        Write("t10k-labels-idx1-ubyte", Idx(1, [1], [3]));

        Load().WithMessage("*magic number is 00000801, expected 00000803*");
    }

    [Fact]
    public void A_truncated_file_is_named()
    {
        byte[] images = Idx(3, [2, 28, 28], new byte[2 * 28 * 28]);
        Write("t10k-images-idx3-ubyte", images[..^100], gzip: true);
        Write("t10k-labels-idx1-ubyte", Idx(1, [2], [1, 2]));

        Load().WithMessage("*ends after*of 1,568 bytes*truncated*");
    }

    [Fact]
    public void Trailing_data_is_named()
    {
        Write("t10k-images-idx3-ubyte", [.. Idx(3, [1, 28, 28], new byte[28 * 28]), 42]);
        Write("t10k-labels-idx1-ubyte", Idx(1, [1], [1]));

        Load().WithMessage("*data beyond the 784 bytes*");
    }

    [Fact]
    public void Images_and_labels_that_disagree_are_named()
    {
        Write("t10k-images-idx3-ubyte", Idx(3, [2, 28, 28], new byte[2 * 28 * 28]));
        Write("t10k-labels-idx1-ubyte", Idx(1, [3], [1, 2, 3]));

        Load().WithMessage("*3 labels*2 images*");
    }

    [Fact]
    public void A_label_outside_the_ten_classes_is_named()
    {
        Write("t10k-images-idx3-ubyte", Idx(3, [1, 28, 28], new byte[28 * 28]));
        Write("t10k-labels-idx1-ubyte", Idx(1, [1], [12]));

        Load().WithMessage("*label 12*");
    }

    [Fact]
    public void Images_of_another_size_are_named()
    {
        Write("t10k-images-idx3-ubyte", Idx(3, [1, 32, 32], new byte[32 * 32]));
        Write("t10k-labels-idx1-ubyte", Idx(1, [1], [1]));

        Load().WithMessage("*32×32 images*28×28*");
    }

    [Fact]
    public void Corrupt_gzip_is_named()
    {
        File.WriteAllBytes(Path.Combine(Folder, "t10k-images-idx3-ubyte.gz"), [0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7]);
        Write("t10k-labels-idx1-ubyte", Idx(1, [1], [1]));

        FluentActions.Invoking(() => FashionMnist.Load(train: false, Folder)).Should().Throw<InvalidDataException>().WithMessage("*t10k-images-idx3-ubyte.gz*");
    }

    private FluentAssertions.Specialized.ExceptionAssertions<InvalidDataException> Load() =>
        FluentActions.Invoking(() => FashionMnist.Load(train: false, Folder)).Should().Throw<InvalidDataException>();

    private void Write(string name, byte[] content, bool gzip = false)
    {
        if (!gzip)
        {
            File.WriteAllBytes(Path.Combine(Folder, name), content);
            return;
        }

        using var file = File.Create(Path.Combine(Folder, name + ".gz"));
        using var zip = new GZipStream(file, CompressionLevel.Fastest);
        zip.Write(content);
    }

    private static byte[] Idx(int rank, int[] dimensions, byte[] data)
    {
        var bytes = new List<byte> { 0, 0, 8, (byte)rank };
        foreach (int d in dimensions)
        {
            bytes.AddRange([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        }

        bytes.AddRange(data);
        return [.. bytes];
    }
}
