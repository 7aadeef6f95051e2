using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using TaskGen.Integration.Tests;

namespace TaskGen.Monitor.Tests;

/// <summary>
/// A headless Chromium driven through ChromeDriver (Debian's <c>chromium</c> and <c>chromium-driver</c>), with a
/// profile of its own that is deleted afterwards, for tests that load the monitor's pages as a user's browser does.
/// </summary>
public sealed class Browser : IDisposable
{
    /// <summary>Debian's Chromium; TASKGEN_CHROMIUM overrides it.</summary>
    public static readonly string ChromiumPath = Environment.GetEnvironmentVariable("TASKGEN_CHROMIUM") is { Length: > 0 } given ? given : "/usr/bin/chromium";

    /// <summary>Debian's ChromeDriver, the one built for that Chromium; TASKGEN_CHROMEDRIVER overrides it.</summary>
    public static readonly string ChromeDriverPath = Environment.GetEnvironmentVariable("TASKGEN_CHROMEDRIVER") is { Length: > 0 } given ? given : "/usr/bin/chromedriver";

    private readonly string _profile;

    private Browser(ChromeDriver driver, string profile)
    {
        Driver = driver;
        _profile = profile;
    }

    /// <summary>The WebDriver, for anything the methods here do not cover (clicks, forms, scripts).</summary>
    public ChromeDriver Driver { get; }

    /// <summary>Why the browser cannot start here, or null when it can.</summary>
    public static string? Missing() => Missing(ChromiumPath, ChromeDriverPath);

    /// <summary>Why a browser at <paramref name="chromium"/> driven by <paramref name="chromeDriver"/> cannot start, or null when both are there.</summary>
    /// <param name="chromium">The browser's executable.</param>
    /// <param name="chromeDriver">The driver's executable.</param>
    public static string? Missing(string chromium, string chromeDriver)
    {
        List<string> missing = [.. new[] { chromium, chromeDriver }.Where(path => !File.Exists(path))];
        return missing.Count == 0
            ? null
            : $"The browser tests need Chromium and ChromeDriver, and {string.Join(" and ", missing)} {(missing.Count == 1 ? "is" : "are")} missing: " +
              "install Debian's chromium and chromium-driver (test.sh does).";
    }

    /// <summary>Starts a headless Chromium with a fresh profile, none of its own background traffic, and a 1280×900 window.</summary>
    /// <exception cref="InvalidOperationException">Chromium or ChromeDriver is missing (<see cref="Missing"/>).</exception>
    public static Browser Start()
    {
        if (Missing() is { } missing)
        {
            throw new InvalidOperationException(missing);
        }

        string profile = Path.Combine(Path.GetTempPath(), "taskgen-chromium-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(profile);
        var options = new ChromeOptions { BinaryLocation = ChromiumPath };

        // Headless without a sandbox (tests may run as root in a container), and nothing that reaches the network by
        // itself: no QUIC, background updates, component downloads or sync, so a test touches only its loopback pages.
        options.AddArguments(
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
            "--user-data-dir=" + profile);
        options.SetLoggingPreference(LogType.Browser, LogLevel.All);

        ChromeDriverService service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriverPath)!, Path.GetFileName(ChromeDriverPath));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        try
        {
            var driver = new ChromeDriver(service, options, ProgramProcess.Guard);
            driver.Manage().Timeouts().PageLoad = ProgramProcess.Guard;
            return new Browser(driver, profile);
        }
        catch
        {
            service.Dispose();
            DeleteProfile(profile);
            throw;
        }
    }

    /// <summary>Loads <paramref name="url"/> and waits until the page has loaded.</summary>
    /// <param name="url">An absolute address, such as a loopback server's.</param>
    public void GoTo(Uri url) => Driver.Navigate().GoToUrl(url);

    /// <summary>Waits until an element matches <paramref name="by"/> (and <paramref name="ready"/>, when given) and returns it, failing with the page's text when none does.</summary>
    /// <param name="by">How to find the element, such as <c>By.CssSelector("#workers td")</c>.</param>
    /// <param name="ready">What the element must satisfy, such as text that live updates fill in.</param>
    /// <param name="what">What is waited for, for the failure message.</param>
    public async Task<IWebElement> WaitForAsync(By by, Func<IWebElement, bool>? ready = null, string? what = null)
    {
        DateTime deadline = DateTime.UtcNow + ProgramProcess.Guard;
        while (true)
        {
            IWebElement? found = Driver.FindElements(by).FirstOrDefault(element =>
            {
                try
                {
                    return ready?.Invoke(element) ?? true;
                }
                catch (StaleElementReferenceException)
                {
                    // A live update replaced the element between finding and reading it; the next pass finds its successor.
                    return false;
                }
            });
            if (found is not null)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Gave up waiting for {what ?? by.ToString()} after {ProgramProcess.Guard.TotalSeconds:0} s at {Driver.Url}. The page's text:\n{PageText()}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Waits for an element matching <paramref name="by"/> and returns its visible text.</summary>
    /// <param name="by">How to find the element.</param>
    public async Task<string> TextOfAsync(By by) => (await WaitForAsync(by)).Text;

    /// <summary>The visible text of the whole page, for failure messages.</summary>
    public string PageText()
    {
        try
        {
            return Driver.FindElement(By.TagName("body")).Text;
        }
        catch (WebDriverException ex)
        {
            return $"(no page text: {ex.Message})";
        }
    }

    /// <summary>What the page logged to its console at warning level or above (script errors, failed loads, CSP refusals) since the last call.</summary>
    public IReadOnlyList<string> ConsoleErrors() =>
        [.. Driver.Manage().Logs.GetLog(LogType.Browser).Where(entry => entry.Level >= LogLevel.Warning).Select(entry => $"{entry.Level}: {entry.Message}")];

    /// <summary>Saves what the window shows as a PNG at <paramref name="path"/>, creating its folder, and returns the path.</summary>
    /// <param name="path">The file to write, such as <c>artifacts/monitor/workers.png</c>.</param>
    public string Screenshot(string path)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        Driver.GetScreenshot().SaveAsFile(full);
        return full;
    }

    /// <summary>Quits the browser and its driver and deletes the profile.</summary>
    public void Dispose()
    {
        try
        {
            Driver.Quit();
        }
        finally
        {
            Driver.Dispose();
            DeleteProfile(_profile);
        }
    }

    private static void DeleteProfile(string profile)
    {
        try
        {
            Directory.Delete(profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium may still be writing its last files as it exits; a stale temp folder is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
