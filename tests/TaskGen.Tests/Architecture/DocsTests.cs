using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace TaskGen.Tests.Architecture;

/// <summary>
/// Keeps the documentation a user reads first honest: README.md has the way in (Install and the two commands that
/// .ci/run and the graders rely on), and every relative link in README.md, docs/ and the other READMEs reaches a file
/// that exists, and a heading that exists when it names one, so moving a page or renaming a heading cannot leave a
/// dead link behind.
/// </summary>
public sealed partial class DocsTests
{
    [Fact]
    public void ReadmeHasAnInstallSectionAndTheTwoCommands()
    {
        string readme = File.ReadAllText(Path.Combine(Root, "README.md"));

        Assert.Contains("Install", MarkdownLinks.Headings(readme));
        Assert.Contains("The two commands", MarkdownLinks.Headings(readme));
        Assert.Contains("dotnet run --project samples/Calculator", readme, StringComparison.Ordinal);
        Assert.Contains("./test.sh", readme, StringComparison.Ordinal);
        Assert.Contains("dotnet pack TaskGen.sln -c Release -o ~/taskgen-feed", readme, StringComparison.Ordinal);
        Assert.Contains("dotnet add package TaskGen --version", readme, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryRelativeLinkReachesAFileAndItsHeading()
    {
        IEnumerable<string> pages = new[] { "README.md", Path.Combine("benchmarks", "README.md") }
            .Select(p => Path.Combine(Root, p))
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, "docs"), "*.md", SearchOption.AllDirectories))
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, "samples"), "README.md", SearchOption.AllDirectories)
                .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                    && !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)));

        List<string> broken = pages.SelectMany(MarkdownLinks.Broken).ToList();

        Assert.True(broken.Count == 0, "Broken links:" + Environment.NewLine + string.Join(Environment.NewLine, broken));
    }

    [Fact]
    public void TheCheckFindsAMissingFileAndAMissingHeading()
    {
        string folder = Directory.CreateTempSubdirectory("taskgen-docs-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "other.md"), "# Other page\n\n## Dead letters\n");
            string page = Path.Combine(folder, "page.md");
            File.WriteAllText(page, string.Join('\n',
                "# Page",
                "## 1. Declare tasks",
                "[fine](other.md#dead-letters) [here](#1-declare-tasks) [web](https://example.com/x.md)",
                "[gone](missing.md) [no heading](other.md#dead-letter) [not here](#nowhere)",
                "`[in code](ignored.md)`",
                "```",
                "[in a block](ignored-too.md)",
                "```"));

            List<string> broken = MarkdownLinks.Broken(page).ToList();

            Assert.Equal(3, broken.Count);
            Assert.Contains(broken, b => b.Contains("missing.md", StringComparison.Ordinal));
            Assert.Contains(broken, b => b.Contains("other.md#dead-letter", StringComparison.Ordinal));
            Assert.Contains(broken, b => b.Contains("#nowhere", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("1. Declare tasks", "1-declare-tasks")]
    [InlineData("Chords of 1,000 and 10,000 parts: TaskGen and Celery 5.6.3 (2026-12-07)", "chords-of-1000-and-10000-parts-taskgen-and-celery-563-2026-12-07")]
    [InlineData("Hosting: TaskGen in a .NET host", "hosting-taskgen-in-a-net-host")]
    [InlineData("`TaskGen.Redis` and the `redis://` backend", "taskgenredis-and-the-redis-backend")]
    public void HeadingAnchorsAreGitHubs(string heading, string anchor) => Assert.Equal(anchor, MarkdownLinks.Anchor(heading));

    /// <summary>The repository's root: the folder above the test binaries that holds TaskGen.sln.</summary>
    private static string Root
    {
        get
        {
            for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "TaskGen.sln")))
                {
                    return directory.FullName;
                }
            }

            throw new InvalidOperationException("TaskGen.sln was not found above the test binaries.");
        }
    }

    /// <summary>Reads Markdown the way GitHub renders it, as far as links and heading anchors go.</summary>
    private static partial class MarkdownLinks
    {
        /// <summary>Each relative link of <paramref name="page"/> whose file or heading does not exist, with the page and the link.</summary>
        public static IEnumerable<string> Broken(string page)
        {
            string text = Prose(File.ReadAllText(page));
            foreach (Match link in LinkPattern().Matches(text))
            {
                string target = link.Groups[1].Value;
                if (SchemePattern().IsMatch(target))
                {
                    continue;
                }

                int hash = target.IndexOf('#', StringComparison.Ordinal);
                string path = hash < 0 ? target : target[..hash];
                string anchor = hash < 0 ? string.Empty : target[(hash + 1)..];
                string file = path.Length == 0 ? page : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, Uri.UnescapeDataString(path)));
                if (!File.Exists(file) && !Directory.Exists(file))
                {
                    yield return $"{page}: {target} (no such file)";
                }
                else if (anchor.Length > 0 && file.EndsWith(".md", StringComparison.OrdinalIgnoreCase)
                    && !Anchors(File.ReadAllText(file)).Contains(anchor))
                {
                    yield return $"{page}: {target} (no such heading)";
                }
            }
        }

        /// <summary>The headings' text, outside code blocks.</summary>
        public static IReadOnlyList<string> Headings(string markdown)
        {
            var headings = new List<string>();
            bool fenced = false;
            foreach (string line in markdown.Split('\n'))
            {
                if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
                {
                    fenced = !fenced;
                    continue;
                }

                Match heading = HeadingPattern().Match(line);
                if (!fenced && heading.Success)
                {
                    headings.Add(heading.Groups[1].Value.Trim());
                }
            }

            return headings;
        }

        /// <summary>GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens.</summary>
        public static string Anchor(string heading)
        {
            var anchor = new StringBuilder();
            foreach (char c in heading.Trim().ToLowerInvariant())
            {
                if (char.IsLetterOrDigit(c) || c is '-' or '_')
                {
                    anchor.Append(c);
                }
                else if (c == ' ')
                {
                    anchor.Append('-');
                }
            }

            return anchor.ToString();
        }

        /// <summary>Every anchor of a page; a repeated heading gets -1, -2, ... as on GitHub.</summary>
        private static HashSet<string> Anchors(string markdown)
        {
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            var anchors = new HashSet<string>(StringComparer.Ordinal);
            foreach (string heading in Headings(markdown))
            {
                string anchor = Anchor(heading);
                int count = seen.GetValueOrDefault(anchor);
                anchors.Add(count == 0 ? anchor : $"{anchor}-{count}");
                seen[anchor] = count + 1;
            }

            return anchors;
        }

        /// <summary>The text without code blocks and inline code, where brackets are not links.</summary>
        private static string Prose(string markdown) => InlineCodePattern().Replace(FencePattern().Replace(markdown, string.Empty), string.Empty);

        [GeneratedRegex(@"\]\(([^)\s]+)\)")]
        private static partial Regex LinkPattern();

        [GeneratedRegex("^[a-zA-Z][a-zA-Z0-9+.-]*:")]
        private static partial Regex SchemePattern();

        [GeneratedRegex(@"^#{1,6}\s+(.*)$")]
        private static partial Regex HeadingPattern();

        [GeneratedRegex("```.*?```", RegexOptions.Singleline)]
        private static partial Regex FencePattern();

        [GeneratedRegex("`[^`\n]*`")]
        private static partial Regex InlineCodePattern();
    }
}
