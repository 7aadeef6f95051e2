using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using TaskGen.Monitor.State;

namespace TaskGen.Monitor.Pages;

/// <summary>What every page needs: the store, the path the monitor is mounted under, and the layout around a page's body.</summary>
internal sealed class PageContext
{
    /// <summary>
    /// The Content-Security-Policy of every page: scripts and styles only from the monitor's own files, so even
    /// markup that escaped the encoder could not run; inline SVG is drawn with presentation attributes, not styles.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    private PageContext(HttpContext http, string basePath)
    {
        Http = http;
        Base = basePath;
        Store = http.RequestServices.GetRequiredService<MonitorStore>();
    }

    public HttpContext Http { get; }

    public MonitorStore Store { get; }

    /// <summary>The monitor's root path without a trailing slash (empty when mounted at <c>/</c>).</summary>
    public string Base { get; }

    /// <summary>
    /// Reads the monitor's mount path from the matched route: the group's prefix is part of the endpoint's pattern,
    /// and <paramref name="suffix"/> is the page's own route, so what is left before it is where the monitor lives.
    /// </summary>
    public static PageContext For(HttpContext http, string suffix)
    {
        string pattern = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? suffix;
        string mount = suffix == "/" ? pattern : pattern.EndsWith(suffix, StringComparison.Ordinal) ? pattern[..^suffix.Length] : string.Empty;
        return new PageContext(http, (http.Request.PathBase.Value + "/" + mount.Trim('/')).TrimEnd('/'));
    }

    /// <summary>A path inside the monitor, such as <c>Url("/task/" + id)</c>; the caller escapes segments.</summary>
    public string Url(string path) => Base + path;

    /// <summary>Writes a page: the layout (navigation, notices) around <paramref name="body"/>, with the security headers.</summary>
    public Task WriteAsync(string title, string active, Html body, int status = StatusCodes.Status200OK)
    {
        var page = new Html();
        page.Raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Raw("<title>").Text(title).Raw(" · TaskGen monitor</title>")
            .Raw("<link rel=\"stylesheet\"").Attr("href", Url("/assets/monitor.css")).Raw(">")
            .Raw("<script defer").Attr("src", Url("/assets/monitor.js")).Raw("></script></head>")
            .Raw("<body").Attr("data-base", Base).Attr("data-page", active).Raw(">");
        page.Raw("<header class=\"top\"><a class=\"brand\"").Attr("href", Url("/")).Raw(">TaskGen monitor</a><nav>");
        foreach ((string key, string label, string path) in new[]
        {
            ("workers", "Workers", "/workers"), ("tasks", "Tasks", "/tasks"), ("queues", "Queues", "/queues"),
            ("dead-letters", "Dead letters", "/dead-letters"), ("schedules", "Schedule", "/schedules"), ("apply", "Apply", "/apply"),
            ("broker", "Broker", "/broker"),
        })
        {
            page.Raw("<a").Attr("href", Url(path)).Attr("class", key == active ? "active" : null).Raw(">").Text(label).Raw("</a>");
        }

        page.Raw("</nav><span id=\"live\" class=\"live\" title=\"Live updates\">live</span></header>");
        Notices(page);
        page.Raw("<main>").Raw(body.ToString()).Raw("</main></body></html>");

        HttpResponse response = Http.Response;
        response.StatusCode = status;
        SetSecurityHeaders(response);
        response.Headers.CacheControl = "no-store";
        response.ContentType = "text/html; charset=utf-8";
        return response.WriteAsync(page.ToString(), Http.RequestAborted);
    }

    /// <summary>The headers every HTML answer carries.</summary>
    public static void SetSecurityHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
    }

    /// <summary>Says on every page when the monitor sees less than everything: a flood being sampled, or events dropped.</summary>
    private void Notices(Html page)
    {
        page.Raw("<div id=\"notices\">");
        if (Store.SamplingSince is { } since)
        {
            page.Raw("<p class=\"notice\" id=\"sampling\">").Text($"Events are arriving faster than {Store.Options.MaxEventsPerSecond:N0} a second: since {Html.Time(since)} UTC the monitor samples them (worker events and final states are kept), so task lists and counts are incomplete.").Raw("</p>");
        }

        var dropped = Store.Dropped.Where(d => d.Value > 0).OrderBy(d => d.Key, StringComparer.Ordinal).ToList();
        if (dropped.Count > 0)
        {
            page.Raw("<p class=\"notice\" id=\"dropped\">").Text("Events dropped: " + string.Join(", ", dropped.Select(d => $"{d.Key} {d.Value:N0}")) + ".").Raw("</p>");
        }

        page.Raw("</div>");
    }
}
