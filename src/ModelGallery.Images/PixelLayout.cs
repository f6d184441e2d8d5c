using System.Drawing;
using SkiaSharp;

namespace ModelGallery.Images;

/// <summary>
/// Puts decoded RGBA rows into the tensor's layout one stored row at a time: alpha composited onto the background
/// (or dropped), oriented upright, and split into three planes (C × H × W). Row by row, so that a decoder can hand
/// over each scanline as it comes and never hold the whole RGBA image.
/// </summary>
/// <param name="Width">Stored width.</param>
/// <param name="Height">Stored height.</param>
/// <param name="Origin">The EXIF orientation to undo; <see cref="SKEncodedOrigin.TopLeft"/> keeps the stored layout.</param>
/// <param name="Composite">Whether alpha is composited onto <paramref name="Background"/>; false copies the stored colour and ignores alpha (an opaque image, or <see cref="ImageReadOptions.DropAlpha"/>).</param>
/// <param name="Background">The colour under transparent pixels when compositing.</param>
internal readonly record struct PixelLayout(int Width, int Height, SKEncodedOrigin Origin, bool Composite, Color Background)
{
    /// <summary>The upright width: the EXIF orientations 5 to 8 swap width and height.</summary>
    public int UprightWidth => SwapsAxes ? Height : Width;

    /// <summary>The upright height.</summary>
    public int UprightHeight => SwapsAxes ? Width : Height;

    private bool SwapsAxes => Origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    /// <summary>Writes stored row <paramref name="storedY"/> (<see cref="Width"/> RGBA pixels) into the upright planes <paramref name="chw"/> (3 × H × W).</summary>
    public void WriteRow(ReadOnlySpan<byte> rgba, int storedY, Span<byte> chw)
    {
        int plane = Width * Height;
        if (Origin == SKEncodedOrigin.TopLeft)
        {
            int start = storedY * Width;
            Span<byte> red = chw.Slice(start, Width), green = chw.Slice(plane + start, Width), blue = chw.Slice((2 * plane) + start, Width);
            if (Composite)
            {
                for (int x = 0, s = 0; x < Width; x++, s += 4)
                {
                    int alpha = rgba[s + 3];
                    red[x] = Over(rgba[s], alpha, Background.R);
                    green[x] = Over(rgba[s + 1], alpha, Background.G);
                    blue[x] = Over(rgba[s + 2], alpha, Background.B);
                }
            }
            else
            {
                // No compositing: half the time of the loop above (most images are JPEGs).
                for (int x = 0, s = 0; x < Width; x++, s += 4)
                {
                    red[x] = rgba[s];
                    green[x] = rgba[s + 1];
                    blue[x] = rgba[s + 2];
                }
            }

            return;
        }

        int uprightWidth = UprightWidth;
        for (int sx = 0, s = 0; sx < Width; sx++, s += 4)
        {
            (int x, int y) = Destination(sx, storedY);
            int d = (y * uprightWidth) + x;
            int alpha = Composite ? rgba[s + 3] : 255;
            chw[d] = Over(rgba[s], alpha, Background.R);
            chw[plane + d] = Over(rgba[s + 1], alpha, Background.G);
            chw[(2 * plane) + d] = Over(rgba[s + 2], alpha, Background.B);
        }
    }

    /// <summary>
    /// Writes stored row <paramref name="storedY"/> of <see cref="Width"/> opaque BGR pixels (3 bytes each, OpenCV's
    /// order) into the upright planes <paramref name="chw"/>; nothing is composited.
    /// </summary>
    public void WriteBgrRow(ReadOnlySpan<byte> bgr, int storedY, Span<byte> chw)
    {
        int plane = Width * Height;
        int uprightWidth = UprightWidth;
        for (int sx = 0, s = 0; sx < Width; sx++, s += 3)
        {
            (int x, int y) = Destination(sx, storedY);
            int d = (y * uprightWidth) + x;
            chw[d] = bgr[s + 2];
            chw[plane + d] = bgr[s + 1];
            chw[(2 * plane) + d] = bgr[s];
        }
    }

    /// <summary>
    /// Where stored pixel (<paramref name="sx"/>, <paramref name="sy"/>) is shown upright, for the eight EXIF
    /// orientations (TIFF 6.0 tag 274: where the stored row 0 and column 0 are, as seen upright).
    /// </summary>
    internal (int X, int Y) Destination(int sx, int sy) => Origin switch
    {
        SKEncodedOrigin.TopRight => (Width - 1 - sx, sy),                   // 2: mirrored left-right
        SKEncodedOrigin.BottomRight => (Width - 1 - sx, Height - 1 - sy),   // 3: rotated 180°
        SKEncodedOrigin.BottomLeft => (sx, Height - 1 - sy),                // 4: mirrored top-bottom
        SKEncodedOrigin.LeftTop => (sy, sx),                                // 5: transposed
        SKEncodedOrigin.RightTop => (Height - 1 - sy, sx),                  // 6: stored 90° counter-clockwise, turned clockwise
        SKEncodedOrigin.RightBottom => (Height - 1 - sy, Width - 1 - sx),   // 7: transposed across the other diagonal
        SKEncodedOrigin.LeftBottom => (sy, Width - 1 - sx),                 // 8: stored 90° clockwise, turned counter-clockwise
        _ => (sx, sy),                                                      // 1: as stored
    };

    /// <summary>Straight alpha over an opaque background, rounded to nearest: round((a·c + (255 − a)·bg) / 255).</summary>
    private static byte Over(byte colour, int alpha, byte background) =>
        alpha == 255 ? colour : (byte)(((alpha * colour) + ((255 - alpha) * background) + 127) / 255);
}
