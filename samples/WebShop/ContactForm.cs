using System;
using System.Collections.Generic;
using System.Net.Mail;

namespace WebShop;

/// <summary>What the contact form posts, and the rules it must meet before an email is queued.</summary>
/// <param name="To">The address to send the message to.</param>
/// <param name="Subject">The subject line.</param>
/// <param name="Message">The message text.</param>
public sealed record ContactForm(string? To, string? Subject, string? Message)
{
    /// <summary>The longest subject accepted, as mail clients show little more.</summary>
    public const int MaxSubjectLength = 200;

    /// <summary>The longest message accepted, so one post cannot fill the queue with megabytes.</summary>
    public const int MaxMessageLength = 10_000;

    /// <summary>Checks every field and returns the problems by form field name; empty when the form is valid.</summary>
    public Dictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(To))
        {
            errors["to"] = ["The field 'to' is required: give the address to write to."];
        }
        else if (!MailAddress.TryCreate(To.Trim(), out MailAddress? address) || address.Address != To.Trim() || HasLineBreak(To))
        {
            errors["to"] = [$"The field 'to' must be a plain email address such as name@example.com, not '{To}'."];
        }

        if (string.IsNullOrWhiteSpace(Subject))
        {
            errors["subject"] = ["The field 'subject' is required."];
        }
        else if (HasLineBreak(Subject))
        {
            errors["subject"] = ["The field 'subject' must be one line."];
        }
        else if (Subject.Length > MaxSubjectLength)
        {
            errors["subject"] = [$"The field 'subject' must be at most {MaxSubjectLength} characters, not {Subject.Length}."];
        }

        if (string.IsNullOrWhiteSpace(Message))
        {
            errors["message"] = ["The field 'message' is required."];
        }
        else if (Message.Length > MaxMessageLength)
        {
            errors["message"] = [$"The field 'message' must be at most {MaxMessageLength} characters, not {Message.Length}."];
        }

        return errors;
    }

    private static bool HasLineBreak(string value) => value.AsSpan().IndexOfAny('\r', '\n') >= 0;
}
