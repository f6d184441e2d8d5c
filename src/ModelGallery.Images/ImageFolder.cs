using ModelGallery.IO;

namespace ModelGallery.Images;

/// <summary>
/// A labelled image data set laid out as torchvision's <c>ImageFolder</c> and Keras' <c>image_dataset_from_directory</c>
/// expect: one sub-folder per class under a root, images anywhere inside a class folder (nested folders included).
/// Classes are the sub-folders sorted ordinally (or an explicit list); samples are ordered by folder, then file name,
/// as torchvision's <c>sorted(os.walk(...))</c> gives them. Opening lists files only; <see cref="Scan"/> decodes them.
/// </summary>
/// <remarks>
/// Files directly under the root, and files whose extension is not one of <see cref="Extensions"/>, are ignored.
/// Links to folders are followed, but each real folder (by device and inode) is listed once: a link that loops back
/// up, or into another class folder, is not entered, so no image is listed twice or under another class's label.
/// A train/validation layout is two folders: open <c>train/</c>, then <c>val/</c> with the training folder's
/// <see cref="Classes"/> as <see cref="ImageFolderOptions.Classes"/>, so that labels agree.
/// </remarks>
public sealed class ImageFolder
{
    private ImageFolder(string root, IReadOnlyList<string> classes, IReadOnlyList<ImageSample> samples, ImageFolderOptions options)
    {
        Root = root;
        Classes = classes;
        Samples = samples;
        Options = options;
    }

    /// <summary>The file extensions taken as images, compared case-insensitively.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".bmp", ".gif", ".jpeg", ".jpg", ".png", ".webp"];

    /// <summary>The root folder (full path).</summary>
    public string Root { get; }

    /// <summary>The class names; a sample's <see cref="ImageSample.Label"/> indexes this list.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>The images, in folder order.</summary>
    public IReadOnlyList<ImageSample> Samples { get; }

    /// <summary>The options the folder was opened with.</summary>
    public ImageFolderOptions Options { get; }

    /// <summary>The number of images.</summary>
    public int Count => Samples.Count;

