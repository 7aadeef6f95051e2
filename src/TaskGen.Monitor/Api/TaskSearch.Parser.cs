using System;
using System.Collections.Generic;
using System.Text;

namespace TaskGen.Monitor.Api;

/// <summary>The parser half of the task search: the query's tokens and its AND/OR/parentheses grammar.</summary>
internal sealed partial class TaskSearch
{
    private static List<Token> Tokenize(string query)
    {
        var tokens = new List<Token>();
        int index = 0;
        while (index < query.Length)
        {
            if (char.IsWhiteSpace(query[index]))
            {
                index++;
                continue;
            }

            int position = index;
            if (query[index] is '(' or ')')
            {
                Add(tokens, new Token(query[index] == '(' ? Kind.Open : Kind.Close, query[index].ToString(), position));
                index++;
                continue;
            }

            var value = new StringBuilder();
            bool quoted = false, inQuote = false;
            while (index < query.Length)
            {
                char c = query[index];
                if (c == '\\' && index + 1 < query.Length && query[index + 1] is '"' or '\\')
                {
                    value.Append(query[index + 1]);
                    index += 2;
                    continue;
                }

                if (c == '"')
                {
                    quoted = true;
                    inQuote = !inQuote;
                    index++;
                    continue;
                }

                if (!inQuote && (char.IsWhiteSpace(c) || c is '(' or ')'))
                {
                    break;
                }

                value.Append(c);
                index++;
            }

            if (inQuote)
            {
                throw Error("Unterminated quoted phrase", position);
            }

            string term = value.ToString();
            if (term.Length == 0)
            {
                throw Error("Empty search term", position);
            }

            Kind kind = !quoted && term is "AND" ? Kind.And : !quoted && term is "OR" ? Kind.Or : Kind.Term;
            if (!quoted && term == "NOT")
            {
                throw Error("NOT is not supported", position);
            }

            Add(tokens, new Token(kind, term, position));
        }

        tokens.Add(new Token(Kind.End, string.Empty, query.Length));
        return tokens;
    }

    private static void Add(List<Token> tokens, Token token)
    {
        tokens.Add(token);
        if (tokens.Count > MaxTokens)
        {
            throw Error($"Query exceeds {MaxTokens} tokens", null);
        }
    }

    private enum Kind
    {
        Term,
        And,
        Or,
        Open,
        Close,
        End,
    }

    private readonly record struct Token(Kind Kind, string Value, int Position);

    private sealed class Parser(List<Token> tokens)
    {
        private int _index;

        private Token Current => tokens[_index];

        public Node Parse()
        {
            if (Current.Kind == Kind.End)
            {
                return new All();
            }

            Node expression = ParseOr(0);
            if (Current.Kind != Kind.End)
            {
                throw Error($"Unexpected '{Current.Value}'", Current.Position);
            }

            return expression;
        }

        private Node ParseOr(int depth)
        {
            var children = new List<Node> { ParseAnd(depth) };
            while (Current.Kind == Kind.Or)
            {
                Token op = tokens[_index++];
                if (Current.Kind is Kind.End or Kind.Close or Kind.And or Kind.Or)
                {
                    throw Error("OR must be followed by a search term", op.Position);
                }

                children.Add(ParseAnd(depth));
            }

            return children.Count == 1 ? children[0] : new AnyOf(children);
        }

        private Node ParseAnd(int depth)
        {
            var children = new List<Node> { ParsePrimary(depth) };
            while (Current.Kind is not (Kind.End or Kind.Close or Kind.Or))
            {
                if (Current.Kind == Kind.And)
                {
                    Token op = tokens[_index++];
                    if (Current.Kind is Kind.End or Kind.Close or Kind.And or Kind.Or)
                    {
                        throw Error("AND must be followed by a search term", op.Position);
                    }
                }

                children.Add(ParsePrimary(depth));
            }

            return children.Count == 1 ? children[0] : new AllOf(children);
        }

        private Node ParsePrimary(int depth)
        {
            Token token = Current;
            if (token.Kind == Kind.Open)
            {
                if (depth >= MaxDepth)
                {
                    throw Error($"Query nesting exceeds {MaxDepth} levels", token.Position);
                }

                _index++;
                if (Current.Kind == Kind.Close)
                {
                    throw Error("Empty group", token.Position);
                }

                Node expression = ParseOr(depth + 1);
                if (Current.Kind != Kind.Close)
                {
                    throw Error("Missing closing parenthesis", token.Position);
                }

                _index++;
                return expression;
            }

            if (token.Kind != Kind.Term)
            {
                throw Error("Expected a search term", token.Position);
            }

            _index++;
            return ParseTerm(token);
        }

        private static Node ParseTerm(Token token)
        {
            string? field = null;
            string value = token.Value;
            int colon = value.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0 && Array.IndexOf(s_fields, Fold(value[..colon])) >= 0)
            {
                field = Fold(value[..colon]);
                value = value[(colon + 1)..];
            }

            if (field is null && value.StartsWith('-'))
            {
                throw Error("Negation with '-' is not supported", token.Position);
            }

            if (value.Length == 0)
            {
                throw Error("Search qualifier requires a value", token.Position);
            }

            bool exact = field == "state" || (field == "kwargs" && value.Contains('=', StringComparison.Ordinal));
            if (!exact && value.Trim().Length < 3)
            {
                throw Error("Substring search terms must contain at least 3 characters", token.Position);
            }

            return new Term(field, Fold(value));
        }
    }
}
