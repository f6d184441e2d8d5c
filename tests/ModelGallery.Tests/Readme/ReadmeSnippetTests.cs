using System.Reflection;
using System.Runtime.Loader;
using Markdig.Syntax;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelGallery.Models;
using ModelGallery.Weights;

namespace ModelGallery.Tests.Readme;

/// <summary>Snippets change the working directory and standard output, so they run alone.</summary>
[CollectionDefinition(nameof(ReadmeSnippets), DisableParallelization = true)]
public sealed class ReadmeSnippets;

/// <summary>
/// Every <c>```csharp</c> block of every documentation file (README.md and the README.md files beside the code in
/// src/, tests/ and samples/) compiles as the whole <c>Program.cs</c> of a new console app (with
/// <c>dotnet new console</c>'s implicit usings and nothing else) against the library, and runs in a folder holding
/// the files the documents tell the reader to have. A block marked <c>```csharp compile-only</c> is compiled, not run.
/// </summary>
[Collection(nameof(ReadmeSnippets))]
public sealed class ReadmeSnippetTests : TempFolder
{
    /// <summary>The usings a new console app has without writing them (ImplicitUsings in the console template).</summary>
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    /// <summary>The environment variables the weights cache reads, set for the snippets and restored after.</summary>
    private static readonly string[] CacheVariables = ["MODELGALLERY_HOME", "XDG_CACHE_HOME", "TORCH_HOME", "MODELGALLERY_WEIGHTS_URL"];

    public static TheoryData<string, int, string> Snippets()
    {
        var data = new TheoryData<string, int, string>();
        foreach (string document in ReadmeDocument.DocumentPaths)
        {
            foreach (var block in ReadmeDocument.Load(document).Document.Descendants<FencedCodeBlock>().Where(IsCSharp))
            {
                data.Add(document, block.Line + 1, block.Arguments ?? string.Empty);
            }
        }

        return data;
    }

    [Fact]
    public void The_documents_have_snippets_to_run()
    {
        Snippets().Count.Should().BeGreaterThanOrEqualTo(6);
        Snippets().Should().Contain(row => !((string)row[2]).Contains("compile-only"), "most snippets run");
        Snippets().Select(row => (string)row[0]).Should().Contain("README.md", "the front door shows runnable examples");
    }

    [Theory]
    [MemberData(nameof(Snippets))]
    public void Each_csharp_block_compiles_and_runs(string document, int line, string arguments)
    {
        var block = ReadmeDocument.Load(document).Document.Descendants<FencedCodeBlock>().Single(b => IsCSharp(b) && b.Line + 1 == line);
        // The published ResNet-18 file cannot be reached offline, and a cached file must have its published hash: the
        // snippets run with a stand-in entry, the same but for the file, which is the end-to-end tests' (see PlaceFiles).
        string code = block.Lines.ToString().Replace("ResNet.ResNet18ImageNet1K", $"{typeof(OfflineWeights).FullName}.{nameof(OfflineWeights.ResNet18)}", StringComparison.Ordinal);

        var assembly = Compile($"{Path.GetFileName(Path.GetDirectoryName(document) ?? "")}Readme{line}".Replace(".", "", StringComparison.Ordinal), code);
        if (arguments.Contains("compile-only", StringComparison.Ordinal))
        {
            return;
        }

        PlaceFiles();
        string directory = Environment.CurrentDirectory;
        var output = Console.Out;
        var captured = new StringWriter();
        var environment = CacheVariables.ToDictionary(name => name, Environment.GetEnvironmentVariable);
        try
        {
            // The weights cache of a reader who downloaded before: a folder of the test's (no network, not the machine's cache).
            Environment.SetEnvironmentVariable("MODELGALLERY_HOME", Path.Combine(Folder, "home"));
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", Path.Combine(Folder, "xdg"));
            Environment.SetEnvironmentVariable("TORCH_HOME", Path.Combine(Folder, "torch"));
            Environment.SetEnvironmentVariable("MODELGALLERY_WEIGHTS_URL", "http://127.0.0.1:9/"); // nothing listens: a download would fail
            Environment.CurrentDirectory = Folder;
            Console.SetOut(captured);
            var entry = assembly.EntryPoint!;
            entry.Invoke(null, entry.GetParameters().Length == 0 ? null : [Array.Empty<string>()]); // snippets do not await
        }
        catch (TargetInvocationException e)
        {
            throw new InvalidOperationException($"The C# block at {document}:{line} threw; it printed:\n{captured}", e.InnerException);
        }
        finally
        {
            Console.SetOut(output);
            Environment.CurrentDirectory = directory;
            foreach (var (name, value) in environment)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }

    private static bool IsCSharp(FencedCodeBlock block) => block.Info == "csharp";

    /// <summary>Compiles a top-level program against every assembly the test host can load (the library and its dependencies).</summary>
    private static Assembly Compile(string name, string code)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(path => path.EndsWith(".dll", StringComparison.Ordinal))
            .Select(path => MetadataReference.CreateFromFile(path));
        var options = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create(
            name,
            [CSharpSyntaxTree.ParseText(ImplicitUsings, options), CSharpSyntaxTree.ParseText(code, options)],
            references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        var errors = emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        errors.Should().BeEmpty($"the README's C# block ({name}) must compile as a console app's Program.cs:\n{code}");
        return AssemblyLoadContext.Default.LoadFromStream(new MemoryStream(image.ToArray()));
    }

    /// <summary>The files the README's snippets name, as the README tells the reader to get them.</summary>
    private void PlaceFiles()
    {
        // A file in the layout of torchvision's googlenet-1378be20.pth: 1000 classes, aux heads included.
        string googlenet = Path.Combine(Folder, "googlenet-torchvision.pth");
        if (!File.Exists(googlenet))
        {
            using var torchvision = new GoogLeNet(numClasses: 1000, variant: GoogLeNetVariant.Torchvision, auxClassifiers: true);
            torchvision.SaveWeights(googlenet);
        }

        // The photo, and the stand-in ResNet-18 file in the cache under its name: torchvision's seeded weights of the
        // end-to-end tests, whose hash the stand-in entry carries (a cached file is hashed before it is loaded).
        File.Copy(Pretrained.PretrainedFixture.Photo("chelsea.png"), Path.Combine(Folder, "chelsea.png"), overwrite: true);
        string cache = Path.Combine(Folder, "home", "weights");
        Directory.CreateDirectory(cache);
        File.Copy(Pretrained.PretrainedFixture.WeightsFile(Pretrained.PretrainedFixture.Case("resnet18")), Path.Combine(cache, OfflineWeights.ResNet18.FileName), overwrite: true);

        // "my-images": Fashion-MNIST test images as PNG class folders, 6 per class.
        string folder = Path.Combine(Folder, "my-images");
        if (!Directory.Exists(folder))
        {
            using var test = ModelGallery.Data.FashionMnist.Load(train: false);
            ModelGallery.Images.FashionMnistFolders.Write(test, folder, 60);
        }
    }
}
