using System;
using System.Linq;
using System.Net;
using System.Security.Claims;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace TaskGen.Monitor.Security;

/// <summary>Who may read the monitor and who may act through it: loopback by default, basic authentication, policies, read-only.</summary>
/// <remarks>
/// <para>
/// The rules wrap every endpoint of the group, pages and API alike, in this order: (1) with no way to authenticate
/// configured (<see cref="MonitorOptions.BasicAuth"/>, <see cref="MonitorOptions.AuthorizationPolicy"/>) and without
/// <see cref="MonitorOptions.AllowRemote"/>, nor an authorization policy put on the returned builder, only loopback clients are served; (2) with basic authentication, a request
/// without the right credentials gets 401 and a challenge, never data; only the health check is open, because it says
/// nothing. Unlike Flower, <c>/metrics</c> needs the credentials too: task names and workers are data, and Prometheus
/// scrapes with basic auth; <see cref="MonitorOptions.ActionsPolicy"/> then judges the basic-auth user's actions. (3) An action answers 403 in read-only mode, and is refused when it comes from a browser on
/// another site.
/// </para>
/// <para>
/// Cross-site requests: an action is accepted when (a) it carries the page's antiforgery token, or (b) an
/// <c>X-Requested-With</c> header (a browser sends no custom header across sites without a CORS preflight, which the
/// monitor never grants), or (c) it is not from a browser at all: no <c>Origin</c>, no <c>Sec-Fetch-Site</c> and no
/// cookie, which is how curl, Python's requests and Flower's API clients call, with or without an
/// <c>Authorization</c> header, so scripts keep working as with Flower. A browser request that names another origin
/// (<c>Sec-Fetch-Site: cross-site</c>/<c>same-site</c>, or a foreign <c>Origin</c>) is refused whatever it carries,
/// because a browser attaches remembered basic credentials to a forged form post by itself; so an Authorization
/// header alone is never taken as proof that a browser request was meant.
/// </para>
/// </remarks>
internal static class MonitorSecurity
{
    /// <summary>The one line a remote client gets from a monitor that serves loopback only.</summary>
    public const string LoopbackOnly =
        "The TaskGen monitor serves only this machine by default: set TaskGen:Monitor:AllowRemote (--allow_remote), BasicAuth (--basic_auth) or an AuthorizationPolicy to open it.";

    /// <summary>What a read-only monitor answers to an action.</summary>
    public const string ReadOnlyRefusal = "Read only mode is enabled: the monitor is read-only.";

    /// <summary>What a browser's action from another site gets.</summary>
    public const string CrossSiteRefusal = "Cross-site request refused: an action must come from the monitor's own pages or from a script.";

    /// <summary>What a browser's action without the page's token gets.</summary>
    public const string TokenRefusal = "This action needs the antiforgery token of the monitor's page (or an X-Requested-With header).";

    /// <summary>What a basic-auth user the actions policy does not admit gets for an action.</summary>
    public const string ActionsPolicyRefusal = "This account may read the monitor but not act through it (TaskGen:Monitor:ActionsPolicy).";

    /// <summary>The challenge sent with a 401.</summary>
    public const string Challenge = "Basic realm=\"TaskGen monitor\", charset=\"UTF-8\"";

    /// <summary>Puts the monitor's access rules on every endpoint of its group.</summary>
    public static void Apply(RouteGroupBuilder group)
    {
        IServiceProvider services = ((IEndpointRouteBuilder)group).ServiceProvider;
        MonitorOptions options = services.GetService<IOptions<MonitorOptions>>()?.Value ?? new MonitorOptions();
        var credentials = new BasicCredentials(options.BasicAuth);
        if (!string.IsNullOrEmpty(options.AuthorizationPolicy))
        {
            group.RequireAuthorization(options.AuthorizationPolicy);
        }

        // Finally: the endpoint's own metadata (is it an action?) is known only after its conventions have run.
        ((IEndpointConventionBuilder)group).Finally(endpoint =>
        {
            bool action = endpoint.Metadata.Contains(MonitorEndpoint.Action);
            bool open = endpoint.Metadata.Contains(MonitorEndpoint.Open);

            // A policy the app put on the returned builder (MapTaskGenMonitor(...).RequireAuthorization("ops")) authenticates
            // as surely as one in the options: remote clients are then the policy's to judge.
            bool authorized = !string.IsNullOrEmpty(options.AuthorizationPolicy) || endpoint.Metadata.OfType<IAuthorizeData>().Any();
            // With basic authentication the user is known only inside GuardAsync, after the authorization middleware
            // has run; there the policy is judged instead (see GuardAsync).
            if (action && !string.IsNullOrEmpty(options.ActionsPolicy) && !credentials.Enabled)
            {
                endpoint.Metadata.Add(new AuthorizeAttribute(options.ActionsPolicy));
            }

            RequestDelegate? next = endpoint.RequestDelegate;
            if (next is null)
            {
                return;
            }

            endpoint.RequestDelegate = context => GuardAsync(context, next, options, credentials, action, open, authorized);
        });
    }

