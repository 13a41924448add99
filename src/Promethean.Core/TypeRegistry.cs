using System.Collections.Concurrent;
using System.Reflection;
using Promethean.Core.Effects;
using Promethean.Core.Events;

namespace Promethean.Core;

/// <summary>Maps the seed's type strings to event and effect records and back.</summary>
public static class TypeRegistry
{
    private static readonly ConcurrentDictionary<Type, string> Names = new();
    private static readonly ConcurrentDictionary<string, Type> Events = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, Type> Effects = new(StringComparer.Ordinal);

    static TypeRegistry() => RegisterAssembly(typeof(TypeRegistry).Assembly);

    /// <summary>Registers every event and effect record of an assembly that carries <see cref="TypeNameAttribute"/>.</summary>
    public static void RegisterAssembly(Assembly assembly)
    {
        foreach (var type in assembly.GetTypes())
        {
            var name = type.GetCustomAttribute<TypeNameAttribute>()?.Name;
            if (name is null || type.IsAbstract)
                continue;
            Names[type] = name;
            if (typeof(Event).IsAssignableFrom(type))
                Events[name] = type;
            else if (typeof(Effect).IsAssignableFrom(type))
                Effects[name] = type;
        }
    }

    public static string EventTypeOf(Type type) => NameOf(type);

    public static string EffectTypeOf(Type type) => NameOf(type);

    public static Type? EventType(string name) => Events.TryGetValue(name, out var t) ? t : null;

    public static Type? EffectType(string name) => Effects.TryGetValue(name, out var t) ? t : null;

    public static IEnumerable<string> EffectTypeNames => Effects.Keys.Order(StringComparer.Ordinal);

    private static string NameOf(Type type) =>
        Names.TryGetValue(type, out var name)
            ? name
            : throw new InvalidOperationException($"{type.Name} has no [TypeName]; every event and effect needs the seed's type string.");
}
