using System.Text;

namespace Basalt.Engine.Expressions;

// Recursive-descent parser for all of DynamoDB's expression languages (one grammar each: condition, update,
// projection; KeyConditionExpression uses the condition grammar and is narrowed afterwards). A ref struct over
// the expression text, created per parse on the request's thread; it allocates only the AST and the strings
// the AST holds. The grammar and the error catalogue are in docs/expressions.md.
//
// Errors come in two tiers, as in DynamoDB. A syntax error (or a hard limit: path depth, IN operands, our
// nesting bound) stops the parse at once. Semantic errors (reserved words, undefined placeholders, unknown or
// misused functions, operand counts, overlapping paths, ...) are noted, first of each category, while the parse
// goes on; at the end the first noted category in DynamoDB's reporting order for this grammar is thrown. The
// orders are those of dynalite's grammars, which were fitted to DynamoDB's answers.
internal ref struct Parser
{
    private enum Slot
    {
        RedundantParentheses, Reserved, UnknownFunction, MisusedFunction, Section, UndefinedName, UndefinedValue, Overlap, OperandCount,
        Distinct, FunctionOperand, Count,
    }

    private static readonly Slot[] ConditionOrder =
        [Slot.RedundantParentheses, Slot.UnknownFunction, Slot.MisusedFunction, Slot.Reserved, Slot.UndefinedName, Slot.OperandCount, Slot.Distinct, Slot.FunctionOperand];
    private static readonly Slot[] UpdateOrder =
        [Slot.Reserved, Slot.UnknownFunction, Slot.Section, Slot.UndefinedName, Slot.UndefinedValue, Slot.Overlap, Slot.OperandCount, Slot.FunctionOperand];
    private static readonly Slot[] ProjectionOrder = [Slot.Reserved, Slot.UndefinedName, Slot.Overlap];

    private readonly ReadOnlySpan<char> _text;
    private readonly ExpressionKind _kind;
    private readonly ExpressionAttributes _attributes;
    private Lexer _lexer;
    private Token _token;
    private Token _previous;
    private bool _hasPrevious;
    private int _depth;
    private int _operators;
    private string?[]? _errors;
    private List<DocumentPath>? _paths;
    private int _groupStart;
    private int _groupEnd;

    public Parser(ReadOnlySpan<char> text, ExpressionKind kind, ExpressionAttributes attributes)
    {
        _text = text;
        _kind = kind;
        _attributes = attributes;
        _lexer = new Lexer(text);
        _token = default;
        _previous = default;
        _hasPrevious = false;
        _depth = 0;
        _operators = 0;
        _errors = null;
        _paths = null;
        _groupStart = -1;
        _groupEnd = -1;
    }

    private readonly bool IsConditionGrammar => _kind is ExpressionKind.Condition or ExpressionKind.Filter or ExpressionKind.KeyCondition;

    // ---- entry points ----

    public Condition ParseCondition()
    {
        Start();
        object term = ParseOr();
        if (_token.Kind != TokenKind.Eof) throw SyntaxError();
        Condition condition = RequireCondition(term);
        ThrowNoted(ConditionOrder);
        return condition;
    }

    public UpdateExpression ParseUpdate()
    {
        Start();
        List<SetAction>? set = null;
        List<DocumentPath>? remove = null;
        List<AddAction>? add = null;
        List<DeleteAction>? delete = null;
        _paths = [];
        do
        {
            if (_token.Kind != TokenKind.Identifier) throw SyntaxError();
            var word = Text(_token);
            if (word.Equals("SET", StringComparison.OrdinalIgnoreCase))
            {
                if (set is not null) Note(Slot.Section, "The \"SET\" section can only be used once in an update expression;");
                set ??= [];
                Advance();
                do { set.Add(ParseSetAction()); } while (TryConsume(TokenKind.Comma));
            }
            else if (word.Equals("REMOVE", StringComparison.OrdinalIgnoreCase))
            {
                if (remove is not null) Note(Slot.Section, "The \"REMOVE\" section can only be used once in an update expression;");
                remove ??= [];
                Advance();
                do
                {
                    var path = ParsePath();
                    CheckOverlap(path);
                    remove.Add(path);
                } while (TryConsume(TokenKind.Comma));
            }
            else if (word.Equals("ADD", StringComparison.OrdinalIgnoreCase))
            {
                if (add is not null) Note(Slot.Section, "The \"ADD\" section can only be used once in an update expression;");
                add ??= [];
                Advance();
                do
                {
                    var path = ParsePath();
                    CheckOverlap(path);
                    add.Add(new AddAction(path, ParseValuePlaceholder()));
                } while (TryConsume(TokenKind.Comma));
            }
            else if (word.Equals("DELETE", StringComparison.OrdinalIgnoreCase))
            {
                if (delete is not null) Note(Slot.Section, "The \"DELETE\" section can only be used once in an update expression;");
                delete ??= [];
                Advance();
                do
                {
                    var path = ParsePath();
                    CheckOverlap(path);
                    delete.Add(new DeleteAction(path, ParseValuePlaceholder()));
                } while (TryConsume(TokenKind.Comma));
            }
            else
            {
                throw SyntaxError();
            }
        } while (_token.Kind != TokenKind.Eof);
        ThrowNoted(UpdateOrder);
        return new UpdateExpression(set?.ToArray() ?? [], remove?.ToArray() ?? [], add?.ToArray() ?? [], delete?.ToArray() ?? []);
    }

    public ProjectionExpression ParseProjection()
    {
        Start();
        _paths = [];
        do
        {
            var path = ParsePath();
            CheckOverlap(path);
        } while (TryConsume(TokenKind.Comma));
        if (_token.Kind != TokenKind.Eof) throw SyntaxError();
        ThrowNoted(ProjectionOrder);
        return new ProjectionExpression(_paths.ToArray());
    }

    private void Start()
    {
        if (_text.IsWhiteSpace()) throw Error("The expression can not be empty;");
        int bytes = Encoding.UTF8.GetByteCount(_text);
        if (bytes > ExpressionLimits.ExpressionBytesMax)
            throw Error($"Expression size has exceeded the maximum allowed size; expression size: {bytes}");
        Advance();
    }

    // ---- conditions ----
    // A term is a Condition or an Operand: "(a)" and "(a = :v)" both start with '(' and only what follows the
    // ')' tells them apart, so the parenthesised rule returns either and its user decides.

    private object ParseOr()
    {
        object left = ParseAnd();
        while (IsKeyword("OR"))
        {
            Condition l = RequireCondition(left);
            CountOperator();
            Advance();
            Condition r = RequireCondition(ParseAnd());
            left = new OrCondition(l, r);
        }
        return left;
    }

    private object ParseAnd()
    {
        object left = ParseNot();
        while (IsKeyword("AND"))
        {
            Condition l = RequireCondition(left);
            CountOperator();
            Advance();
            Condition r = RequireCondition(ParseNot());
            left = new AndCondition(l, r);
        }
        return left;
    }

    private object ParseNot()
    {
        if (!IsKeyword("NOT")) return ParsePrimary();
        CountOperator();
        Enter();
        Advance();
        Condition operand = RequireCondition(ParseNot());
        Exit();
        return new NotCondition(operand);
    }

    private object ParsePrimary()
    {
        if (_token.Kind == TokenKind.LParen)
        {
            int open = _token.Start;
            Enter();
            Advance();
            int innerStart = _token.Start;
            object inner = ParseOr();
            CloseGroup(open, innerStart);
            Exit();
            return inner is Operand op ? ParseComparisonTail(op) : inner;
        }
        return ParseComparisonTail(ParseOperand());
    }

    private object ParseComparisonTail(Operand left)
    {
        Comparator? comparator = _token.Kind switch
        {
            TokenKind.Equal => Comparator.Equal,
            TokenKind.NotEqual => Comparator.NotEqual,
            TokenKind.Less => Comparator.Less,
            TokenKind.LessOrEqual => Comparator.LessOrEqual,
            TokenKind.Greater => Comparator.Greater,
            TokenKind.GreaterOrEqual => Comparator.GreaterOrEqual,
            _ => null,
        };
        if (comparator is { } c)
        {
            CountOperator();
            Advance();
            Operand right = ConditionOperand(ParseOperandTerm());
            Operand l = ConditionOperand(left);
            CheckDistinct(c.Symbol(), l, right);
            return new ComparisonCondition(c, l, right);
        }
        if (IsKeyword("BETWEEN"))
        {
            CountOperator();
            Advance();
            Operand lower = ConditionOperand(ParseOperandTerm());
            if (!IsKeyword("AND")) throw SyntaxError();
            Advance();
            Operand upper = ConditionOperand(ParseOperandTerm());
            return new BetweenCondition(ConditionOperand(left), lower, upper);
        }
        if (IsKeyword("IN"))
        {
            CountOperator();
            Advance();
            Expect(TokenKind.LParen);
            var candidates = new List<Operand>();
            do { candidates.Add(ConditionOperand(ParseOperandTerm())); } while (TryConsume(TokenKind.Comma));
            Expect(TokenKind.RParen);
            if (candidates.Count > ExpressionLimits.InOperandsMax)
                throw Error($"The IN operator is provided with too many operands; number of operands: {candidates.Count}");
            return new InCondition(ConditionOperand(left), candidates.ToArray());
        }
        return left;
    }

    // A term used where a condition must be: a condition, or a call of a boolean function.
    private Condition RequireCondition(object term)
    {
        if (term is Condition condition) return condition;
        if (term is CallOperand call)
        {
            ConditionFunction? function = call.Name switch
            {
                "attribute_exists" => ConditionFunction.AttributeExists,
                "attribute_not_exists" => ConditionFunction.AttributeNotExists,
                "attribute_type" => ConditionFunction.AttributeType,
                "begins_with" => ConditionFunction.BeginsWith,
                "contains" => ConditionFunction.Contains,
                _ => null,
            };
            if (function is { } f)
            {
                int operands = f is ConditionFunction.AttributeExists or ConditionFunction.AttributeNotExists ? 1 : 2;
                if (CheckOperandCount(call, operands))
                {
                    if (operands == 1 && call.Arguments[0] is not PathOperand)
                        Note(Slot.FunctionOperand, $"Operator or function requires a document path; operator or function: {call.Name}");
                    if (operands == 2) CheckDistinct(call.Name, call.Arguments[0], call.Arguments[1]);
                }
                return new FunctionCondition(f, call.Arguments);
            }
            if (call.Name == "size") Note(Slot.MisusedFunction, $"The function is not allowed to be used this way in an expression; function: {call.Name}");
            return new FunctionCondition(ConditionFunction.AttributeExists, call.Arguments);
        }
        // A bare path or value where a condition must be: DynamoDB reports the token that follows it.
        throw SyntaxError();
    }

    // A term used as a value: a path, a :value or size(...); a boolean function here is misused.
    private Operand ConditionOperand(Operand operand)
    {
        if (operand is not CallOperand call) return operand;
        if (call.Name == "size")
        {
            if (CheckOperandCount(call, 1)) return new SizeOperand(call.Arguments[0]);
            return new SizeOperand(call.Arguments.Length > 0 ? call.Arguments[0] : new ValueOperand(""));
        }
        if (IsKnownFunction(call.Name))
            Note(Slot.MisusedFunction, $"The function is not allowed to be used this way in an expression; function: {call.Name}");
        return call;
    }

    // '(' operand ')' or operand: the operands of comparators, BETWEEN, IN and function arguments.
    private Operand ParseOperandTerm()
    {
        if (_token.Kind != TokenKind.LParen) return ParseOperand();
        int open = _token.Start;
        Enter();
        Advance();
        int innerStart = _token.Start;
        Operand inner = ParseOperandTerm();
        CloseGroup(open, innerStart);
        Exit();
        return inner;
    }

    // path | :value | name '(' args ')'. Calls come back as CallOperand for the user to resolve.
    private Operand ParseOperand()
    {
        switch (_token.Kind)
        {
            case TokenKind.ValuePlaceholder:
                return new ValueOperand(UseValue());
            case TokenKind.NamePlaceholder:
                return new PathOperand(ParsePath());
            case TokenKind.Identifier:
                var peek = _lexer;
                if (peek.Next().Kind != TokenKind.LParen) return new PathOperand(ParsePath());
                return ParseCall();
            default:
                throw SyntaxError();
        }
    }

    private CallOperand ParseCall()
    {
        string name = Text(_token).ToString();
        if (IsKeyword(_token)) throw SyntaxError();
        if (!IsKnownFunction(name)) Note(Slot.UnknownFunction, $"Invalid function name; function: {name}");
        CountOperator();
        Advance();
        Enter();
        Expect(TokenKind.LParen);
        // Functions take one or two arguments; more only in an invalid call, which may grow the array.
        var arguments = new Operand[2];
        int count = 0;
        do
        {
            Operand argument = ParseOperandTerm();
            if (count == arguments.Length) Array.Resize(ref arguments, count * 2);
            arguments[count++] = IsConditionGrammar ? ConditionOperand(argument) : UpdateOperand(argument);
        } while (TryConsume(TokenKind.Comma));
        Expect(TokenKind.RParen);
        Exit();
        if (count != arguments.Length) Array.Resize(ref arguments, count);
        return new CallOperand(name, arguments);
    }

    // Expects the ')' of a group opened at `open`. DynamoDB rejects a group whose whole content is another
    // group, "((a = :v))" or "((a)) = :v": the group that closed just before this ')' (the last one recorded)
    // started right after this group's '('.
    private void CloseGroup(int open, int innerStart)
    {
        if (_token.Kind != TokenKind.RParen) throw SyntaxError();
        if (_hasPrevious && _previous.Kind == TokenKind.RParen && _groupEnd == _previous.End && _groupStart == innerStart)
            Note(Slot.RedundantParentheses, "The expression has redundant parentheses;");
        _groupStart = open;
        _groupEnd = _token.End;
        Advance();
    }

    private readonly bool IsKnownFunction(string name) => IsConditionGrammar
        ? name is "attribute_exists" or "attribute_not_exists" or "attribute_type" or "begins_with" or "contains" or "size"
        : name is "if_not_exists" or "list_append";

    private bool CheckOperandCount(CallOperand call, int expected)
    {
        if (call.Arguments.Length == expected) return true;
        Note(Slot.OperandCount,
            $"Incorrect number of operands for operator or function; operator or function: {call.Name}, number of operands: {call.Arguments.Length}");
        return false;
    }

    private void CheckDistinct(string op, Operand first, Operand second)
    {
        if (first is PathOperand a && second is PathOperand b && a.Path.Equals(b.Path))
            Note(Slot.Distinct,
                $"The first operand must be distinct from the remaining operands for this operator or function; operator: {op}, first operand: {a.Path.ToBracketString()}");
    }

    // ---- update ----

    private SetAction ParseSetAction()
    {
        var path = ParsePath();
        CheckOverlap(path);
        Expect(TokenKind.Equal);
        return new SetAction(path, ParseSetValue());
    }

    // term [('+' | '-') term]
    private Operand ParseSetValue()
    {
        Operand left = ParseUpdateTerm();
        ArithmeticOperator op;
        if (_token.Kind == TokenKind.Plus) op = ArithmeticOperator.Plus;
        else if (_token.Kind == TokenKind.Minus) op = ArithmeticOperator.Minus;
        else return left;
        CountOperator();
        Advance();
        return new ArithmeticOperand(op, left, ParseUpdateTerm());
    }

    // '(' set-value ')' | operand
    private Operand ParseUpdateTerm()
    {
        if (_token.Kind != TokenKind.LParen) return UpdateOperand(ParseOperand());
        Enter();
        Advance();
        Operand inner = ParseSetValue();
        Expect(TokenKind.RParen);
        Exit();
        return inner;
    }

    private Operand UpdateOperand(Operand operand)
    {
        if (operand is not CallOperand call) return operand;
        if (call.Name == "if_not_exists" && CheckOperandCount(call, 2))
        {
            if (call.Arguments[0] is PathOperand path) return new IfNotExistsOperand(path.Path, call.Arguments[1]);
            Note(Slot.FunctionOperand, "Operator or function requires a document path; operator or function: if_not_exists");
        }
        else if (call.Name == "list_append" && CheckOperandCount(call, 2))
        {
            return new ListAppendOperand(call.Arguments[0], call.Arguments[1]);
        }
        return call;
    }

    private string ParseValuePlaceholder()
    {
        if (_token.Kind != TokenKind.ValuePlaceholder) throw SyntaxError();
        return UseValue();
    }

    // ---- paths and placeholders ----

    private DocumentPath ParsePath()
    {
        PathElement first = PathName();
        // Most paths are one name: no list to grow.
        if (_token.Kind is not (TokenKind.Dot or TokenKind.LBracket)) return new DocumentPath([first]);
        var elements = new List<PathElement>(4) { first };
        while (true)
        {
            if (_token.Kind == TokenKind.Dot)
            {
                Advance();
                elements.Add(PathName());
            }
            else if (_token.Kind == TokenKind.LBracket)
            {
                Advance();
                if (_token.Kind != TokenKind.Number || !int.TryParse(Text(_token), out int index)) throw SyntaxError();
                Advance();
                Expect(TokenKind.RBracket);
                elements.Add(PathElement.ListIndex(index));
            }
            else
            {
                break;
            }
            if (elements.Count > ExpressionLimits.PathDepthMax)
            {
                // Count the whole path for the message, as DynamoDB does, then stop.
                int depth = elements.Count;
                while (true)
                {
                    if (_token.Kind == TokenKind.Dot) { Advance(); if (_token.Kind is TokenKind.Identifier or TokenKind.NamePlaceholder) Advance(); else break; }
                    else if (_token.Kind == TokenKind.LBracket) { Advance(); if (_token.Kind == TokenKind.Number) Advance(); if (_token.Kind == TokenKind.RBracket) Advance(); else break; }
                    else break;
                    depth++;
                }
                throw Error($"The document path has too many nesting levels; nesting levels: {depth}");
            }
        }
        return new DocumentPath(elements.ToArray());
    }

    private PathElement PathName()
    {
        if (_token.Kind == TokenKind.NamePlaceholder)
        {
            var placeholder = Text(_token);
            if (!_attributes.TryResolveName(placeholder, out string name))
            {
                name = placeholder.ToString();
                Note(Slot.UndefinedName, $"An expression attribute name used in the document path is not defined; attribute name: {name}");
            }
            Advance();
            return PathElement.Attribute(name);
        }
        if (_token.Kind != TokenKind.Identifier || IsKeyword(_token)) throw SyntaxError();
        string plain = Text(_token).ToString();
        if (ReservedWords.Contains(plain)) Note(Slot.Reserved, $"Attribute name is a reserved keyword; reserved keyword: {plain}");
        Advance();
        return PathElement.Attribute(plain);
    }

    private string UseValue()
    {
        var placeholder = Text(_token);
        if (!_attributes.TryUseValue(placeholder, out string key))
        {
            key = placeholder.ToString();
            Note(IsConditionGrammar ? Slot.UndefinedName : Slot.UndefinedValue,
                $"An expression attribute value used in expression is not defined; attribute value: {key}");
        }
        Advance();
        return key;
    }

    // Update actions and projections: no path may equal, contain or be contained in another (overlap), nor
    // use a name where another uses an index at the same depth (conflict). Path one is the earlier one.
    private void CheckOverlap(DocumentPath path)
    {
        var paths = _paths!;
        if (_errors?[(int)Slot.Overlap] is null)
        {
            foreach (var earlier in paths)
            {
                string? problem = Compare(earlier, path);
                if (problem is null) continue;
                Note(Slot.Overlap,
                    $"Two document paths {problem} with each other; must remove or rewrite one of these paths; path one: {earlier.ToBracketString()}, path two: {path.ToBracketString()}");
                break;
            }
        }
        paths.Add(path);
    }

    private static string? Compare(DocumentPath a, DocumentPath b)
    {
        var x = a.Elements;
        var y = b.Elements;
        int n = Math.Min(x.Length, y.Length);
        for (int i = 0; i < n; i++)
        {
            if (x[i].IsIndex != y[i].IsIndex) return "conflict";
            if (x[i] != y[i]) return null;
        }
        return "overlap";
    }

    // ---- tokens and errors ----

    private void Advance()
    {
        // Every real token has a length; only the initial default token (and EOF, which is never advanced
        // past) has none.
        _previous = _token;
        _hasPrevious = _token.Length > 0;
        _token = _lexer.Next();
    }

    private bool TryConsume(TokenKind kind)
    {
        if (_token.Kind != kind) return false;
        Advance();
        return true;
    }

    private void Expect(TokenKind kind)
    {
        if (_token.Kind != kind) throw SyntaxError();
        Advance();
    }

    private readonly ReadOnlySpan<char> Text(Token token) => _text.Slice(token.Start, token.Length);

    private readonly bool IsKeyword(string keyword) =>
        _token.Kind == TokenKind.Identifier && Text(_token).Equals(keyword, StringComparison.OrdinalIgnoreCase);

    // Words that cannot start a path or a call in this grammar.
    private readonly bool IsKeyword(Token token)
    {
        var word = Text(token);
        if (IsConditionGrammar)
            return word.Equals("AND", StringComparison.OrdinalIgnoreCase) || word.Equals("OR", StringComparison.OrdinalIgnoreCase)
                || word.Equals("NOT", StringComparison.OrdinalIgnoreCase) || word.Equals("BETWEEN", StringComparison.OrdinalIgnoreCase)
                || word.Equals("IN", StringComparison.OrdinalIgnoreCase);
        if (_kind == ExpressionKind.Update)
            return word.Equals("SET", StringComparison.OrdinalIgnoreCase) || word.Equals("REMOVE", StringComparison.OrdinalIgnoreCase)
                || word.Equals("ADD", StringComparison.OrdinalIgnoreCase) || word.Equals("DELETE", StringComparison.OrdinalIgnoreCase);
        return false;
    }

    private void Enter()
    {
        if (++_depth > ExpressionLimits.NestingDepthMax) throw SyntaxError();
    }

    private void Exit() => _depth--;

    // DynamoDB allows at most 300 operators and functions in one expression: AND, OR, NOT, each comparator,
    // BETWEEN, IN, every function call (size included) and the + and - of SET. Parentheses, commas, the '=' of a
    // SET action and the section keywords are not operators. A hard limit: the parse stops at the 301st, and the
    // message reports that count (as DynamoDB's "operator count: 301" does for a longer expression).
    private void CountOperator()
    {
        if (++_operators > ExpressionLimits.OperatorsMax)
            throw Error($"The expression contains too many operators; operator count: {_operators}");
    }

    private void Note(Slot slot, string message)
    {
        _errors ??= new string?[(int)Slot.Count];
        _errors[(int)slot] ??= message;
    }

    private readonly void ThrowNoted(Slot[] order)
    {
        if (_errors is null) return;
        foreach (var slot in order)
            if (_errors[(int)slot] is { } message) throw Error(message);
    }

    // DynamoDB: Syntax error; token: "<the offending token>", near: "<from the previous token to the offending one>".
    // At the end of the text the token is <EOF> and "near" runs from the previous token to the end.
    private readonly ExpressionException SyntaxError()
    {
        string token = _token.Kind == TokenKind.Eof ? "<EOF>" : Text(_token).ToString();
        int start = _hasPrevious ? _previous.Start : _token.Start;
        int end = _token.Kind == TokenKind.Eof ? _text.Length : _token.End;
        string near = _text.Slice(start, end - start).ToString();
        return Error($"Syntax error; token: \"{token}\", near: \"{near}\"");
    }

    private readonly ExpressionException Error(string message) => new($"Invalid {_kind.ParameterName()}: {message}");
}