    private static async Task GuardAsync(HttpContext context, RequestDelegate next, MonitorOptions options, BasicCredentials credentials, bool action, bool open, bool authorized)
    {
        bool authenticates = credentials.Enabled || authorized;
        if (!options.AllowRemote && !authenticates && !IsLocal(context.Request.Headers, context.Connection.RemoteIpAddress))
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, LoopbackOnly).ConfigureAwait(false);
            return;
        }

        if (credentials.Enabled && !open)
        {
            if (credentials.Authenticate(context.Request.Headers.Authorization) is not { } user)
            {
                context.Response.Headers.WWWAuthenticate = Challenge;
                await RefuseAsync(context, StatusCodes.Status401Unauthorized, "Authentication required.").ConfigureAwait(false);
                return;
            }

            if (context.User.Identity?.IsAuthenticated != true)
            {
                context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, user)], "Basic"));
            }
        }

        if (action && credentials.Enabled && !string.IsNullOrEmpty(options.ActionsPolicy))
        {
            IAuthorizationService authorization = context.RequestServices.GetService<IAuthorizationService>()
                ?? throw new TaskAppConfigurationException($"TaskGen:Monitor:ActionsPolicy '{options.ActionsPolicy}' needs services.AddAuthorization(...) with that policy.");
            if (!(await authorization.AuthorizeAsync(context.User, context, options.ActionsPolicy).ConfigureAwait(false)).Succeeded)
            {
                await RefuseAsync(context, StatusCodes.Status403Forbidden, ActionsPolicyRefusal).ConfigureAwait(false);
                return;
            }
        }

        if (action)
        {
            if (options.ReadOnly)
            {
                await RefuseAsync(context, StatusCodes.Status403Forbidden, ReadOnlyRefusal).ConfigureAwait(false);
                return;
            }

            if (await CrossSiteRefusalAsync(context).ConfigureAwait(false) is { } refusal)
            {
                await RefuseAsync(context, StatusCodes.Status403Forbidden, refusal).ConfigureAwait(false);
                return;
            }
        }

        await next(context).ConfigureAwait(false);
    }

    /// <summary>Why an action must be refused as possibly forged by another site, or null to let it through; see the type's remarks.</summary>
    private static async Task<string?> CrossSiteRefusalAsync(HttpContext context)
    {
        IHeaderDictionary headers = context.Request.Headers;
        string? site = headers["Sec-Fetch-Site"];
        string? origin = headers.Origin;
        if (site is "cross-site" or "same-site" || (!string.IsNullOrEmpty(origin) && !SameOrigin(context.Request, origin)))
        {
            return CrossSiteRefusal;
        }

        bool fromBrowser = !string.IsNullOrEmpty(site) || !string.IsNullOrEmpty(origin) || headers.Cookie.Count > 0;
        if (!fromBrowser || !string.IsNullOrEmpty(headers["X-Requested-With"]))
        {
            return null;
        }

        if (context.RequestServices.GetService<IAntiforgery>() is { } antiforgery)
        {
            try
            {
                if (await antiforgery.IsRequestValidAsync(context).ConfigureAwait(false))
                {
                    return null;
                }
            }
            catch (AntiforgeryValidationException)
            {
            }
        }

        return TokenRefusal;
    }

    private static bool SameOrigin(HttpRequest request, string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out Uri? uri)
        && string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(uri.IsDefaultPort ? uri.Host : uri.Host + ":" + uri.Port, request.Host.Value, StringComparison.OrdinalIgnoreCase);

    /// <summary>The headers a reverse proxy adds to say whom it forwards for.</summary>
    private static readonly string[] ForwardingHeaders = ["X-Forwarded-For", "Forwarded", "X-Real-IP"];

    /// <summary>
    /// Whether the client is this machine. No address at all means no network peer (a Unix socket, a test server in
    /// process), which is local too. A request a proxy forwarded (any of <c>X-Forwarded-For</c>, <c>Forwarded</c>,
    /// <c>X-Real-IP</c>) is not: behind a reverse proxy on the same machine the peer is the proxy, not the client, so
    /// such a monitor needs authentication or <see cref="MonitorOptions.AllowRemote"/>.
    /// </summary>
    public static bool IsLocal(IHeaderDictionary headers, IPAddress? address)
    {
        foreach (string header in ForwardingHeaders)
        {
            if (headers.ContainsKey(header))
            {
                return false;
            }
        }

        if (address is null)
        {
            return true;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return IPAddress.IsLoopback(address);
    }

    private static async Task RefuseAsync(HttpContext context, int status, string line)
    {
        byte[] body = System.Text.Encoding.UTF8.GetBytes(line + "\n");
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }
}
