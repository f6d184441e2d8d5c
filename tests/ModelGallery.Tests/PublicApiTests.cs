using System.Reflection;
using ModelGallery.Hub;
using ModelGallery.Images;
using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Onnx;

namespace ModelGallery.Tests;

/// <summary>
/// The public surface of the ModelGallery, ModelGallery.Onnx, ModelGallery.Hub and ModelGallery.Images assemblies is deliberate: it is listed in PublicApi.txt, and this test
/// fails when the two differ. After an intended change, regenerate the listing with
/// <c>MODELGALLERY_ACCEPT_API=1 dotnet test ModelGallery.sln --filter PublicApi</c> and commit it with the change.
/// </summary>
public sealed class PublicApiTests
{
    private static string ListingPath => Path.Combine(RepoPaths.Root, "tests", "ModelGallery.Tests", "PublicApi.txt");

    [Fact]
    public void The_public_api_is_the_listed_one()
    {
        string actual = string.Join('\n', Listing(typeof(GalleryModel).Assembly).Concat(Listing(typeof(OnnxExport).Assembly))
            .Concat(Listing(typeof(WeightsDownloader).Assembly)).Concat(Listing(typeof(ImageFile).Assembly))) + "\n";
        // CI never rewrites the listing it is checking against.
        if (Environment.GetEnvironmentVariable("MODELGALLERY_ACCEPT_API") == "1" && Environment.GetEnvironmentVariable("CI") != "true")
        {
            File.WriteAllText(ListingPath, actual);
        }

        string expected = File.Exists(ListingPath) ? File.ReadAllText(ListingPath) : string.Empty;
        var added = actual.Split('\n').Except(expected.Split('\n')).ToList();
        var removed = expected.Split('\n').Except(actual.Split('\n')).ToList();

        added.Should().BeEmpty("these public members are new; if that is intended, regenerate PublicApi.txt (see the class comment)");
        removed.Should().BeEmpty("these public members are gone; if that is intended, regenerate PublicApi.txt (see the class comment)");
    }

    [Fact]
    public void Only_the_planned_namespaces_are_public()
    {
        typeof(GalleryModel).Assembly.GetExportedTypes().Select(t => t.Namespace).Distinct().Should().BeSubsetOf(
            ["ModelGallery.Models", "ModelGallery.Modeling", "ModelGallery.Layers", "ModelGallery.Inspection", "ModelGallery.Zoo", "ModelGallery.Weights", "ModelGallery.Data", "ModelGallery.Training", "ModelGallery.Native"]);
        typeof(OnnxExport).Assembly.GetExportedTypes().Select(t => t.Namespace).Distinct().Should().Equal("ModelGallery.Onnx");
        typeof(WeightsDownloader).Assembly.GetExportedTypes().Select(t => t.Namespace).Distinct().Should().Equal("ModelGallery.Hub");
        typeof(ImageFile).Assembly.GetExportedTypes().Select(t => t.Namespace).Distinct().Should().Equal("ModelGallery.Images");
    }

    private static IEnumerable<string> Listing(Assembly assembly)
    {
        const BindingFlags flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            string kind = type.IsEnum ? "enum" : type.IsInterface ? "interface" : type.IsValueType ? "struct" : type.IsAbstract && type.IsSealed ? "static class" : type.IsSealed ? "sealed class" : type.IsAbstract ? "abstract class" : "class";
            yield return $"{kind} {type.FullName} : {Name(type.BaseType)}";
            var members = type.GetMembers(flags)
                .Where(Visible)
                .Where(m => m is not MethodInfo { IsSpecialName: true })
                .Select(m => $"  {Describe(m)}")
                .OrderBy(line => line, StringComparer.Ordinal);
            foreach (string member in members)
            {
                yield return member;
            }
        }
    }

    private static bool Visible(MemberInfo member) => member switch
    {
        MethodBase method => method.IsPublic || method.IsFamily || method.IsFamilyOrAssembly,
        FieldInfo field => field.IsPublic || field.IsFamily || field.IsFamilyOrAssembly,
        PropertyInfo property => property.GetAccessors(nonPublic: true).Any(a => a.IsPublic || a.IsFamily || a.IsFamilyOrAssembly),
        EventInfo e => e.AddMethod is { IsPublic: true },
        Type nested => nested.IsNestedPublic,
        _ => false,
    };

    private static string Describe(MemberInfo member) => member switch
    {
        ConstructorInfo c => $"ctor({Parameters(c)})",
        MethodInfo m => $"{(m.IsStatic ? "static " : string.Empty)}{Name(m.ReturnType)} {m.Name}({Parameters(m)})",
        PropertyInfo p => $"{Name(p.PropertyType)} {p.Name} {{ {string.Join(' ', p.GetAccessors(nonPublic: true).Where(a => a.IsPublic || a.IsFamily).Select(a => a.Name.StartsWith("get_", StringComparison.Ordinal) ? "get;" : "set;").Order(StringComparer.Ordinal))} }}",
        FieldInfo f => $"{(f.IsLiteral ? "const " : f.IsStatic ? "static " : string.Empty)}{Name(f.FieldType)} {f.Name}",
        Type t => $"nested {t.Name}",
        _ => member.ToString() ?? member.Name,
    };

    private static string Parameters(MethodBase method) =>
        string.Join(", ", method.GetParameters().Select(p => $"{Name(p.ParameterType)} {p.Name}{(p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : string.Empty)}"));

    private static string Name(Type? type) => type switch
    {
        null => "-",
        { IsGenericType: true } => $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(Name))}>",
        { IsArray: true } => Name(type.GetElementType()) + "[]",
        _ => type.Name,
    };
}
