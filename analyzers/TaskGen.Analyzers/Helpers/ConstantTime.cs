using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace TaskGen.Analyzers.Helpers;

/// <summary>A moment as far as the analyzer can tell: an offset from a base it cannot know (now, a variable) or from year zero.</summary>
internal readonly struct Instant
{
    /// <summary>The base every "now" shares, so that two readings of the clock compare.</summary>
    public static readonly object Now = new();

    /// <summary>The base of absolute moments.</summary>
    public static readonly object Absolute = new();

    public Instant(object origin, double ticks)
    {
        Origin = origin;
        Ticks = ticks;
    }

    public object Origin { get; }

    public double Ticks { get; }

    public bool ComparesWith(Instant other) => Equals(Origin, other.Origin) || (Origin is ISymbol a && other.Origin is ISymbol b && SymbolEqualityComparer.Default.Equals(a, b));
}

/// <summary>
/// Evaluates the few TimeSpan and DateTimeOffset expressions that are constant in practice
/// (<c>TimeSpan.FromSeconds(-5)</c>, <c>DateTimeOffset.UtcNow.AddMinutes(5)</c>), which C# does not treat as constants.
/// </summary>
internal static class ConstantTime
{
    private const double TicksPerMicrosecond = 10;
    private const double TicksPerMillisecond = 10_000;
    private const double TicksPerSecond = 10_000_000;
    private const double TicksPerMinute = 60 * TicksPerSecond;
    private const double TicksPerHour = 60 * TicksPerMinute;
    private const double TicksPerDay = 24 * TicksPerHour;

