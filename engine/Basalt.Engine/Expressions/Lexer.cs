namespace Basalt.Engine.Expressions;

internal enum TokenKind : byte
{
    Eof,
    Identifier,        // [A-Za-z_][A-Za-z0-9_]*: names, keywords (AND, SET, ...) and function names
    NamePlaceholder,   // #[A-Za-z0-9_]+
    ValuePlaceholder,  // :[A-Za-z0-9_]+
    Number,            // [0-9]+ (list indexes)
    Dot, LBracket, RBracket, LParen, RParen, Comma,
    Equal, NotEqual, Less, LessOrEqual, Greater, GreaterOrEqual,
    Plus, Minus,
    Invalid,           // any other character (one char, or one surrogate pair)
}

// A token is a slice of the expression text: kind, start, length. No strings are made until the parser
// needs a name for the AST.
internal readonly record struct Token(TokenKind Kind, int Start, int Length)
{
    public int End => Start + Length;
}

// Tokenizer over the expression text. Owned by one parser on one thread; never allocates. Whitespace is
// space, tab, CR and LF. Keywords are not told apart here (DynamoDB's keywords are case-insensitive and are
// plain names elsewhere, e.g. after a '.'), so the parser decides what an identifier means.
internal ref struct Lexer
{
    private readonly ReadOnlySpan<char> _text;
    private int _pos;

    public Lexer(ReadOnlySpan<char> text)
    {
        _text = text;
        _pos = 0;
    }

    public Token Next()
    {
        var text = _text;
        int pos = _pos;
        while (pos < text.Length && IsWhitespace(text[pos])) pos++;
        if (pos >= text.Length)
        {
            _pos = pos;
            return new Token(TokenKind.Eof, text.Length, 0);
        }
        int start = pos;
        char c = text[pos++];
        TokenKind kind;
        switch (c)
        {
            case '.': kind = TokenKind.Dot; break;
            case '[': kind = TokenKind.LBracket; break;
            case ']': kind = TokenKind.RBracket; break;
            case '(': kind = TokenKind.LParen; break;
            case ')': kind = TokenKind.RParen; break;
            case ',': kind = TokenKind.Comma; break;
            case '+': kind = TokenKind.Plus; break;
            case '-': kind = TokenKind.Minus; break;
            case '=': kind = TokenKind.Equal; break;
            case '<':
                if (pos < text.Length && text[pos] == '=') { pos++; kind = TokenKind.LessOrEqual; }
                else if (pos < text.Length && text[pos] == '>') { pos++; kind = TokenKind.NotEqual; }
                else kind = TokenKind.Less;
                break;
            case '>':
                if (pos < text.Length && text[pos] == '=') { pos++; kind = TokenKind.GreaterOrEqual; }
                else kind = TokenKind.Greater;
                break;
            case '#':
            case ':':
                int nameStart = pos;
                while (pos < text.Length && IsIdentifierPart(text[pos])) pos++;
                kind = pos == nameStart ? TokenKind.Invalid : c == '#' ? TokenKind.NamePlaceholder : TokenKind.ValuePlaceholder;
                break;
            default:
                if (IsIdentifierStart(c))
                {
                    while (pos < text.Length && IsIdentifierPart(text[pos])) pos++;
                    kind = TokenKind.Identifier;
                }
                else if (char.IsAsciiDigit(c))
                {
                    while (pos < text.Length && char.IsAsciiDigit(text[pos])) pos++;
                    kind = TokenKind.Number;
                }
                else
                {
                    if (char.IsHighSurrogate(c) && pos < text.Length && char.IsLowSurrogate(text[pos])) pos++;
                    kind = TokenKind.Invalid;
                }
                break;
        }
        _pos = pos;
        return new Token(kind, start, pos - start);
    }

    public static bool IsWhitespace(char c) => c is ' ' or '\t' or '\r' or '\n';
    public static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_';
    public static bool IsIdentifierPart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';
}
