using static TorchSharp.torch;

namespace ModelGallery.Data;

/// <summary>
/// Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): 28×28 grayscale images of clothing in 10 classes, read from
/// the original IDX files into two preloaded tensors. Debian and Ubuntu ship the files in the
/// <c>dataset-fashion-mnist</c> package (<see cref="DebianDirectory"/>); elsewhere, point <see cref="Load"/> at a
/// folder with the four files from github.com/zalandoresearch/fashion-mnist (gzipped or not).
/// </summary>
public sealed class FashionMnist : IDisposable
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package puts the files.</summary>
    public const string DebianDirectory = "/usr/share/datasets/fashion-mnist";

    private FashionMnist(Tensor images, Tensor labels)
    {
        Images = images;
        Labels = labels;
    }

    /// <summary>The class names, by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The images as stored: N × 1 × 28 × 28, unsigned bytes (0 = background).</summary>
    public Tensor Images { get; }

    /// <summary>The labels, N values in 0…9, as int64.</summary>
    public Tensor Labels { get; }

    /// <summary>Number of images.</summary>
    public long Count => Labels.shape[0];

    /// <summary>Reads one split.</summary>
    /// <param name="train">True for the 60,000 training images, false for the 10,000 test images (as torchvision's <c>train</c>).</param>
    /// <param name="directory">The folder with the IDX files; null for <see cref="DebianDirectory"/>.</param>
    /// <exception cref="FileNotFoundException">The files are not there; the message says where to get them.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt, truncated or inconsistent with its partner.</exception>
    public static FashionMnist Load(bool train, string? directory = null)
    {
        directory ??= DebianDirectory;
        string prefix = train ? "train" : "t10k";
        string imagesPath = Find(directory, $"{prefix}-images-idx3-ubyte");
        string labelsPath = Find(directory, $"{prefix}-labels-idx1-ubyte");
        var (imageDims, pixels) = IdxFile.Read(imagesPath, rank: 3);
        var (labelDims, labels) = IdxFile.Read(labelsPath, rank: 1);
        if (imageDims[1] != 28 || imageDims[2] != 28)
        {
            throw new InvalidDataException($"'{imagesPath}' holds {imageDims[1]}×{imageDims[2]} images; Fashion-MNIST's are 28×28.");
        }

        if (labelDims[0] != imageDims[0])
        {
            throw new InvalidDataException($"'{labelsPath}' has {labelDims[0]:N0} labels but '{imagesPath}' has {imageDims[0]:N0} images.");
        }

        if (labels.FirstOrDefault(label => label > 9) is var bad and > 9)
        {
            throw new InvalidDataException($"'{labelsPath}' contains the label {bad}; Fashion-MNIST's labels are 0 to 9.");
        }

        return new FashionMnist(
            tensor(pixels, [imageDims[0], 1, 28, 28], ScalarType.Byte),
            tensor(labels, [labelDims[0]], ScalarType.Byte).to(ScalarType.Int64));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }

    private static string Find(string directory, string name)
    {
        foreach (string candidate in new[] { name + ".gz", name })
        {
            string path = Path.Combine(directory, candidate);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException(
            $"Fashion-MNIST's '{name}(.gz)' is not in '{directory}'. On Debian or Ubuntu: sudo apt-get install dataset-fashion-mnist " +
            $"(files in {DebianDirectory}); elsewhere download the four IDX files from https://github.com/zalandoresearch/fashion-mnist and pass their folder.",
            Path.Combine(directory, name + ".gz"));
    }
}
