using System;
using System.IO;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using OpenQA.Selenium;

namespace TaskGen.Monitor.Tests;

/// <summary>The browser fixture works: headless Chromium loads a page from a loopback Kestrel server, runs its script, and takes a screenshot.</summary>
public sealed class BrowserFixtureTests
{
    private const string Page = """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>Fixture</title><link rel="icon" href="data:,"></head>
        <body>
          <p id="greeting">Tom &amp; Jerry</p>
          <p id="script"></p>
          <script>document.getElementById('script').textContent = 'ran at ' + location.host;</script>
        </body></html>
        """;

    [Fact]
    public async Task The_browser_reads_a_loopback_page_and_its_script_output()
    {
        await using LoopbackServer server = await LoopbackServer.StartAsync(app => app.MapGet("/", () => TypedResults.Content(Page, "text/html; charset=utf-8")));
        using Browser browser = Browser.Start();

        browser.GoTo(server.BaseAddress);

        Assert.Equal("Tom & Jerry", await browser.TextOfAsync(By.Id("greeting")));
        IWebElement script = await browser.WaitForAsync(By.Id("script"), element => element.Text.Length > 0, "the page's script to run");
        Assert.Equal($"ran at {server.BaseAddress.Authority}", script.Text);
        Assert.Empty(browser.ConsoleErrors());
    }

    [Fact]
    public async Task A_screenshot_is_a_png_at_the_given_path()
    {
        await using LoopbackServer server = await LoopbackServer.StartAsync(app => app.MapGet("/", () => TypedResults.Content(Page, "text/html; charset=utf-8")));
        using Browser browser = Browser.Start();
        string folder = Path.Combine(Path.GetTempPath(), "taskgen-screenshots-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            browser.GoTo(server.BaseAddress);
            await browser.TextOfAsync(By.Id("greeting"));

            string path = browser.Screenshot(Path.Combine(folder, "nested", "page.png"));

            byte[] bytes = await File.ReadAllBytesAsync(path);
            Assert.True(bytes.Length > 1000, $"The screenshot has only {bytes.Length} bytes.");
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_missing_browser_is_named_in_the_message()
    {
        string absent = Path.Combine(Path.GetTempPath(), "no-such-" + Guid.NewGuid().ToString("N"), "chromium");

        string? message = Browser.Missing(absent, Browser.ChromeDriverPath);

        Assert.NotNull(message);
        Assert.Contains(absent + " is missing", message, StringComparison.Ordinal);
        Assert.Contains("chromium-driver", message, StringComparison.Ordinal);
        Assert.Null(Browser.Missing());
    }
}