    /// <summary>The time span in ticks, or null when it is not known at compile time.</summary>
    public static double? TimeSpan(IOperation operation, KnownSymbols known)
    {
        operation = Skip(operation);
        switch (operation)
        {
            case IDefaultValueOperation when KnownSymbols.Is(operation.Type, known.TimeSpan):
                return 0;
            case IFieldReferenceOperation { Field: { IsStatic: true } field }:
                return (field.ContainingType?.Name, field.Name) switch
                {
                    ("TimeSpan", "Zero") => 0,
                    ("TimeSpan", "MaxValue") => long.MaxValue,
                    ("TimeSpan", "MinValue") => long.MinValue,
                    ("Timeout", "InfiniteTimeSpan") => -TicksPerMillisecond,
                    _ => null,
                };
            case IObjectCreationOperation creation when KnownSymbols.Is(creation.Type, known.TimeSpan):
                return Sum(creation.Arguments, null);
            case IInvocationOperation invocation when KnownSymbols.Is(invocation.TargetMethod.ContainingType, known.TimeSpan):
                string name = invocation.TargetMethod.Name;
                if (invocation.TargetMethod.IsStatic && name.StartsWith("From", StringComparison.Ordinal))
                {
                    return Sum(invocation.Arguments, Unit(name.Substring(4)));
                }

                double? self = invocation.Instance is null ? null : TimeSpan(invocation.Instance, known);
                return name switch
                {
                    "Negate" => -self,
                    "Duration" => self is { } d ? Math.Abs(d) : null,
                    "Add" when invocation.Arguments.Length == 1 => self + TimeSpan(invocation.Arguments[0].Value, known),
                    "Subtract" when invocation.Arguments.Length == 1 => self - TimeSpan(invocation.Arguments[0].Value, known),
                    _ => null,
                };
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Minus } unary:
                return -TimeSpan(unary.Operand, known);
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Plus } unary:
                return TimeSpan(unary.Operand, known);
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } binary when KnownSymbols.Is(binary.Type, known.TimeSpan):
                return TimeSpan(binary.LeftOperand, known) + TimeSpan(binary.RightOperand, known);
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Subtract } binary when KnownSymbols.Is(binary.Type, known.TimeSpan):
                return TimeSpan(binary.LeftOperand, known) - TimeSpan(binary.RightOperand, known);
            default:
                return null;
        }
    }

    /// <summary>The moment, or null when it is not known at compile time even relative to now or a variable.</summary>
    public static Instant? Moment(IOperation operation, KnownSymbols known)
    {
        operation = Skip(operation);
        switch (operation)
        {
            case IPropertyReferenceOperation { Property: { IsStatic: true, Name: "UtcNow" or "Now" } property }
                when KnownSymbols.Is(property.ContainingType, known.DateTimeOffset) || KnownSymbols.Is(property.ContainingType, known.DateTime):
                return new Instant(Instant.Now, 0);
            case ILocalReferenceOperation local:
                return new Instant(local.Local, 0);
            case IParameterReferenceOperation parameter:
                return new Instant(parameter.Parameter, 0);
            case IObjectCreationOperation creation when KnownSymbols.Is(creation.Type, known.DateTimeOffset):
                return Absolute(creation, known);
            case IInvocationOperation { Instance: { } instance } invocation
                when KnownSymbols.Is(invocation.TargetMethod.ContainingType, known.DateTimeOffset) || KnownSymbols.Is(invocation.TargetMethod.ContainingType, known.DateTime):
                if (Moment(instance, known) is not { } origin || invocation.Arguments.Length != 1)
                {
                    return null;
                }

                string name = invocation.TargetMethod.Name;
                double? delta = name switch
                {
                    "Add" => TimeSpan(invocation.Arguments[0].Value, known),
                    "Subtract" when KnownSymbols.Is(invocation.Arguments[0].Value.Type, known.TimeSpan) => -TimeSpan(invocation.Arguments[0].Value, known),
                    _ when name.StartsWith("Add", StringComparison.Ordinal) && Unit(name.Substring(3)) is { } unit && Number(invocation.Arguments[0].Value) is { } n => n * unit,
                    _ => null,
                };
                return delta is { } d ? new Instant(origin.Origin, origin.Ticks + d) : null;
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Add or BinaryOperatorKind.Subtract } binary
                when KnownSymbols.Is(binary.RightOperand.Type, known.TimeSpan):
                if (Moment(binary.LeftOperand, known) is not { } left || TimeSpan(binary.RightOperand, known) is not { } span)
                {
                    return null;
                }

                return new Instant(left.Origin, left.Ticks + (binary.OperatorKind == BinaryOperatorKind.Add ? span : -span));
            default:
                return null;
        }
    }

    /// <summary>Formats ticks as a time span, for messages.</summary>
    public static string Format(double ticks) =>
        ticks >= long.MaxValue || ticks <= long.MinValue ? (ticks < 0 ? "TimeSpan.MinValue" : "TimeSpan.MaxValue") : System.TimeSpan.FromTicks((long)ticks).ToString();

    private static Instant? Absolute(IObjectCreationOperation creation, KnownSymbols known)
    {
        int year = 1, month = 1, day = 1, hour = 0, minute = 0, second = 0, millisecond = 0;
        double offset = 0;
        long? ticks = null;
        foreach (IArgumentOperation argument in creation.Arguments)
        {
            string? parameter = argument.Parameter?.Name;
            if (parameter == "offset")
            {
                if (TimeSpan(argument.Value, known) is not { } value)
                {
                    return null;
                }

                offset = value;
                continue;
            }

            if (Number(argument.Value) is not { } number)
            {
                return null;
            }

            switch (parameter)
            {
                case "year": year = (int)number; break;
                case "month": month = (int)number; break;
                case "day": day = (int)number; break;
                case "hour": hour = (int)number; break;
                case "minute": minute = (int)number; break;
                case "second": second = (int)number; break;
                case "millisecond": millisecond = (int)number; break;
                case "ticks": ticks = (long)number; break;
                default: return null;
            }
        }

        try
        {
            long local = ticks ?? new DateTime(year, month, day, hour, minute, second, millisecond).Ticks;
            return new Instant(Instant.Absolute, local - offset);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static double? Sum(System.Collections.Immutable.ImmutableArray<IArgumentOperation> arguments, double? methodUnit)
    {
        double total = 0;
        foreach (IArgumentOperation argument in arguments)
        {
            double? unit = argument.Parameter?.Name switch
            {
                "value" => methodUnit,
                { } other => Unit(other),
                null => null,
            };
            if (unit is null || Number(argument.Value) is not { } number)
            {
                return null;
            }

            total += number * unit.Value;
        }

        return total;
    }

    private static double? Unit(string name) => name.ToLowerInvariant() switch
    {
        "ticks" => 1,
        "microseconds" => TicksPerMicrosecond,
        "milliseconds" => TicksPerMillisecond,
        "seconds" => TicksPerSecond,
        "minutes" => TicksPerMinute,
        "hours" => TicksPerHour,
        "days" => TicksPerDay,
        _ => null,
    };

    private static double? Number(IOperation operation) => operation.ConstantValue is { HasValue: true, Value: { } value } && value is not string and not bool
        ? Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture)
        : null;

    private static IOperation Skip(IOperation operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }
}
