using System.Drawing;
using ModelGallery.Images;
using SkiaSharp;
using static TorchSharp.torch;

namespace ModelGallery.Cli;

/// <summary>
/// Decodes image files into Fashion-MNIST's stored form: 28×28, one channel of unsigned bytes, bright object on a
/// dark background. The file is read with <see cref="ImageFile"/> (its formats, its errors, its pixel limit, EXIF
/// orientation applied), transparent pixels composited onto the image's own background (black, or white with
/// <c>invert</c>, which the inversion then makes black), so a transparent background stays background. The image is
/// resized to 28×28 (not cropped, so keep the object centred and roughly square); colour becomes luminance
/// (0.299 R + 0.587 G + 0.114 B); <c>invert</c> turns a dark object on a light background (a photo) into
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

        using var rgb = ImageFile.Read(path, new ImageReadOptions { Background = invert ? Color.White : Color.Black });
        int height = (int)rgb.shape[1], width = (int)rgb.shape[2];
        using var hwc = rgb.permute(1, 2, 0).contiguous();
        ReadOnlySpan<byte> source = hwc.bytes;
        using var decoded = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        Span<byte> rgba = decoded.GetPixelSpan();
        for (int i = 0, s = 0, d = 0; i < width * height; i++, s += 3, d += 4)
        {
            rgba[d] = source[s];
            rgba[d + 1] = source[s + 1];
            rgba[d + 2] = source[s + 2];
            rgba[d + 3] = 255;
        }

        using var resized = decoded.Resize(new SKImageInfo(28, 28, SKColorType.Rgba8888, SKAlphaType.Opaque), new SKSamplingOptions(SKCubicResampler.Mitchell))
            ?? throw new InvalidDataException($"'{path}' could not be resized to 28×28.");
        var pixels = new byte[28 * 28];
        for (int y = 0; y < 28; y++)
        {
            for (int x = 0; x < 28; x++)
            {
                SKColor c = resized.GetPixel(x, y);
                double luminance = (0.299 * c.Red) + (0.587 * c.Green) + (0.114 * c.Blue);
                byte value = (byte)Math.Clamp(Math.Round(luminance), 0, 255);
                pixels[(y * 28) + x] = invert ? (byte)(255 - value) : value;
            }
        }

        return tensor(pixels, [1, 1, 28, 28], ScalarType.Byte);
    }
}
