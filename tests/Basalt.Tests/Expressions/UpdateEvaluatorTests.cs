using Basalt.Engine.Expressions;
using Basalt.Engine.Model;
using static Basalt.Tests.Expressions.EvalKit;

namespace Basalt.Tests.Expressions;

public class UpdateEvaluatorTests
{
    private static readonly byte[] Sample = Item(
        ("pk", S("p")),
        ("n", N("10")),
        ("s", S("str")),
        ("arr", L(S("a"), S("b"), S("c"))),
        ("doc", M(("a", M(("b", N("1")))), ("z", S("zz")))),
        ("tags", SS("x", "y")),
        ("nums", NS("1", "2")),
        ("blobs", BS([1], [2])));

    [Fact]
    public void Set_creates_and_overwrites()
    {
        var result = Update("SET n = :v, fresh = :w", Sample, (":v", S("now a string")), (":w", N("5")));
        Assert.Equal(S("now a string"), result["n"]);
        Assert.Equal(N("5"), result["fresh"]);
        Assert.Equal(S("str"), result["s"]);
        Assert.Equal(9, result.Count);
    }

    [Fact]
    public void Set_reads_the_pre_update_item()
    {
        var result = Update("SET n = s, s = n", Sample);
        Assert.Equal(S("str"), result["n"]);
        Assert.Equal(N("10"), result["s"]);
    }

    [Fact]
    public void Arithmetic_is_exact()
    {
        Assert.Equal(N("11"), Update("SET n = n + :one", Sample, (":one", N("1")))["n"]);
        Assert.Equal(N("9.9"), Update("SET n = n - :d", Sample, (":d", N("0.1")))["n"]);
        Assert.Equal(N("0"), Update("SET n = :a - n", Sample, (":a", N("10")))["n"]);
        // 38 digits exactly.
        Assert.Equal(N("10000000000000000000000000000000000001"),
            Update("SET n = :a + :b", Sample, (":a", N("10000000000000000000000000000000000000")), (":b", N("1")))["n"]);
        Assert.Equal(N("20"), Update("SET m = n + n", Sample)["m"]);
    }

    [Fact]
    public void Arithmetic_errors()
    {
        Assert.Equal(UpdateEvaluator.IncorrectDataTypeMessage, UpdateError("SET n = s + :one", Sample, (":one", N("1"))));
        Assert.Equal(UpdateEvaluator.MissingAttributeMessage, UpdateError("SET n = absent + :one", Sample, (":one", N("1"))));
        Assert.Equal("Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S",
            UpdateError("SET n = n + :one", Sample, (":one", S("1"))));
        Assert.Equal("Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: -, operand type: L",
            UpdateError("SET n = :one - n", Sample, (":one", L())));
        Assert.Equal(DynamoNumber.OverflowMessage,
            UpdateError("SET n = :a + :b", Sample, (":a", N("9.9999999999999999999999999999999999999E+125")), (":b", N("1E+125"))));
        Assert.Equal(DynamoNumber.OverflowMessage, UpdateError("SET n = :a + :b", Sample, (":a", N("1E50")), (":b", N("1"))));
    }

    [Fact]
    public void Set_path_operand_must_exist()
    {
        Assert.Equal(UpdateEvaluator.MissingAttributeMessage, UpdateError("SET n = absent", Sample));
        Assert.Equal(UpdateEvaluator.MissingAttributeMessage, UpdateError("SET n = doc.q", Sample));
    }

    [Fact]
    public void If_not_exists()
    {
        Assert.Equal(N("10"), Update("SET n = if_not_exists(n, :v)", Sample, (":v", N("0")))["n"]);
        Assert.Equal(N("0"), Update("SET c = if_not_exists(c, :v)", Sample, (":v", N("0")))["c"]);
        Assert.Equal(N("1"), Update("SET c = if_not_exists(c, :z) + :one", Sample, (":z", N("0")), (":one", N("1")))["c"]);
    }

    [Fact]
    public void List_append()
    {
        Assert.Equal(L(S("a"), S("b"), S("c"), S("d")), Update("SET arr = list_append(arr, :v)", Sample, (":v", L(S("d"))))["arr"]);
        Assert.Equal(L(S("d"), S("a"), S("b"), S("c")), Update("SET arr = list_append(:v, arr)", Sample, (":v", L(S("d"))))["arr"]);
        Assert.Equal(L(S("d")), Update("SET q = list_append(if_not_exists(q, :e), :v)", Sample, (":e", L()), (":v", L(S("d"))))["q"]);
        Assert.Equal(UpdateEvaluator.IncorrectDataTypeMessage, UpdateError("SET arr = list_append(s, :v)", Sample, (":v", L())));
        Assert.Equal("Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: S",
            UpdateError("SET arr = list_append(arr, :v)", Sample, (":v", S("d"))));
    }