    /// <summary>Lists the images of <paramref name="root"/> (no file is decoded).</summary>
    /// <param name="root">The folder holding one sub-folder per class.</param>
    /// <param name="options">Explicit classes, the bad-file policy and decoding options; <see cref="ImageFolderOptions.Default"/> when null.</param>
    /// <exception cref="ArgumentException"><paramref name="root"/> is null or empty, or the explicit class list is empty or repeats a name.</exception>
    /// <exception cref="DirectoryNotFoundException">No folder at <paramref name="root"/>.</exception>
    /// <exception cref="ImageFolderException">No class sub-folders, a named class folder is missing, two class folders are one folder (a link), or a class folder holds no image file.</exception>
    public static ImageFolder Open(string root, ImageFolderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        options ??= ImageFolderOptions.Default;
        root = Path.GetFullPath(root);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"No image folder at '{root}'; expected a folder with one sub-folder per class.");
        }

        string[] classes = options.Classes is { } given ? CheckClasses(root, given) : FindClasses(root);
        var visited = VisitedFolders(root, classes);
        var samples = new List<ImageSample>();
        var empty = new List<string>();
        for (int label = 0; label < classes.Length; label++)
        {
            int before = samples.Count;
            samples.AddRange(ImageFiles(Path.Combine(root, classes[label]), visited).Select(path => new ImageSample(path, label)));
            if (samples.Count == before)
            {
                empty.Add(classes[label]);
            }
        }

        if (empty.Count > 0)
        {
            throw new ImageFolderException(root,
                $"Every class folder of '{root}' needs at least one image ({string.Join(", ", Extensions)}); found none in: {string.Join(", ", empty)}.");
        }

        return new ImageFolder(root, classes, samples, options);
    }

    /// <summary>
    /// Splits the images into training and validation parts, class by class (stratified): in each class,
    /// round(n · <paramref name="validationFraction"/>) images (half away from zero) chosen at random go to validation.
    /// The same seed gives the same split; both parts keep folder order.
    /// </summary>
    /// <param name="validationFraction">The fraction held out, strictly between 0 and 1.</param>
    /// <param name="seed">Seeds the choice (<see cref="Random(int)"/>, classes in label order, a Fisher–Yates shuffle each).</param>
    /// <returns>The two parts, disjoint, together the whole folder, with the same classes: the images to train on and those held out.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="validationFraction"/> is not strictly between 0 and 1.</exception>
    public (ImageFolder Train, ImageFolder Validation) Split(double validationFraction, int seed)
    {
        if (!(validationFraction is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, $"The validation fraction must be strictly between 0 and 1; received {validationFraction}.");
        }

        var random = new Random(seed);
        var held = new bool[Count];
        foreach (var indices in Enumerable.Range(0, Count).GroupBy(i => Samples[i].Label).OrderBy(group => group.Key).Select(group => group.ToArray()))
        {
            random.Shuffle(indices);
            int validation = (int)Math.Round(indices.Length * validationFraction, MidpointRounding.AwayFromZero);
            foreach (int index in indices.Take(validation))
            {
                held[index] = true;
            }
        }

        return (With([.. Samples.Where((_, i) => !held[i])]), With([.. Samples.Where((_, i) => held[i])]));
    }

    /// <summary>Decodes every image and reports those that fail (whatever <see cref="ImageFolderOptions.SkipBadFiles"/> says).</summary>
    /// <param name="cancellationToken">Stops the scan.</param>
    /// <returns>The files that cannot be decoded, in folder order, each with the decoder's or the file system's message; empty when every file decodes.</returns>
    /// <exception cref="OperationCanceledException">The scan was cancelled.</exception>
    public IReadOnlyList<(string Path, string Reason)> Scan(CancellationToken cancellationToken = default)
    {
        var reasons = new string?[Count];
        Parallel.For(0, Count, new ParallelOptions { CancellationToken = cancellationToken }, i => reasons[i] = Problem(Samples[i].Path, Options.ReadOptions));
        return [.. Enumerable.Range(0, Count).Where(i => reasons[i] is not null).Select(i => (Samples[i].Path, reasons[i]!))];
    }

    /// <summary>
    /// <see cref="Scan"/>, then applies <see cref="ImageFolderOptions.SkipBadFiles"/>: under the default (<see cref="ImageFolderOptions.SkipBadFiles"/> false)
    /// any bad file is an exception listing them; under <see cref="ImageFolderOptions.SkipBadFiles"/> the result leaves them out
    /// (classes and labels unchanged).
    /// </summary>
    /// <param name="cancellationToken">Stops the scan.</param>
    /// <returns>This folder when every file decodes, else the folder without the bad files (under Skip).</returns>
    /// <exception cref="ImageFolderException">Under the default (<see cref="ImageFolderOptions.SkipBadFiles"/> false), some files cannot be decoded: the message has the count and the first ten paths, <see cref="ImageFolderException.BadFiles"/> all of them.</exception>
    /// <exception cref="OperationCanceledException">The scan was cancelled.</exception>
    public ImageFolder Validate(CancellationToken cancellationToken = default)
    {
        var badFiles = Scan(cancellationToken);
        if (badFiles.Count == 0)
        {
            return this;
        }

        if (!Options.SkipBadFiles)
        {
            string listed = string.Join("; ", badFiles.Take(10).Select(bad => $"{bad.Path} ({bad.Reason})")) + (badFiles.Count > 10 ? $"; and {badFiles.Count - 10} more" : string.Empty);
            throw new ImageFolderException(Root, $"{badFiles.Count} of {Count} files cannot be decoded as images: {listed} (under '{Root}', SkipBadFiles = false). Remove or replace them, or open the folder with SkipBadFiles = true.", badFiles);
        }

        var bad = badFiles.Select(file => file.Path).ToHashSet(StringComparer.Ordinal);
        return With([.. Samples.Where(sample => !bad.Contains(sample.Path))]);
    }

    /// <summary>Why <paramref name="path"/> cannot be decoded, or null when it can.</summary>
    internal static string? Problem(string path, ImageReadOptions options)
    {
        try
        {
            ImageFile.Read(path, options).Dispose();
            return null;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return error.Message;
        }
    }

    private ImageFolder With(ImageSample[] samples) => new(Root, Classes, samples, Options);

    private static string[] FindClasses(string root)
    {
        string[] classes = [.. Directory.EnumerateDirectories(root).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];
        return classes.Length > 0 ? classes
            : throw new ImageFolderException(root, $"Expected one sub-folder per class in '{root}'; found no sub-folder.");
    }

    private static string[] CheckClasses(string root, IReadOnlyList<string> classes)
    {
        if (classes.Count == 0 || classes.Distinct(StringComparer.Ordinal).Count() != classes.Count)
        {
            throw new ArgumentException($"The explicit class list must name distinct classes; received [{string.Join(", ", classes)}].", nameof(classes));
        }

        string[] missing = [.. classes.Where(name => !Directory.Exists(Path.Combine(root, name)))];
        return missing.Length == 0 ? [.. classes]
            : throw new ImageFolderException(root, $"Expected a folder for each class in '{root}'; missing: {string.Join(", ", missing)}.");
    }

    /// <summary>
    /// The identities (device, inode) of the root and the class folders, which no walk enters again. Two class
    /// folders that are one folder (a link to another class) are refused: their images would be listed twice, under
    /// two labels.
    /// </summary>
    private static HashSet<(ulong Device, ulong Inode)> VisitedFolders(string root, string[] classes)
    {
        var visited = new HashSet<(ulong, ulong)>();
        if (UnixFile.Stat(root) is { } top)
        {
            visited.Add((top.Device, top.Inode));
        }

        var owners = new Dictionary<(ulong, ulong), string>();
        foreach (string name in classes)
        {
            if (UnixFile.Stat(Path.Combine(root, name)) is not { } folder)
            {
                continue;
            }

            if (!owners.TryAdd((folder.Device, folder.Inode), name))
            {
                throw new ImageFolderException(root,
                    $"The class folders '{owners[(folder.Device, folder.Inode)]}' and '{name}' of '{root}' are one folder (one links to the other); expected one folder per class, or its images would be listed under two labels.");
            }

            visited.Add((folder.Device, folder.Inode));
        }

        return visited;
    }

    /// <summary>
    /// The image files under a class folder, folder by folder (ordinal), then by name (ordinal), as <c>sorted(os.walk(...))</c>.
    /// Links to folders are followed (as torchvision's <c>os.walk(followlinks=True)</c> does) but each real folder is
    /// entered once, by device and inode (<paramref name="visited"/>, shared by every class): a link back up (a loop)
    /// or into another class is not entered. Where <c>stat</c> is unavailable (not Linux), links to folders are not followed.
    /// </summary>
    private static List<string> ImageFiles(string classFolder, HashSet<(ulong Device, ulong Inode)> visited)
    {
        var options = new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = true };
        var files = new List<string>();
        var pending = new Stack<string>([classFolder]);
        while (pending.TryPop(out string? folder))
        {
            files.AddRange(Directory.EnumerateFiles(folder, "*", options).Where(path => Extensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase)));
            foreach (string child in Directory.EnumerateDirectories(folder, "*", options))
            {
                bool enter = UnixFile.Stat(child) is { } status ? visited.Add((status.Device, status.Inode)) : new DirectoryInfo(child).LinkTarget is null;
                if (enter)
                {
                    pending.Push(child);
                }
            }
        }

        return [.. files.OrderBy(path => Path.GetDirectoryName(path), StringComparer.Ordinal).ThenBy(Path.GetFileName, StringComparer.Ordinal)];
    }
}
