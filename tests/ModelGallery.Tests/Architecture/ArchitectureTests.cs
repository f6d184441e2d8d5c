using System.Text.RegularExpressions;
using System.Xml.Linq;
using ModelGallery.Images;
using ModelGallery.Modeling;
using ModelGallery.Models;

namespace ModelGallery.Tests.Architecture;

/// <summary>The house rules of src/, read from the source files themselves.</summary>
public sealed partial class ArchitectureTests
{
    private static readonly string Source = Path.Combine(RepoPaths.Root, "src");

    private static IEnumerable<string> Files => Directory.EnumerateFiles(Source, "*.cs", SearchOption.AllDirectories)
        .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                    && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    /// <summary>The model classes: every concrete subclass of <see cref="GalleryModel"/>.</summary>
    private static string[] ModelClasses =>
        [.. typeof(GalleryModel).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(GalleryModel)) && !t.IsAbstract).Select(t => t.Name)];

    [Fact]
    public void No_source_file_is_over_250_lines()
    {
        Files.Select(path => (path, lines: File.ReadAllLines(path).Length)).Where(file => file.lines > 250)
            .Should().BeEmpty("a file a newcomer reads in one go");
    }

    /// <summary>Which namespace of src/ uses which others (from using directives and qualified names), self-edges left out.</summary>
    private static Dictionary<string, HashSet<string>> Graph() =>
        Files.Select(File.ReadAllText).Select(text => (From: NamespaceOf(text), To: Usings(text)))
            .GroupBy(edge => edge.From)
            .ToDictionary(group => group.Key, group => group.SelectMany(edge => edge.To).Where(to => to != group.Key).ToHashSet());

    [Fact]
    public void The_contributors_dependency_diagram_is_the_code_s()
    {
        // src/README.md draws the namespaces' dependencies as a text block after the line "<!-- dependencies -->";
        // this test computes the same lines from the source, so the drawing cannot fall behind the code.
        string Short(string ns) => ns switch { "" => "(global)", "ModelGallery" => "(root)", _ => ns["ModelGallery.".Length..] };
        var expected = Graph().OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => $"{Short(pair.Key),-11} -> {string.Join(", ", pair.Value.Order(StringComparer.Ordinal).Select(Short))}".TrimEnd())
            .ToList();
        string[] doc = File.ReadAllLines(Path.Combine(Source, "README.md"));
        int marker = Array.IndexOf(doc, "<!-- dependencies -->");
        marker.Should().BeGreaterThan(0, "src/README.md marks its dependency diagram");
        var drawn = doc.Skip(marker + 2).TakeWhile(line => line != "```").ToList();
        drawn.Should().Equal(expected, "src/README.md's diagram must be the code's dependencies; expected:\n{0}", string.Join("\n", expected));
    }

    [Fact]
    public void Namespaces_depend_on_each_other_without_a_cycle()
    {
        var graph = Graph();

        graph.Keys.Should().Contain(["ModelGallery.Models", "ModelGallery.Modeling", "ModelGallery.Layers", "ModelGallery.Inspection", "ModelGallery.Weights"]);
        foreach (string start in graph.Keys)
        {
            Reachable(graph, start).Should().NotContain(start, "{0} must not depend on itself through others", start);
        }

        graph["ModelGallery.Layers"].Should().NotContain("ModelGallery.Models");
        graph["ModelGallery.Inspection"].Should().NotContain("ModelGallery.Models");
        graph["ModelGallery.Weights"].Should().NotContain("ModelGallery.Models");
        graph["ModelGallery.Models"].Should().NotContain("ModelGallery.Inspection", "the summary reads models; models do not know they are summarised");
        graph["ModelGallery.Modeling"].Should().NotContain(["ModelGallery.Models", "ModelGallery.Inspection"], "what every model shares knows no model and no summary");
    }

    [Theory]
    [InlineData("ModelGallery/Layers")]
    [InlineData("ModelGallery/Inspection")]
    [InlineData("ModelGallery/Weights")]
    [InlineData("ModelGallery/Training")]
    [InlineData("ModelGallery.Onnx")]
    [InlineData("ModelGallery.Hub")]
    public void Layers_inspection_weights_training_and_the_onnx_writer_name_no_model_class(string folder)
    {
        string[] models = ModelClasses;
        models.Should().Contain(["LeNet5", "GoogLeNet", "ResNet"]);
        foreach (string path in Directory.EnumerateFiles(Path.Combine(Source, folder), "*.cs").Where(p => !p.Contains("/obj/", StringComparison.Ordinal)))
        {
            string code = string.Join('\n', File.ReadAllLines(path).Where(line => !line.TrimStart().StartsWith("//", StringComparison.Ordinal)));
            models.Where(model => Regex.IsMatch(code, $@"\b{model}\b")).Should().BeEmpty("{0} works by layer kind, not by model", Path.GetFileName(path));
        }
    }

    [Fact]
    public void Image_decoding_keeps_skiasharp_and_opencv_out_of_the_core()
    {
        var core = XDocument.Load(Path.Combine(Source, "ModelGallery", "ModelGallery.csproj"));
        core.Descendants("PackageReference").Select(e => (string?)e.Attribute("Include")).Should().OnlyContain(
            name => name != null && name.StartsWith("TorchSharp", StringComparison.Ordinal), "the core keeps TorchSharp dependencies only");
        typeof(GalleryModel).Assembly.GetReferencedAssemblies().Select(a => a.Name).Should().NotContain(
            name => name!.StartsWith("SkiaSharp", StringComparison.Ordinal) || name.StartsWith("OpenCvSharp", StringComparison.Ordinal));
        typeof(ImageFile).Assembly.GetReferencedAssemblies().Select(a => a.Name).Should().Contain(["SkiaSharp", "OpenCvSharp"]);
    }

    private static string NamespaceOf(string text) => FileNamespace().Match(text).Groups[1].Value;

    private static IEnumerable<string> Usings(string text) =>
        [.. Using().Matches(text).Select(m => m.Groups[1].Value),
         .. Qualified().Matches(text).Select(m => "ModelGallery." + m.Groups[1].Value),
         .. RootTypes().IsMatch(text) ? ["ModelGallery"] : Array.Empty<string>()];

    private static HashSet<string> Reachable(Dictionary<string, HashSet<string>> graph, string start)
    {
        var seen = new HashSet<string>();
        var queue = new Queue<string>(graph.GetValueOrDefault(start) ?? []);
        while (queue.TryDequeue(out var next))
        {
            if (seen.Add(next))
            {
                foreach (string further in graph.GetValueOrDefault(next) ?? [])
                {
                    queue.Enqueue(further);
                }
            }
        }

        return seen;
    }

    [GeneratedRegex(@"^namespace ([\w.]+);", RegexOptions.Multiline)]
    private static partial Regex FileNamespace();

    [GeneratedRegex(@"^using (ModelGallery[\w.]*);", RegexOptions.Multiline)]
    private static partial Regex Using();

    [GeneratedRegex(@"\b(Models|Modeling|Inspection|Weights|Layers|Zoo|Data|Training|Native|IO)\.[A-Z]\w+")]
    private static partial Regex Qualified();

    [GeneratedRegex(@"\b(IGuardedModule|ModelUsage)\b")]
    private static partial Regex RootTypes();
}