    [Fact]
    public void Nested_paths_and_list_indexes()
    {
        var result = Update("SET doc.a.c = :v, doc.y = :w, arr[1] = :x", Sample, (":v", N("2")), (":w", S("new")), (":x", S("B")));
        Assert.Equal(M(("a", M(("b", N("1")), ("c", N("2")))), ("z", S("zz")), ("y", S("new"))), result["doc"]);
        Assert.Equal(L(S("a"), S("B"), S("c")), result["arr"]);
    }

    [Fact]
    public void Setting_past_the_end_of_a_list_appends_in_index_order()
    {
        Assert.Equal(L(S("a"), S("b"), S("c"), S("d")), Update("SET arr[10] = :v", Sample, (":v", S("d")))["arr"]);
        Assert.Equal(L(S("a"), S("b"), S("c"), S("d"), S("e")),
            Update("SET arr[21] = :e, arr[20] = :d", Sample, (":d", S("d")), (":e", S("e")))["arr"]);
    }

    [Fact]
    public void Invalid_document_paths()
    {
        Assert.Equal(UpdateEvaluator.InvalidPathMessage, UpdateError("SET absent.x = :v", Sample, (":v", N("1"))));
        Assert.Equal(UpdateEvaluator.InvalidPathMessage, UpdateError("SET s.x = :v", Sample, (":v", N("1"))));
        Assert.Equal(UpdateEvaluator.InvalidPathMessage, UpdateError("SET doc[0] = :v", Sample, (":v", N("1"))));
        Assert.Equal(UpdateEvaluator.InvalidPathMessage, UpdateError("SET arr.x = :v", Sample, (":v", N("1"))));
        Assert.Equal(UpdateEvaluator.InvalidPathMessage, UpdateError("SET doc.q.r = :v", Sample, (":v", N("1"))));
        Assert.Equal(UpdateEvaluator.InvalidPathMessage, UpdateError("SET arr[5].x = :v", Sample, (":v", N("1"))));
        Assert.Equal(UpdateEvaluator.InvalidPathMessage, UpdateError("REMOVE absent.x", Sample));
    }

    [Fact]
    public void Remove_attributes_and_list_elements()
    {
        var result = Update("REMOVE s, doc.a.b, arr[0], arr[2], absent, doc.q, arr[9]", Sample);
        Assert.False(result.ContainsKey("s"));
        Assert.Equal(M(("a", M()), ("z", S("zz"))), result["doc"]);
        Assert.Equal(L(S("b")), result["arr"]);
    }

    [Fact]
    public void Add_numbers_and_sets()
    {
        Assert.Equal(N("15"), Update("ADD n :v", Sample, (":v", N("5")))["n"]);
        Assert.Equal(N("-5"), Update("ADD c :v", Sample, (":v", N("-5")))["c"]);
        Assert.Equal(SS("x", "y", "z"), Update("ADD tags :v", Sample, (":v", SS("y", "z")))["tags"]);
        Assert.Equal(NS("1", "2", "3"), Update("ADD nums :v", Sample, (":v", NS("3", "2.0")))["nums"]);
        Assert.Equal(BS([1], [2], [3]), Update("ADD blobs :v", Sample, (":v", BS([3], [1])))["blobs"]);
        Assert.Equal(SS("q"), Update("ADD fresh :v", Sample, (":v", SS("q")))["fresh"]);
        Assert.Equal(N("2"), Update("ADD doc.a.b :v", Sample, (":v", N("1")))["doc"].AsMap()["a"].AsMap()["b"]);
    }

    [Fact]
    public void Add_errors()
    {
        Assert.Equal(UpdateEvaluator.IncorrectDataTypeMessage, UpdateError("ADD s :v", Sample, (":v", N("1"))));
        Assert.Equal(UpdateEvaluator.IncorrectDataTypeMessage, UpdateError("ADD tags :v", Sample, (":v", NS("1"))));
        Assert.Equal(UpdateEvaluator.IncorrectDataTypeMessage, UpdateError("ADD arr :v", Sample, (":v", SS("1"))));
        Assert.Equal("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND",
            UpdateError("ADD n :v", Sample, (":v", S("1"))));
        Assert.Equal("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: LIST, typeSet: ALLOWED_FOR_ADD_OPERAND",
            UpdateError("ADD n :v", Sample, (":v", L())));
        Assert.Equal(DynamoNumber.OverflowMessage, UpdateError("ADD n :v", Sample, (":v", N("9.9999999999999999999999999999999999999E+125"))));
    }

