using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace TaskGen.Monitor.Pages;

/// <summary>
/// The stylesheet and script, embedded in the assembly so the monitor needs no CDN and no files beside it; served with
/// an ETag and a cache lifetime, so a page load costs two 304s at most.
/// </summary>
internal static class PageAssets
{
    private static readonly Dictionary<string, Asset> s_assets = Load();

    /// <summary>The file names served under <c>/assets/</c>.</summary>
    public static IEnumerable<string> Names => s_assets.Keys;

    public static Task ServeAsync(HttpContext http, string file)
    {
        HttpResponse response = http.Response;
        if (!s_assets.TryGetValue(file, out Asset? asset))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        response.Headers.ETag = asset.ETag;
        response.Headers.CacheControl = "public, max-age=3600";
        response.Headers.XContentTypeOptions = "nosniff";
        if (http.Request.Headers.IfNoneMatch == asset.ETag)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.ContentType = asset.ContentType;
        response.ContentLength = asset.Content.Length;
        return response.Body.WriteAsync(asset.Content, http.RequestAborted).AsTask();
    }

    private static Dictionary<string, Asset> Load()
    {
        const string prefix = "TaskGen.Monitor.Assets.";
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        var assembly = typeof(PageAssets).Assembly;
        foreach (string name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            using Stream stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            byte[] content = copy.ToArray();
            string file = name[prefix.Length..];
            string type = Path.GetExtension(file) switch
            {
                ".css" => "text/css; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".svg" => "image/svg+xml",
                _ => "application/octet-stream",
            };
            assets[file] = new Asset(content, type, "\"" + Convert.ToHexString(SHA256.HashData(content), 0, 8).ToLowerInvariant() + "\"");
        }

        return assets;
    }

    private sealed record Asset(byte[] Content, string ContentType, string ETag);
}
