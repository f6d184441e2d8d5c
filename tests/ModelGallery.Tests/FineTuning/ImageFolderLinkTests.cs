using ModelGallery.Images;
using ModelGallery.Tests.Images;

namespace ModelGallery.Tests.FineTuning;

/// <summary>
/// Links to folders inside an image folder: followed (as torchvision's <c>os.walk(followlinks=True)</c>), but each
/// real folder entered once, by device and inode, so a loop neither multiplies the samples nor hangs. Each
/// <see cref="ImageFolder.Open"/> runs under <see cref="Bounded"/>, which fails the test instead of hanging the run.
/// </summary>
public sealed class ImageFolderLinkTests : TempFolder
{
    [Fact]
    public void A_link_back_up_to_the_root_lists_each_image_once()
    {
        Image("a/1.png");
        Image("a/2.png");
        Image("b/3.png");
        Link("a/loopdir", "..");

        var folder = Bounded(() => ImageFolder.Open(Folder));

        folder.Classes.Should().Equal("a", "b");
        folder.Samples.Select(s => (Path.GetRelativePath(Folder, s.Path), s.Label)).Should().Equal(("a/1.png", 0), ("a/2.png", 0), ("b/3.png", 1));
    }

    [Fact]
    public void Links_into_the_own_class_and_into_another_class_are_not_entered()
    {
        Image("a/1.png");
        Image("a/deep/2.png");
        Image("b/3.png");
        Link("a/deep/up", ".."); // back to the class folder a
        Link("a/deep/again", "."); // to itself
        Link("a/other", "../b"); // into class b: its images keep b's label

        var folder = Bounded(() => ImageFolder.Open(Folder));

        folder.Samples.Select(s => (Path.GetRelativePath(Folder, s.Path), s.Label)).Should().Equal(("a/1.png", 0), ("a/deep/2.png", 0), ("b/3.png", 1));
    }

    [Fact]
    public void A_class_folder_linked_to_another_with_a_loop_inside_is_refused_without_hanging()
    {
        Image("a/1.png");
        Image("a/2.png");
        Link("a/loopdir", "..");
        Link("b", "a");

        var error = Bounded(() => Record.Exception(() => ImageFolder.Open(Folder)));

        error.Should().BeOfType<ImageFolderException>().Which.Message.Should().Contain("'a' and 'b'").And.Contain("are one folder");
    }

    [Fact]
    public void A_link_to_a_folder_outside_the_root_is_followed_as_torchvision_follows_it()
    {
        string elsewhere = Path.Combine(Folder, "elsewhere");
        string root = Path.Combine(Folder, "root");
        Image("elsewhere/far.png");
        Image("root/a/near.png");
        Image("root/b/3.png");
        Link("root/a/linked", elsewhere);
        Link("root/b/same", elsewhere); // the same real folder again: listed once, under the first class reaching it

        var folder = Bounded(() => ImageFolder.Open(root));

        folder.Samples.Select(s => (Path.GetRelativePath(root, s.Path), s.Label)).Should().Equal(("a/near.png", 0), ("a/linked/far.png", 0), ("b/3.png", 1));
    }

    /// <summary>Runs <paramref name="open"/>; a listing that has not returned after a minute is looping.</summary>
    private static T Bounded<T>(Func<T> open)
    {
        var task = Task.Run(open);
        return task.Wait(TimeSpan.FromMinutes(1)) ? task.Result
            : throw new Xunit.Sdk.XunitException("ImageFolder.Open did not return within a minute: it follows a link loop.");
    }

    private void Link(string at, string target) => Directory.CreateSymbolicLink(Path.Combine(Folder, at), target);

    private void Image(string relative)
    {
        string path = Path.Combine(Folder, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Copy(Photos.Fixture("rgba.png"), path);
    }
}
