using SkiaSharp;

namespace ModelGallery.Images;

/// <summary>
/// Turns decoded RGBA rows into the tensor's layout in one pass: composited onto the background, oriented upright,
/// and split into three planes (C × H × W).
/// </summary>
internal static class PixelLayout
{
    /// <summary>The upright size: the EXIF orientations 5 to 8 swap width and height.</summary>
    public static (int Width, int Height) OrientedSize(int width, int height, SKEncodedOrigin origin) =>
        SwapsAxes(origin) ? (height, width) : (width, height);

    /// <summary>RGB planes of the upright image: 3 × H × W bytes, H and W from <see cref="OrientedSize"/>.</summary>
    public static byte[] ToChw(DecodedImage image, RgbColor background)
    {
        (int width, int height) = OrientedSize(image.Width, image.Height, image.Origin);
        int plane = width * height;
        byte[] chw = new byte[3 * plane];
        if (image.Origin == SKEncodedOrigin.TopLeft)
        {
            if (image.Opaque)
            {
                OpaquePlanes(image.Rgba, chw, plane);
            }
            else
            {
                Planes(image.Rgba, chw, plane, background);
            }

            return chw;
        }

        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                (int sx, int sy) = Source(x, y, image.Width, image.Height, image.Origin);
                int s = 4 * ((sy * image.Width) + sx);
                int d = (y * width) + x;
                int alpha = image.Rgba[s + 3];
                chw[d] = Over(image.Rgba[s], alpha, background.R);
                chw[plane + d] = Over(image.Rgba[s + 1], alpha, background.G);
                chw[(2 * plane) + d] = Over(image.Rgba[s + 2], alpha, background.B);
            }
        }

        return chw;
    }

    /// <summary>The upright case (no EXIF turn): stored pixel d goes to position d of each plane.</summary>
    private static void Planes(ReadOnlySpan<byte> rgba, Span<byte> chw, int plane, RgbColor background)
    {
        Span<byte> red = chw[..plane], green = chw.Slice(plane, plane), blue = chw.Slice(2 * plane, plane);
        for (int d = 0, s = 0; d < plane; d++, s += 4)
        {
            int alpha = rgba[s + 3];
            red[d] = Over(rgba[s], alpha, background.R);
            green[d] = Over(rgba[s + 1], alpha, background.G);
            blue[d] = Over(rgba[s + 2], alpha, background.B);
        }
    }

    /// <summary>The upright case of an image without alpha (a JPEG): no compositing, half the time of <see cref="Planes"/>.</summary>
    private static void OpaquePlanes(ReadOnlySpan<byte> rgba, Span<byte> chw, int plane)
    {
        Span<byte> red = chw[..plane], green = chw.Slice(plane, plane), blue = chw.Slice(2 * plane, plane);
        for (int d = 0, s = 0; d < plane; d++, s += 4)
        {
            red[d] = rgba[s];
            green[d] = rgba[s + 1];
            blue[d] = rgba[s + 2];
        }
    }

    /// <summary>
    /// The stored pixel shown at upright (x, y), for the eight EXIF orientations (TIFF 6.0 tag 274: where the stored
    /// row 0 and column 0 are, as seen upright). <paramref name="width"/> and <paramref name="height"/> are stored.
    /// </summary>
    internal static (int X, int Y) Source(int x, int y, int width, int height, SKEncodedOrigin origin) => origin switch
    {
        SKEncodedOrigin.TopRight => (width - 1 - x, y),                     // 2: mirrored left-right
        SKEncodedOrigin.BottomRight => (width - 1 - x, height - 1 - y),     // 3: rotated 180°
        SKEncodedOrigin.BottomLeft => (x, height - 1 - y),                  // 4: mirrored top-bottom
        SKEncodedOrigin.LeftTop => (y, x),                                  // 5: transposed
        SKEncodedOrigin.RightTop => (y, height - 1 - x),                    // 6: stored 90° counter-clockwise, turned clockwise
        SKEncodedOrigin.RightBottom => (width - 1 - y, height - 1 - x),     // 7: transposed across the other diagonal
        SKEncodedOrigin.LeftBottom => (width - 1 - y, x),                   // 8: stored 90° clockwise, turned counter-clockwise
        _ => (x, y),                                                        // 1: as stored
    };

    /// <summary>Straight alpha over an opaque background, rounded to nearest: round((a·c + (255 − a)·bg) / 255).</summary>
    private static byte Over(byte colour, int alpha, byte background) =>
        alpha == 255 ? colour : (byte)(((alpha * colour) + ((255 - alpha) * background) + 127) / 255);

    private static bool SwapsAxes(SKEncodedOrigin origin) =>
        origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
}
