using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;

namespace WebShop;

/// <summary>The shop's HTML pages, written out directly: two small pages need no view engine.</summary>
public static class Pages
{
    private const string Style = "body{font-family:sans-serif;max-width:40em;margin:2em auto}label{display:block;margin-top:1em}input,textarea{width:100%}.error{color:#b00}";

    /// <summary>The contact form, with the anti-forgery token it must post back and any problems from the last post.</summary>
    /// <param name="tokens">The anti-forgery tokens for this visitor.</param>
    /// <param name="form">The values to show again after a refused post; null for an empty form.</param>
    /// <param name="errors">The problems by field name; null when there are none.</param>
    public static string ContactForm(AntiforgeryTokenSet tokens, ContactForm? form = null, IReadOnlyDictionary<string, string[]>? errors = null)
    {
        var html = new StringBuilder();
        Open(html, "Contact us");
        if (errors is { Count: > 0 })
        {
            html.Append("<ul class=\"error\">");
            foreach (string problem in errors.Values.SelectMany(p => p))
            {
                html.Append("<li>").Append(Encode(problem)).Append("</li>");
            }

            html.Append("</ul>");
        }

        html.Append("<form method=\"post\" action=\"/contact\">")
            .Append("<input type=\"hidden\" name=\"").Append(Encode(tokens.FormFieldName)).Append("\" value=\"").Append(Encode(tokens.RequestToken)).Append("\">")
            .Append("<label>To <input type=\"email\" name=\"to\" required value=\"").Append(Encode(form?.To)).Append("\"></label>")
            .Append("<label>Subject <input name=\"subject\" required maxlength=\"").Append(WebShop.ContactForm.MaxSubjectLength).Append("\" value=\"").Append(Encode(form?.Subject)).Append("\"></label>")
            .Append("<label>Message <textarea name=\"message\" rows=\"8\" required>").Append(Encode(form?.Message)).Append("</textarea></label>")
            .Append("<p><button type=\"submit\">Send</button></p></form>");
        return Close(html);
    }

    /// <summary>A task's state; a page for a task still running reloads itself until it is done.</summary>
    /// <param name="view">The task's state and outcome.</param>
    public static string TaskState(TaskView view)
    {
        var html = new StringBuilder();
        Open(html, "Task " + view.Id, refresh: view.Result is null && view.Error is null);
        html.Append("<p>Task <code>").Append(Encode(view.Id)).Append("</code> is <strong id=\"state\">").Append(Encode(view.State)).Append("</strong>.</p>");
        if (view.Result is not null)
        {
            html.Append("<p>Sent as message <code id=\"result\">").Append(Encode(view.Result)).Append("</code>.</p>");
        }

        if (view.Error is not null)
        {
            html.Append("<p class=\"error\" id=\"error\">").Append(Encode(view.Error)).Append("</p>");
        }

        html.Append("<p><a href=\"/\">Write another message</a></p>");
        return Close(html);
    }

    /// <summary>A one-line page for a request that cannot be served, such as an unknown task.</summary>
    /// <param name="title">The page title.</param>
    /// <param name="text">What went wrong and what to do.</param>
    public static string Notice(string title, string text)
    {
        var html = new StringBuilder();
        Open(html, title);
        html.Append("<p>").Append(Encode(text)).Append("</p><p><a href=\"/\">Back to the form</a></p>");
        return Close(html);
    }

    private static void Open(StringBuilder html, string title, bool refresh = false)
    {
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(Encode(title)).Append(" - WebShop</title>");
        if (refresh)
        {
            html.Append("<meta http-equiv=\"refresh\" content=\"1\">");
        }

        html.Append("<style>").Append(Style).Append("</style></head><body><h1>").Append(Encode(title)).Append("</h1>");
    }

    private static string Close(StringBuilder html) => html.Append("</body></html>").ToString();

    private static string Encode(string? text) => HtmlEncoder.Default.Encode(text ?? string.Empty);
}
