using System;
using System.Collections.Generic;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace TaskGen.Interop.Tests;

/// <summary>
/// A test that runs once per Celery release in <see cref="Python.Versions"/>, given the release (<c>"5.2.6"</c>) as its
/// one argument; a release whose sources are missing, or that lacks the feature under test, is a skipped case that
/// says why.
/// </summary>
[XunitTestCaseDiscoverer("TaskGen.Interop.Tests.CeleryTheoryDiscoverer", "TaskGen.Interop.Tests")]
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class CeleryTheoryAttribute : FactAttribute
{
    /// <summary>A release the test cannot run on, such as <see cref="Python.Celery52"/>; <see cref="Because"/> says why.</summary>
    public string? Unsupported { get; set; }

    /// <summary>What <see cref="Unsupported"/> lacks, the skipped case's reason.</summary>
    public string? Because { get; set; }
}

/// <summary>
/// Makes one test case per release for <see cref="CeleryTheoryAttribute"/>: xUnit 2's theories cannot skip one data
/// row, and a release that cannot run here must show as skipped rather than vanish from the count.
/// </summary>
public sealed class CeleryTheoryDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    /// <inheritdoc />
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        TestMethodDisplay display = discoveryOptions.MethodDisplayOrDefault();
        TestMethodDisplayOptions displayOptions = discoveryOptions.MethodDisplayOptionsOrDefault();
        string? unsupported = factAttribute.GetNamedArgument<string?>(nameof(CeleryTheoryAttribute.Unsupported));
        string? because = factAttribute.GetNamedArgument<string?>(nameof(CeleryTheoryAttribute.Because));
        foreach (string version in Python.Versions)
        {
            object[] arguments = [version];
            string? skip = version == unsupported ? $"Celery {version}: {because}" : Python.Missing(version);
            yield return skip is null
                ? new XunitTestCase(diagnosticMessageSink, display, displayOptions, testMethod, arguments)
                : new XunitSkippedDataRowTestCase(diagnosticMessageSink, display, displayOptions, testMethod, skip, arguments);
        }
    }
}
