using System;
using System.ComponentModel;
using System.Text.Json;

namespace TaskGen.Worker;

/// <summary>
/// Walks a request's positional and keyword arguments for generated dispatch code, which reads only the
/// values: one copy of the matching, duplicate and missing-argument rules instead of one per task.
/// </summary>
/// <remarks>
/// Generated code calls <see cref="Read{TValues}"/> with the task's names and a lambda that reads one value;
/// <see cref="Next"/> is the step it repeats. A struct, so a call allocates nothing for tasks of up to 64
/// parameters.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct TaskArgumentReader
{
    private const int Positional = 1;
    private const int Keywords = 2;
    private const int Done = 3;

    private readonly TaskInvocation _invocation;
    private readonly string _task;
    private readonly string[] _names;
    private readonly int _required;
    private int _phase;
    private int _index;
    private ulong _seen;
    private bool[]? _seenBeyond64;
    private string? _current;

    /// <summary>Starts reading the arguments of one invocation.</summary>
    /// <param name="invocation">The invocation whose arguments are read.</param>
    /// <param name="task">The task name, for error messages.</param>
    /// <param name="names">The wire names of the task's sent parameters, in declaration order.</param>
    /// <param name="required">How many of the first parameters have no default value and must be sent.</param>
    public TaskArgumentReader(TaskInvocation invocation, string task, string[] names, int required)
    {
        _invocation = invocation;
        _task = task;
        _names = names;
        _required = required;
        _phase = 0;
        _index = 0;
        _seen = 0;
        _seenBeyond64 = names.Length > 64 ? new bool[names.Length - 64] : null;
        _current = null;
    }

    /// <summary>
    /// Moves <paramref name="json"/> to the next argument's value and returns its parameter's index, or -1
    /// once every positional and keyword argument has been read.
    /// </summary>
    /// <param name="json">The reader the caller reads each value from; this method creates and advances it.</param>
    /// <exception cref="TaskArgumentException">Too many positional arguments, an unknown keyword, or one sent twice.</exception>
    public int Next(ref Utf8JsonReader json)
    {
        if (_phase == 0)
        {
            json = new Utf8JsonReader(_invocation.Args);
            json.Read();
            _phase = Positional;
        }

        if (_phase == Positional)
        {
            if (json.Read() && json.TokenType != JsonTokenType.EndArray)
            {
                if (_index >= _names.Length)
                {
                    throw TaskArgumentException.TooManyPositional(_task, _names.Length, _invocation.CountArgs());
                }

                int index = _index++;
                _current = _names[index];
                MarkSeen(index);
                return index;
            }

            json = new Utf8JsonReader(_invocation.Kwargs);
            json.Read();
            _phase = Keywords;
        }

        if (_phase == Keywords)
        {
            if (json.Read() && json.TokenType == JsonTokenType.PropertyName)
            {
                for (int index = 0; index < _names.Length; index++)
                {
                    if (json.ValueTextEquals(_names[index]))
                    {
                        if (WasSeen(index))
                        {
                            throw TaskArgumentException.Duplicate(_task, _names[index]);
                        }

                        _current = _names[index];
                        json.Read();
                        MarkSeen(index);
                        return index;
                    }
                }

                throw TaskArgumentException.UnexpectedKeyword(_task, json.GetString());
            }

            _phase = Done;
        }

        return -1;
    }

    /// <summary>The error for a value that could not be read, naming the argument being read at the time.</summary>
    /// <param name="inner">The reading error.</param>
    public readonly TaskArgumentException Invalid(Exception inner) => TaskArgumentException.Invalid(_task, _current, inner);

    /// <summary>Throws for the first of the required parameters that was not sent, by position or by name.</summary>
    /// <exception cref="TaskArgumentException">A required argument is missing.</exception>
    public readonly void Finish()
    {
        for (int index = 0; index < _required; index++)
        {
            if (!WasSeen(index))
            {
                throw TaskArgumentException.Missing(_task, _names[index]);
            }
        }
    }

    /// <summary>
    /// Reads every argument of one invocation into <paramref name="values"/>, the task's parameters in a tuple
    /// (or its one parameter alone) starting at their defaults; <paramref name="read"/> reads one value.
    /// </summary>
    /// <typeparam name="TValues">The sent parameters' types: one type, or a tuple of them in declaration order.</typeparam>
    /// <param name="invocation">The invocation whose arguments are read.</param>
    /// <param name="task">The task name, for error messages.</param>
    /// <param name="names">The wire names of the task's sent parameters, in declaration order.</param>
    /// <param name="required">How many of the first parameters have no default value and must be sent.</param>
    /// <param name="values">The parameters' default values; those of required parameters are never read.</param>
    /// <param name="read">Reads the value of the parameter at the given index from the reader into the tuple.</param>
    /// <returns>The values, each one sent or its default.</returns>
    /// <exception cref="TaskArgumentException">The arguments do not fit the task, or a value cannot be read as its parameter's type.</exception>
    public static TValues Read<TValues>(TaskInvocation invocation, string task, string[] names, int required, TValues values, TaskArgumentSetter<TValues> read)
    {
        var arguments = new TaskArgumentReader(invocation, task, names, required);
        var json = default(Utf8JsonReader);
        try
        {
            int index;
            while ((index = arguments.Next(ref json)) >= 0)
            {
                read(ref json, index, ref values);
            }
        }
        catch (Exception exception) when (exception is not TaskArgumentException)
        {
            throw arguments.Invalid(exception);
        }

        arguments.Finish();
        return values;
    }

    /// <summary>Reads a task that takes no sent parameters: any positional or keyword argument is an error.</summary>
    /// <param name="invocation">The invocation whose arguments are checked.</param>
    /// <param name="task">The task name, for error messages.</param>
    /// <exception cref="TaskArgumentException">An argument was sent, or the arguments are malformed.</exception>
    public static void ReadNone(TaskInvocation invocation, string task)
    {
        var arguments = new TaskArgumentReader(invocation, task, [], 0);
        var json = default(Utf8JsonReader);
        try
        {
            while (arguments.Next(ref json) >= 0)
            {
            }
        }
        catch (Exception exception) when (exception is not TaskArgumentException)
        {
            throw arguments.Invalid(exception);
        }
    }

    private readonly bool WasSeen(int index) =>
        index < 64 ? (_seen & (1UL << index)) != 0 : _seenBeyond64![index - 64];

    private void MarkSeen(int index)
    {
        if (index < 64)
        {
            _seen |= 1UL << index;
        }
        else
        {
            _seenBeyond64![index - 64] = true;
        }
    }
}
