using ModelGallery.Images;
using ModelGallery.Tests.Images;

namespace ModelGallery.Tests.FineTuning;

/// <summary>The folder layouts torchvision's ImageFolder accepts and refuses, and the stratified split.</summary>
public sealed class ImageFolderTests : TempFolder
{
    [Fact]
    public void Classes_are_the_sub_folders_in_ordinal_order_and_samples_follow_folder_then_name()
    {
        Image("b/2.png");
        Image("b/10.PNG");
        Image("a/x.JPG");
        Image("a/deeper/y.jpeg");
        Image("a/z.webp");
        Image("C/only.bmp");
        Image("C/anim.GIF");
        File.WriteAllText(Path.Combine(Folder, "a", "notes.txt"), "not an image");
        Image("stray.png"); // directly under the root: no class

        var folder = ImageFolder.Open(Folder);

        folder.Classes.Should().Equal("C", "a", "b"); // ordinal: upper case first, as Python's sorted()
        folder.Samples.Select(s => (Path.GetRelativePath(Folder, s.Path), s.Label)).Should().Equal(
            ("C/anim.GIF", 0), ("C/only.bmp", 0),
            ("a/x.JPG", 1), ("a/z.webp", 1), ("a/deeper/y.jpeg", 1), // os.walk: a's files, then a/deeper's
            ("b/10.PNG", 2), ("b/2.png", 2));
    }

    [Fact]
    public void An_explicit_class_list_sets_the_labels_and_ignores_other_folders()
    {
        Image("cat/1.png");
        Image("dog/1.png");
        Image("unused/1.png");

        var folder = ImageFolder.Open(Folder, new ImageFolderOptions { Classes = ["dog", "cat"] });

        folder.Classes.Should().Equal("dog", "cat");
        folder.Samples.Select(s => (Path.GetRelativePath(Folder, s.Path), s.Label)).Should().Equal(("dog/1.png", 0), ("cat/1.png", 1));
    }

    [Fact]
    public void A_missing_class_folder_is_named()
    {
        Image("cat/1.png");

        FluentActions.Invoking(() => ImageFolder.Open(Folder, new ImageFolderOptions { Classes = ["cat", "dog", "bird"] }))
            .Should().Throw<ImageFolderException>().WithMessage("*Expected a folder for each class*missing: dog, bird.");
    }

    [Fact]
    public void A_folder_without_class_folders_and_a_class_without_images_are_refused()
    {
        FluentActions.Invoking(() => ImageFolder.Open(Folder)).Should().Throw<ImageFolderException>()
            .WithMessage("*Expected one sub-folder per class*found no sub-folder*").Which.Folder.Should().Be(Folder);

        Image("cat/1.png");
        Directory.CreateDirectory(Path.Combine(Folder, "dog"));
        File.WriteAllText(Path.Combine(Folder, "dog", "readme.txt"), "no images here");
        FluentActions.Invoking(() => ImageFolder.Open(Folder)).Should().Throw<ImageFolderException>()
            .WithMessage("*at least one image*found none in: dog.");
        FluentActions.Invoking(() => ImageFolder.Open(Path.Combine(Folder, "nope"))).Should().Throw<DirectoryNotFoundException>();
    }

    [Fact]
    public void Train_and_val_folders_share_labels_through_the_class_list()
    {
        Image("train/b/1.png");
        Image("train/a/1.png");
        Image("val/a/1.png");
        Image("val/b/1.png");
        Image("val/b/2.png");

        var train = ImageFolder.Open(Path.Combine(Folder, "train"));
        var val = ImageFolder.Open(Path.Combine(Folder, "val"), new ImageFolderOptions { Classes = train.Classes });

        val.Classes.Should().Equal(train.Classes);
        val.Samples.Select(s => s.Label).Should().Equal(0, 1, 1);
    }

    [Fact]
    public void A_split_is_stratified_disjoint_complete_and_the_same_for_the_same_seed()
    {
        int[] perClass = [10, 7, 25];
        for (int c = 0; c < perClass.Length; c++)
        {
            for (int i = 0; i < perClass[c]; i++)
            {
                Image($"class{c}/{i:D3}.png");
            }
        }

        var folder = ImageFolder.Open(Folder);
        var split = folder.Split(0.2, seed: 42);
        var again = folder.Split(0.2, seed: 42);
        var other = folder.Split(0.2, seed: 43);

        // round(10·0.2) = 2, round(7·0.2 = 1.4) = 1, round(25·0.2) = 5: counted by hand, not by the code.
        split.Validation.Samples.GroupBy(s => s.Label).Select(g => (g.Key, g.Count())).Should().Equal((0, 2), (1, 1), (2, 5));
        split.Train.Count.Should().Be(42 - 8);
        split.Train.Samples.Select(s => s.Path).Intersect(split.Validation.Samples.Select(s => s.Path)).Should().BeEmpty();
        split.Train.Samples.Concat(split.Validation.Samples).Select(s => s.Path).Should().BeEquivalentTo(folder.Samples.Select(s => s.Path));
        split.Validation.Samples.Should().Equal(again.Validation.Samples);
        split.Validation.Samples.Should().NotEqual(other.Validation.Samples);
        split.Validation.Samples.Should().BeInAscendingOrder(s => s.Path, StringComparer.Ordinal, "both parts keep folder order");
        split.Train.Classes.Should().Equal(folder.Classes);
        FluentActions.Invoking(() => folder.Split(1.0, 0)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*strictly between 0 and 1*received 1*");
    }

    /// <summary>Copies a small real image (skimage-derived, Fixtures/images) to a path under the root.</summary>
    private void Image(string relative)
    {
        string path = Path.Combine(Folder, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Copy(Photos.Fixture("rgb.bmp"), path);
    }
}
