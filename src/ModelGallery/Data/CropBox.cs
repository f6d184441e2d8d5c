namespace ModelGallery.Data;

/// <summary>
/// A rectangle of an image in pixels, as torchvision's <c>RandomResizedCrop.get_params</c> returns it: the top-left
/// corner (<paramref name="Top"/> row, <paramref name="Left"/> column) and the size.
/// </summary>
/// <param name="Top">The first row, from 0.</param>
/// <param name="Left">The first column, from 0.</param>
/// <param name="Height">Rows, at least 1.</param>
/// <param name="Width">Columns, at least 1.</param>
internal readonly record struct CropBox(int Top, int Left, int Height, int Width)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Height}×{Width} at (row {Top}, column {Left})";
}