    [Fact]
    public void Delete_from_sets()
    {
        Assert.Equal(SS("y"), Update("DELETE tags :v", Sample, (":v", SS("x", "absent")))["tags"]);
        Assert.False(Update("DELETE tags :v", Sample, (":v", SS("x", "y"))).ContainsKey("tags"));
        Assert.Equal(NS("2"), Update("DELETE nums :v", Sample, (":v", NS("1.0")))["nums"]);
        Assert.Equal(BS([2]), Update("DELETE blobs :v", Sample, (":v", BS([1])))["blobs"]);
        Assert.False(Update("DELETE fresh :v", Sample, (":v", SS("x"))).ContainsKey("fresh"));
        Assert.Equal(UpdateEvaluator.IncorrectDataTypeMessage, UpdateError("DELETE tags :v", Sample, (":v", NS("1"))));
        Assert.Equal(UpdateEvaluator.IncorrectDataTypeMessage, UpdateError("DELETE s :v", Sample, (":v", SS("s"))));
        Assert.Equal("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND",
            UpdateError("DELETE nums :v", Sample, (":v", N("1"))));
    }

    [Fact]
    public void All_four_sections_together()
    {
        var result = Update("SET s = :s REMOVE arr[1] ADD n :one DELETE tags :x", Sample, (":s", S("t")), (":one", N("1")), (":x", SS("x")));
        Assert.Equal(S("t"), result["s"]);
        Assert.Equal(L(S("a"), S("c")), result["arr"]);
        Assert.Equal(N("11"), result["n"]);
        Assert.Equal(SS("y"), result["tags"]);
    }

    [Fact]
    public void Key_attributes_cannot_be_updated()
    {
        var (attributes, values) = Bind([(":v", S("x"))]);
        var update = ExpressionParser.ParseUpdate("SET pk = :v", attributes);
        var e = Assert.Throws<ExpressionException>(() => new UpdateEvaluator(update, values, ["pk", "sk"]));
        Assert.Equal("One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key", e.Message);
        var (attributes2, _) = Bind([]);
        e = Assert.Throws<ExpressionException>(() => new UpdateEvaluator(ExpressionParser.ParseUpdate("REMOVE sk", attributes2), values, ["pk", "sk"]));
        Assert.Equal("One or more parameter values were invalid: Cannot update attribute sk. This attribute is part of the key", e.Message);
    }

    [Fact]
    public void Update_of_a_new_item()
    {
        using var writer = new ItemWriter();
        var result = Decode(Updater("SET a = :v ADD c :one", [(":v", S("x")), (":one", N("1"))]).Apply([], writer));
        Assert.Equal(2, result.Count);
        Assert.Equal(N("1"), result["c"]);
    }

    [Fact]
    public void Remove_under_a_missing_parent_is_ignored_only_for_a_missing_item()
    {
        using var writer = new ItemWriter();
        var keyOnly = Item(("pk", S("p")));
        Assert.Equal(["pk"], Decode(Updater("REMOVE x.y, z[0]", []).Apply(keyOnly, writer, itemExists: false)).Keys);
        Assert.Empty(Decode(Updater("REMOVE x.y", []).Apply([], writer)));
        Assert.Equal(UpdateEvaluator.InvalidPathMessage, UpdateError("REMOVE x.y", keyOnly));
        // SET under a missing parent is refused either way.
        Assert.Throws<ExpressionException>(() => Updater("SET x.y = :v", [(":v", N("1"))]).Apply(keyOnly, writer, itemExists: false));
    }

    [Fact]
    public void Item_size_limit_after_the_update()
    {
        // 400 KB exactly is allowed; one byte more is not.
        string name = "big";
        var item = Item(("pk", S("p")));
        int room = ItemFormat.ItemBytesMax - ItemSize.Of(item) - name.Length;
        var ok = Update("SET big = :v", item, (":v", S(new string('x', room))));
        Assert.Equal(ItemFormat.ItemBytesMax, ItemSize.Of(ok));
        Assert.Equal(UpdateEvaluator.ItemTooLargeMessage, UpdateError("SET big = :v", item, (":v", S(new string('x', room + 1)))));
    }

    [Fact]
    public void Updated_paths_project_old_and_new_values()
    {
        var updater = Updater("SET doc.a.b = :v, s = :s REMOVE arr[0]", [(":v", N("5")), (":s", S("t"))]);
        using var writer = new ItemWriter();
        var updated = updater.Apply(Sample, writer).ToArray();
        using var projector = new ItemWriter();
        var old = Decode(updater.UpdatedProjection.Project(Sample, projector));
        Assert.Equal(M(("a", M(("b", N("1"))))), old["doc"]);
        Assert.Equal(S("str"), old["s"]);
        Assert.Equal(L(S("a")), old["arr"]);
        var fresh = Decode(updater.UpdatedProjection.Project(updated, projector));
        Assert.Equal(M(("a", M(("b", N("5"))))), fresh["doc"]);
        Assert.Equal(S("t"), fresh["s"]);
        Assert.Equal(3, updater.UpdatedPaths.Count);
    }

    [Fact]
    public void Untouched_attributes_are_copied_unchanged()
    {
        var result = Update("SET n = :v", Sample, (":v", N("1")));
        var before = Decode(Sample);
        foreach (var (name, value) in before)
            if (name != "n") Assert.Equal(value, result[name]);
    }
}
