using TaskGen.Generators.Helpers;

namespace TaskGen.Generators.Model;

/// <summary>One contract task that this assembly implements, by a <c>[TaskImplementation]</c> class or static method.</summary>
/// <remarks>Holds strings, enums and equatable values only, never symbols, so that specs cache across edits.</remarks>
/// <param name="Contract">The contract task as its own assembly's generator sees it: name, queue, policy, parameters, result.</param>
/// <param name="ContractQueue">The declaration of the contract's queue in the contract's assembly, or null when it declares none there.</param>
/// <param name="ContractInThisAssembly">Whether the contract is declared in this compilation, so its stub is generated alongside.</param>
/// <param name="ServiceType">For a class implementation, the <c>global::</c>-qualified interface resolved from the run's services; null otherwise.</param>
/// <param name="MethodPath">For a static implementation, the <c>global::</c>-qualified method; null otherwise.</param>
/// <param name="Parameters">The parameters of the method called: the contract's for a class, the static method's own otherwise.</param>
/// <param name="Returns">How the called method returns.</param>
internal sealed record ImplementationSpec(
    TaskSpec Contract,
    QueueSpec? ContractQueue,
    bool ContractInThisAssembly,
    string? ServiceType,
    string? MethodPath,
    EquatableArray<ParameterSpec> Parameters,
    ReturnKind Returns);
