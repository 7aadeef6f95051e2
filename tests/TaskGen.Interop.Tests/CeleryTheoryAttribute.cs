using System;
using System.Collections.Generic;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace TaskGen.Interop.Tests;

/// <summary>
/// A test that runs once per Celery release in <see cref="Python.Versions"/>, given the release (<c>"5.2.6"</c>) as its
/// one argument. A release that lacks the feature under test gets no case (the attribute says why); a release whose
/// sources are missing fails its cases, since an interop test that cannot reach its Celery must not pass quietly.
/// </summary>
[XunitTestCaseDiscoverer("TaskGen.Interop.Tests.CeleryTheoryDiscoverer", "TaskGen.Interop.Tests")]
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class CeleryTheoryAttribute : FactAttribute
{
    /// <summary>A release the test cannot run on, such as <see cref="Python.Celery52"/>; <see cref="Because"/> says why.</summary>
    public string? Unsupported { get; set; }

    /// <summary>What <see cref="Unsupported"/> lacks, written beside the test so a reader sees why it has no case there.</summary>
    public string? Because { get; set; }
}

/// <summary>
/// Makes one test case per release for <see cref="CeleryTheoryAttribute"/>, leaving out the release a test names as
/// unsupported; xUnit 2's theories cannot leave out one data row, so the cases are made here.
/// </summary>
public sealed class CeleryTheoryDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    /// <inheritdoc />
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        TestMethodDisplay display = discoveryOptions.MethodDisplayOrDefault();
        TestMethodDisplayOptions displayOptions = discoveryOptions.MethodDisplayOptionsOrDefault();
        string? unsupported = factAttribute.GetNamedArgument<string?>(nameof(CeleryTheoryAttribute.Unsupported));
        foreach (string version in Python.Versions)
        {
            if (version != unsupported)
            {
                yield return new XunitTestCase(diagnosticMessageSink, display, displayOptions, testMethod, [version]);
            }
        }
    }
}
