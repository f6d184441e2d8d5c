using SkiaSharp;
using static TorchSharp.torch;

namespace ModelGallery.Cli;

/// <summary>
/// Decodes PNG or JPEG files into Fashion-MNIST's stored form: 28×28, one channel of unsigned bytes, bright object
/// on a dark background. Transparent pixels are first composited onto the image's own background (black, or white
/// with <c>invert</c>, which the inversion then makes black), so a transparent background stays background. Colour
/// becomes luminance (0.299 R + 0.587 G + 0.114 B); the image is resized to 28×28 (not cropped, so keep the object
/// centred and roughly square); <c>invert</c> turns a dark object on a light background (a photo) into
/// Fashion-MNIST's polarity.
/// </summary>
internal static class GrayscaleImages
{
    public static Tensor Load(string path, bool invert)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"No image at '{path}'.");
        }

        using var decoded = SKBitmap.Decode(path)
            ?? throw new InvalidDataException($"'{path}' is not an image SkiaSharp can decode (PNG or JPEG expected).");
        using var resized = decoded.Resize(new SKImageInfo(28, 28, SKColorType.Rgba8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKCubicResampler.Mitchell))
            ?? throw new InvalidDataException($"'{path}' could not be resized to 28×28.");
        double background = invert ? 255 : 0;
        var pixels = new byte[28 * 28];
        for (int y = 0; y < 28; y++)
        {
            for (int x = 0; x < 28; x++)
            {
                SKColor c = resized.GetPixel(x, y);
                double alpha = c.Alpha / 255.0;
                double luminance = (0.299 * c.Red) + (0.587 * c.Green) + (0.114 * c.Blue);
                byte value = (byte)Math.Clamp(Math.Round((alpha * luminance) + ((1 - alpha) * background)), 0, 255);
                pixels[(y * 28) + x] = invert ? (byte)(255 - value) : value;
            }
        }

        return tensor(pixels, [1, 1, 28, 28], ScalarType.Byte);
    }
}
