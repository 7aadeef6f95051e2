using System;
using System.IO;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

// The namespace is not the folder's name: TaskGen.Monitor.Tests.Browser is the shared fixture's class.
namespace TaskGen.Monitor.Tests.Chromium;

/// <summary>
/// Debian's headless Chromium driven through Debian's matching chromedriver, each browser with a fresh profile that is
/// deleted afterwards; Selenium Manager is never asked for anything, so nothing is downloaded.
/// </summary>
internal sealed class ChromiumBrowser : IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private const string DriverDirectory = "/usr/bin";
    private const string DriverFile = "chromedriver";

    private readonly string _profile;

    public ChromiumBrowser(int width = 1400, int height = 1000)
    {
        // Missing browsers fail the test (test.sh installs them): a skipped browser test would hide a broken page.
        if (!File.Exists(Chromium) || !File.Exists(Path.Combine(DriverDirectory, DriverFile)))
        {
            throw new InvalidOperationException($"The browser tests need Debian's chromium and chromium-driver ({Chromium}, {DriverDirectory}/{DriverFile}): apt-get install chromium chromium-driver.");
        }

        _profile = Path.Combine(Path.GetTempPath(), "taskgen-monitor-chromium-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_profile);
        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments(
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + _profile,
            $"--window-size={width},{height}");
        ChromeDriverService service = ChromeDriverService.CreateDefaultService(DriverDirectory, DriverFile);
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        Driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        Driver.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(30);
    }

    public ChromeDriver Driver { get; }

    /// <summary>Runs script in the page and returns its result.</summary>
    public object? Script(string script, params object[] args) => Driver.ExecuteScript(script, args);

    /// <summary>
    /// The text of the first element matching <paramref name="selector"/>, or null, read in one script call: an
    /// element the live view may replace cannot go stale between finding and reading it.
    /// </summary>
    public string? TextOf(string selector) =>
        Script("var e = document.querySelector(arguments[0]); return e ? e.textContent : null;", selector) as string;

    /// <summary>Whether an alert is open: a script that ran would have opened one.</summary>
    public bool AlertOpen()
    {
        try
        {
            Driver.SwitchTo().Alert();
            return true;
        }
        catch (NoAlertPresentException)
        {
            return false;
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes, then fails with <paramref name="what"/>.</summary>
    public void WaitFor(Func<bool> condition, TimeSpan timeout, string what)
    {
        var wait = new OpenQA.Selenium.Support.UI.DefaultWait<ChromiumBrowser>(this)
        {
            Timeout = timeout,
            PollingInterval = TimeSpan.FromMilliseconds(100),
            Message = "waiting for " + what,
        };
        // The live view replaces elements while the test reads them; a stale or missing one means "not yet".
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException), typeof(NoSuchElementException));
        wait.Until(_ => condition());
    }

    /// <summary>Saves a screenshot of the page as PNG.</summary>
    public void Screenshot(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Driver.GetScreenshot().SaveAsFile(path);
    }

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium may still be writing its profile as it exits; a temp folder left behind is harmless.
        }
    }
}
