namespace TaskGen.Analyzers;

/// <summary>
/// Every TaskGen diagnostic, in one place so that IDs stay stable and are never reused. IDs are
/// <c>TG</c> and four digits: 0001-0099 task shape, 0100-0199 serialization, 0200-0299 queues and
/// routing, 0300-0399 options.
/// </summary>
internal static class DiagnosticDescriptors
{
    internal const string HelpLinkBase = "docs/diagnostics/";
}
