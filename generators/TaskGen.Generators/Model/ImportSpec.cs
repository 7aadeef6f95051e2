using TaskGen.Generators.Helpers;

namespace TaskGen.Generators.Model;

/// <summary>What one file's compilation-unit <c>using</c> directives import, read from syntax alone.</summary>
/// <remarks>Holds strings and equatable arrays only, so that an edit that leaves a file's usings alone changes nothing downstream.</remarks>
/// <param name="Namespaces">The namespaces the file imports with plain <c>using N;</c>, without <c>global::</c>, sorted ordinally.</param>
/// <param name="GlobalNamespaces">The namespaces it imports with <c>global using N;</c>, which every file of the compilation sees.</param>
/// <param name="Aliases">The names of the aliases it declares (<c>using X = ...;</c>), which a generated alias must not repeat.</param>
internal sealed record ImportSpec(EquatableArray<string> Namespaces, EquatableArray<string> GlobalNamespaces, EquatableArray<string> Aliases)
{
    /// <summary>True when the file imports or declares nothing that can bear on the stub aliases.</summary>
    public bool IsEmpty => Namespaces.Length == 0 && GlobalNamespaces.Length == 0 && Aliases.Length == 0;
}

/// <summary>The outermost type of a task, whose stub class in <c>N.Remote</c> a file importing both <c>N</c> and <c>N.Remote</c> finds twice.</summary>
/// <param name="Namespace">The task's namespace, empty for the global namespace.</param>
/// <param name="Name">The simple name of the task's outermost containing type.</param>
internal sealed record StubContainerSpec(string Namespace, string Name);

/// <summary>Everything the stub aliases are decided from.</summary>
/// <param name="Enabled">False when the project sets <c>TaskGenStubAliases</c> to false.</param>
/// <param name="Imports">Each file's imports, in no particular order.</param>
/// <param name="Containers">The task containers of this compilation.</param>
/// <param name="GlobalNames">The container names an alias would clash with: a global namespace member, or a type of an imported namespace.</param>
internal sealed record StubAliasSpec(bool Enabled, EquatableArray<ImportSpec> Imports, EquatableArray<StubContainerSpec> Containers, EquatableArray<string> GlobalNames);
