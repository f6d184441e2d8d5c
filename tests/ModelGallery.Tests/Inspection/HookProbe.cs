using System.Collections;
using System.Reflection;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Inspection;

/// <summary>Counts the hooks registered on a module and all its submodules, through TorchSharp's private hook tables.</summary>
internal static class HookProbe
{
    public static int Count(nn.Module model) =>
        model.modules().Append(model).Sum(module => HookTables(module.GetType()).Sum(field => ((IDictionary?)field.GetValue(module))?.Count ?? 0));

    private static IEnumerable<FieldInfo> HookTables(Type? type)
    {
        for (; type is not null; type = type.BaseType)
        {
            foreach (var field in type.GetFields(BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            {
                if (field.Name.EndsWith("hooks", StringComparison.Ordinal) && typeof(IDictionary).IsAssignableFrom(field.FieldType))
                {
                    yield return field;
                }
            }
        }
    }
}
