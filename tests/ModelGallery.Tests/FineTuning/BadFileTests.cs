using ModelGallery.Data;
using ModelGallery.Images;
using ModelGallery.Tests.Images;

namespace ModelGallery.Tests.FineTuning;

/// <summary>Files that are not images, or not whole ones: one report up front, and no crash mid-epoch under Skip.</summary>
public sealed class BadFileTests : TempFolder
{
    private string TextAsJpeg => Path.Combine(Folder, "dog", "text.jpg");

    private string Truncated => Path.Combine(Folder, "cat", "truncated.jpg");

    [Fact]
    public void A_scan_reports_the_paths_of_all_bad_files_with_their_reasons()
    {
        var folder = ImageFolder.Open(Layout());

        var badFiles = folder.Scan();

        folder.Count.Should().Be(6);
        badFiles.Select(b => b.Path).Should().Equal(Truncated, TextAsJpeg);
        badFiles.Should().OnlyContain(b => b.Reason.Length > 0);
    }

    [Fact]
    public void Validate_fails_with_every_bad_file_or_leaves_them_out()
    {
        string root = Layout();

        var failure = FluentActions.Invoking(() => ImageFolder.Open(root).Validate()).Should().Throw<ImageFolderException>()
            .WithMessage($"2 of 6 files cannot be decoded*{Truncated}*{TextAsJpeg}*SkipBadFiles = true*").Which;
        failure.BadFiles.Select(b => b.Path).Should().Equal(Truncated, TextAsJpeg);

        var clean = ImageFolder.Open(root, new ImageFolderOptions { SkipBadFiles = true }).Validate();
        clean.Count.Should().Be(4);
        clean.Samples.Select(s => s.Path).Should().NotContain([Truncated, TextAsJpeg]);
        clean.Classes.Should().Equal("cat", "dog");
    }

    [Fact]
    public void Under_skip_the_loader_drops_bad_files_from_their_batch_and_counts_them()
    {
        var folder = ImageFolder.Open(Layout(), new ImageFolderOptions { SkipBadFiles = true });
        var loader = ImageLoader.ForEvaluation(folder, new ClassificationPreset(16, 16, [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]), new ImageLoaderOptions { BatchSize = 3 });

        var batches = loader.Epoch(0).ToList();

        try
        {
            // cat: 1.bmp 2.bmp truncated.jpg | dog: 1.bmp 2.bmp text.jpg → both batches lose one.
            batches.Select(b => (b.Count, b.Skipped)).Should().Equal((2, 1), (2, 1));
            batches.SelectMany(b => b.SampleIndices).Select(i => Path.GetFileName(folder.Samples[i].Path)).Should().Equal("1.bmp", "2.bmp", "1.bmp", "2.bmp");
            batches.Select(b => b.Images.shape[0]).Should().Equal(2, 2);
            batches.SelectMany(b => b.Labels.data<long>().ToArray()).Should().Equal(0, 0, 1, 1);
        }
        finally
        {
            batches.ForEach(b => b.Dispose());
        }
    }

    [Fact]
    public void Under_fail_the_loader_stops_at_the_first_bad_file_naming_it()
    {
        var folder = ImageFolder.Open(Layout());
        var loader = ImageLoader.ForEvaluation(folder, new ClassificationPreset(16, 16, [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]), new ImageLoaderOptions { BatchSize = 2, Workers = 3 });
        int delivered = 0;

        FluentActions.Invoking(() =>
        {
            foreach (var batch in loader.Epoch(0))
            {
                delivered++;
                batch.Dispose();
            }
        }).Should().Throw<ImageFolderException>().WithMessage($"Cannot load '{Truncated}' (SkipBadFiles = false)*")
            .Which.InnerException.Should().BeOfType<ImageDecodeException>();
        delivered.Should().Be(1, "the first batch (cat/1, cat/2) is whole; the second starts with the truncated file");
        loader.Pending.Should().Be(0, "every image decoded ahead was disposed");
    }

    /// <summary>cat: two images and a truncated JPEG; dog: two images and a text file named .jpg.</summary>
    private string Layout()
    {
        foreach (string name in new[] { "cat/1.bmp", "cat/2.bmp", "dog/1.bmp", "dog/2.bmp" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(Folder, name))!);
            File.Copy(Photos.Fixture("rgb.bmp"), Path.Combine(Folder, name));
        }

        File.Copy(Photos.Fixture("truncated-half.jpg"), Truncated);
        File.WriteAllText(TextAsJpeg, "This is a text file with a .jpg name.\n");
        return Folder;
    }
}
