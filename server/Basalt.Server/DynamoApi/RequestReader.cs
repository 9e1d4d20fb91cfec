using Basalt.Engine.Database;
using Basalt.Engine.Model;

namespace Basalt.Server.DynamoApi;

// DynamoDB's JSON 1.0 request bodies (X-Amz-Target: DynamoDB_20120810.<Operation>) into the engine's request types.
// Stateless; any thread. Each method reads one UTF-8 body with a Utf8JsonReader (ShapeReader), in one pass, no DOM.
//
// Faithful, not validating: an absent (or null) member stays null, an empty one stays empty, and every check the
// engine makes (table name, key schema, limits, expressions, legacy parameter rules) is left to it. The wire layer
// refuses only what the engine's types cannot carry: JSON of the wrong type (SerializationException), enum strings
// outside DynamoDB's value set, null members of nested structures the engine models as non-null (KeySchemaElement,
// AttributeDefinition, ProvisionedThroughput), and attribute values with no type, two types or NULL false
// (ValidationException, DynamoDB's messages; see ShapeReader and AttributeValueJson). Unknown members are skipped, as
// DynamoDB skips them, and so are members DynamoDB has but the engine does not (listed per operation).
//
// Member names are matched as UTF-8 literals against the reader's token, so a member costs no string; strings are
// made only for values the engine types hold (names, expressions, attribute names and values).
internal static partial class RequestReader
{
    // ---- table operations ----

    // Not read (the engine has no such members yet): StreamSpecification, SSESpecification, TableClass,
    // DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput, ResourcePolicy.
    public static CreateTableRequest CreateTable(ReadOnlySpan<byte> json) => ShapeReader.Parse(json, static (ref ShapeReader r) =>
    {
        var request = new CreateTableRequest();
        while (r.NextMember())
        {
            if (r.Is("TableName"u8)) request.TableName = r.String();
            else if (r.Is("KeySchema"u8)) request.KeySchema = KeySchema(ref r);
            else if (r.Is("AttributeDefinitions"u8)) request.AttributeDefinitions = AttributeDefinitions(ref r);
            else if (r.Is("BillingMode"u8)) request.BillingMode = r.Enum(WireEnums.BillingMode, "billingMode");
            else if (r.Is("ProvisionedThroughput"u8)) request.ProvisionedThroughput = ProvisionedThroughput(ref r);
            else if (r.Is("Tags"u8)) request.Tags = Tags(ref r);
            else if (r.Is("LocalSecondaryIndexes"u8)) request.LocalSecondaryIndexes = LocalSecondaryIndexes(ref r);
            else if (r.Is("GlobalSecondaryIndexes"u8)) request.GlobalSecondaryIndexes = GlobalSecondaryIndexes(ref r);
            else r.Skip();
        }
        return request;
    });

    public static DescribeTableRequest DescribeTable(ReadOnlySpan<byte> json) => ShapeReader.Parse(json, static (ref ShapeReader r) =>
    {
        var request = new DescribeTableRequest();
        while (r.NextMember())
        {
            if (r.Is("TableName"u8)) request.TableName = r.String();
            else r.Skip();
        }
        return request;
    });

    public static ListTablesRequest ListTables(ReadOnlySpan<byte> json) => ShapeReader.Parse(json, static (ref ShapeReader r) =>
    {
        var request = new ListTablesRequest();
        while (r.NextMember())
        {
            if (r.Is("ExclusiveStartTableName"u8)) request.ExclusiveStartTableName = r.String();
            else if (r.Is("Limit"u8)) request.Limit = r.Integer();
            else r.Skip();
        }
        return request;
    });

    // Not read (the engine has no such members yet): StreamSpecification, SSESpecification, ReplicaUpdates, TableClass,
    // DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput, MultiRegionConsistency.
    public static UpdateTableRequest UpdateTable(ReadOnlySpan<byte> json) => ShapeReader.Parse(json, static (ref ShapeReader r) =>
    {
        var request = new UpdateTableRequest();
        while (r.NextMember())
        {
            if (r.Is("TableName"u8)) request.TableName = r.String();
            else if (r.Is("BillingMode"u8)) request.BillingMode = r.Enum(WireEnums.BillingMode, "billingMode");
            else if (r.Is("ProvisionedThroughput"u8)) request.ProvisionedThroughput = ProvisionedThroughput(ref r);
            else if (r.Is("AttributeDefinitions"u8)) request.AttributeDefinitions = AttributeDefinitions(ref r);
            else if (r.Is("GlobalSecondaryIndexUpdates"u8)) request.GlobalSecondaryIndexUpdates = GlobalSecondaryIndexUpdates(ref r);
            else r.Skip();
        }
        return request;
    });

    // [{Create | Update | Delete}]: Create as a GlobalSecondaryIndexes entry (its errors under
    // 'globalSecondaryIndexUpdates.<i>.member.create.'), Update {IndexName, ProvisionedThroughput}, Delete {IndexName}.
    // A null element is refused at 'globalSecondaryIndexUpdates.<i>.member'; which of the three is given, and how many,
    // the engine checks.
    private static List<GlobalSecondaryIndexUpdate>? GlobalSecondaryIndexUpdates(ref ShapeReader r)
    {
        if (!r.BeginList()) return null;
        var updates = new List<GlobalSecondaryIndexUpdate>(1);
        int index = 0;
        while (r.NextElement())
        {
            string position = (++index).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!r.CurrentIsStructure())
            {
                r.NotNull("globalSecondaryIndexUpdates.", position, ".member");
                continue;
            }
            string member = "globalSecondaryIndexUpdates." + position + ".member.";
            var update = new GlobalSecondaryIndexUpdate();
            while (r.NextMember())
            {
                if (r.Is("Create"u8)) update.Create = IndexCreate(ref r, member + "create.");
                else if (r.Is("Update"u8)) update.Update = IndexChange(ref r, member + "update.", static (name, throughput) =>
                    new UpdateGlobalSecondaryIndexAction { IndexName = name, ProvisionedThroughput = throughput });
                else if (r.Is("Delete"u8)) update.Delete = IndexChange(ref r, member + "delete.", static (name, _) =>
                    new DeleteGlobalSecondaryIndexAction { IndexName = name });
                else r.Skip();
            }
            updates.Add(update);
        }
        return updates;
    }

    // A Create of GlobalSecondaryIndexUpdates: a GlobalSecondaryIndexes entry's members under `member`.
    private static GlobalSecondaryIndex? IndexCreate(ref ShapeReader r, string member)
    {
        if (!r.BeginStructure()) return null;
        var create = new GlobalSecondaryIndex();
        while (r.NextMember())
        {
            if (r.Is("IndexName"u8)) create.IndexName = r.String();
            else if (r.Is("KeySchema"u8)) create.KeySchema = KeySchema(ref r, member + "keySchema.");
            else if (r.Is("Projection"u8)) create.Projection = Projection(ref r, member);
            else if (r.Is("ProvisionedThroughput"u8)) create.ProvisionedThroughput = ProvisionedThroughput(ref r, member);
            else r.Skip();
        }
        return create;
    }

    // An Update or Delete of GlobalSecondaryIndexUpdates: IndexName, and ProvisionedThroughput for an Update.
    private static T? IndexChange<T>(ref ShapeReader r, string member, Func<string?, ProvisionedThroughput?, T> make) where T : class
    {
        if (!r.BeginStructure()) return null;
        string? name = null;
        ProvisionedThroughput? throughput = null;
        while (r.NextMember())
        {
            if (r.Is("IndexName"u8)) name = r.String();
            else if (r.Is("ProvisionedThroughput"u8)) throughput = ProvisionedThroughput(ref r, member);
            else r.Skip();
        }
        return make(name, throughput);
    }

    public static DeleteTableRequest DeleteTable(ReadOnlySpan<byte> json) => ShapeReader.Parse(json, static (ref ShapeReader r) =>
    {
        var request = new DeleteTableRequest();
        while (r.NextMember())
        {
            if (r.Is("TableName"u8)) request.TableName = r.String();
            else r.Skip();
        }
        return request;
    });

    // [{AttributeName, KeyType}]. Both members are required ("Value null at 'keySchema.1.member.keyType' ..."; the
    // index is 1-based, as in DynamoDB's paths). A null element is refused the same way at 'keySchema.<i>.member'.
    // `path` is where the list sits: "keySchema." for the table's, the index's own for a secondary index's
    // ("localSecondaryIndexes.1.member.keySchema.", as DynamoDB names it in its enum errors).
    private static List<KeySchemaElement>? KeySchema(ref ShapeReader r, string path = "keySchema.")
    {
        if (!r.BeginList()) return null;
        var elements = new List<KeySchemaElement>(2);
        int index = 0;
        while (r.NextElement())
        {
            string position = (++index).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!r.CurrentIsStructure())
            {
                r.NotNull(path, position, ".member");
                continue;
            }
            string? name = null;
            KeyType? type = null;
            bool typeSent = false;
            while (r.NextMember())
            {
                if (r.Is("AttributeName"u8)) name = r.String();
                else if (r.Is("KeyType"u8))
                {
                    type = r.Enum(WireEnums.KeyType, path, position, ".member.keyType");
                    typeSent |= type is not null || r.Token != System.Text.Json.JsonTokenType.Null;
                }
                else r.Skip();
            }
            if (name is null) r.NotNull(path, position, ".member.attributeName");
            if (!typeSent) r.NotNull(path, position, ".member.keyType");
            if (name is not null && type is not null) elements.Add(new KeySchemaElement(name, type.Value));
        }
        return elements;
    }

    // [{AttributeName, AttributeType}], both required, as KeySchema.
    private static List<AttributeDefinition>? AttributeDefinitions(ref ShapeReader r)
    {
        if (!r.BeginList()) return null;
        var definitions = new List<AttributeDefinition>(2);
        int index = 0;
        while (r.NextElement())
        {
            string position = (++index).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!r.CurrentIsStructure())
            {
                r.NotNull("attributeDefinitions.", position, ".member");
                continue;
            }
            string? name = null;
            ScalarAttributeType? type = null;
            bool typeSent = false;
            while (r.NextMember())
            {
                if (r.Is("AttributeName"u8)) name = r.String();
                else if (r.Is("AttributeType"u8))
                {
                    type = r.Enum(WireEnums.AttributeType, "attributeDefinitions.", position, ".member.attributeType");
                    typeSent |= type is not null || r.Token != System.Text.Json.JsonTokenType.Null;
                }
                else r.Skip();
            }
            if (name is null) r.NotNull("attributeDefinitions.", position, ".member.attributeName");
            if (!typeSent) r.NotNull("attributeDefinitions.", position, ".member.attributeType");
            if (name is not null && type is not null) definitions.Add(new AttributeDefinition(name, type.Value));
        }
        return definitions;
    }

    // [{IndexName, KeySchema, Projection}], read by SecondaryIndexes under 'localSecondaryIndexes.'.
    private static List<LocalSecondaryIndex>? LocalSecondaryIndexes(ref ShapeReader r) =>
        SecondaryIndexes(ref r, "localSecondaryIndexes.", readsThroughput: false, static (name, keySchema, projection, _) =>
            new LocalSecondaryIndex { IndexName = name, KeySchema = keySchema, Projection = projection });

    // [{IndexName, KeySchema, Projection, ProvisionedThroughput}], read by SecondaryIndexes under
    // 'globalSecondaryIndexes.'. Not read (the engine has no such members yet): OnDemandThroughput, WarmThroughput.
    private static List<GlobalSecondaryIndex>? GlobalSecondaryIndexes(ref ShapeReader r) =>
        SecondaryIndexes(ref r, "globalSecondaryIndexes.", readsThroughput: true, static (name, keySchema, projection, throughput) =>
            new GlobalSecondaryIndex { IndexName = name, KeySchema = keySchema, Projection = projection, ProvisionedThroughput = throughput });

    // The entries of LocalSecondaryIndexes or GlobalSecondaryIndexes, `list` being the parameter's name in DynamoDB's
    // paths ("localSecondaryIndexes."). A null element is refused at '<list><i>.member', as a null key schema element
    // is. A null IndexName, KeySchema, Projection or ProvisionedThroughput stays null: the engine reports them with its
    // other member constraints ("Value null at 'localSecondaryIndexes.1.member.indexName' ..."), or with its rules
    // (a global index without throughput on a PROVISIONED table), as it does the table's. The index's key schema is
    // read as the table's, its errors under the index's path (moto records DynamoDB's "Value 'SORT' at
    // 'localSecondaryIndexes.1.member.keySchema.2.member.keyType' ..."). ProvisionedThroughput only when
    // `readsThroughput` (a local index has no such member: skipped, as DynamoDB skips unknown members).
    private static List<T>? SecondaryIndexes<T>(ref ShapeReader r, string list, bool readsThroughput,
        Func<string?, List<KeySchemaElement>?, Projection?, ProvisionedThroughput?, T> entry)
    {
        if (!r.BeginList()) return null;
        var indexes = new List<T>(1);
        int index = 0;
        while (r.NextElement())
        {
            string position = (++index).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!r.CurrentIsStructure())
            {
                r.NotNull(list, position, ".member");
                continue;
            }
            // One path string per index (at most 5 local and 20 global in a valid request): the control plane can
            // afford it.
            string member = list + position + ".member.";
            string? name = null;
            List<KeySchemaElement>? keySchema = null;
            Projection? projection = null;
            ProvisionedThroughput? throughput = null;
            while (r.NextMember())
            {
                if (r.Is("IndexName"u8)) name = r.String();
                else if (r.Is("KeySchema"u8)) keySchema = KeySchema(ref r, member + "keySchema.");
                else if (r.Is("Projection"u8)) projection = Projection(ref r, member);
                else if (readsThroughput && r.Is("ProvisionedThroughput"u8)) throughput = ProvisionedThroughput(ref r, member);
                else r.Skip();
            }
            indexes.Add(entry(name, keySchema, projection, throughput));
        }
        return indexes;
    }

    // {ProjectionType, NonKeyAttributes} of the secondary index whose path is `member` ("localSecondaryIndexes.1.member.").
    // An absent ProjectionType stays null (the engine answers DynamoDB's "Unknown ProjectionType: null"); a value
    // outside the set is an enum constraint at '<member>projection.projectionType'.
    private static Projection? Projection(ref ShapeReader r, string member)
    {
        if (!r.BeginStructure()) return null;
        var projection = new Projection();
        while (r.NextMember())
        {
            if (r.Is("ProjectionType"u8))
                projection.ProjectionType = r.Enum(WireEnums.ProjectionType, member, "projection.projectionType");
            else if (r.Is("NonKeyAttributes"u8)) projection.NonKeyAttributes = StringList(ref r);
            else r.Skip();
        }
        return projection;
    }

    // {ReadCapacityUnits, WriteCapacityUnits}, both required (the engine checks that they are at least 1). `member` is
    // the path of the structure that holds it: empty for the table's, "globalSecondaryIndexes.1.member." for an index's.
    private static ProvisionedThroughput? ProvisionedThroughput(ref ShapeReader r, string member = "")
    {
        if (!r.BeginStructure()) return null;
        long? read = null, write = null;
        while (r.NextMember())
        {
            if (r.Is("ReadCapacityUnits"u8)) read = r.Long();
            else if (r.Is("WriteCapacityUnits"u8)) write = r.Long();
            else r.Skip();
        }
        if (read is null) r.NotNull(member, "provisionedThroughput.readCapacityUnits");
        if (write is null) r.NotNull(member, "provisionedThroughput.writeCapacityUnits");
        return read is null || write is null ? null : new ProvisionedThroughput(read.Value, write.Value);
    }

    // ---- members shared by the item and read operations ----

    // ExpressionAttributeNames: placeholder -> name. A null name is dropped (an absent entry).
    private static Dictionary<string, string>? StringMap(ref ShapeReader r)
    {
        if (!r.BeginMap()) return null;
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        while (r.NextMember())
        {
            string key = r.MemberName();
            if (r.String() is string value) map[key] = value;
        }
        return map;
    }

    // AttributesToGet, NonKeyAttributes. A null element stays null, for the engine to refuse with DynamoDB's message.
    private static List<string>? StringList(ref ShapeReader r)
    {
        if (!r.BeginList()) return null;
        var list = new List<string>();
        while (r.NextElement()) list.Add(r.CurrentString()!);
        return list;
    }

    private static Dictionary<string, AttributeValue>? ExpressionValues(ref ShapeReader r)
    {
        r.Context = ValueContext.ExpressionValues;
        var values = AttributeValueJson.ReadMap(ref r);
        r.Context = ValueContext.Plain;
        r.ContextKey = null;
        return values;
    }

    private static Dictionary<string, AttributeValue>? StartKey(ref ShapeReader r)
    {
        r.Context = ValueContext.StartKey;
        var key = AttributeValueJson.ReadMap(ref r);
        r.Context = ValueContext.Plain;
        return key;
    }

    // AttributeValueList of a legacy condition.
    private static List<AttributeValue>? ValueList(ref ShapeReader r)
    {
        if (!r.BeginList()) return null;
        var list = new List<AttributeValue>(2);
        while (r.NextElement()) list.Add(AttributeValueJson.ReadCurrentValue(ref r));
        return list;
    }

    // Expected: name -> {Value, Exists, ComparisonOperator, AttributeValueList}. A null entry stays null (the engine
    // reads it as an empty condition and refuses it with DynamoDB's message).
    private static Dictionary<string, ExpectedAttributeValue>? Expected(ref ShapeReader r)
    {
        if (!r.BeginMap()) return null;
        var expected = new Dictionary<string, ExpectedAttributeValue>(StringComparer.Ordinal);
        while (r.NextMember())
        {
            string name = r.MemberName();
            if (!r.BeginStructure())
            {
                expected[name] = null!;
                continue;
            }
            var entry = new ExpectedAttributeValue();
            while (r.NextMember())
            {
                if (r.Is("Value"u8)) entry.Value = OptionalValue(ref r);
                else if (r.Is("Exists"u8)) entry.Exists = r.Boolean();
                else if (r.Is("ComparisonOperator"u8))
                    entry.ComparisonOperator = r.Enum(WireEnums.ComparisonOperator, "expected.", name, ".member.comparisonOperator");
                else if (r.Is("AttributeValueList"u8)) entry.AttributeValueList = ValueList(ref r);
                else r.Skip();
            }
            expected[name] = entry;
        }
        return expected;
    }

    // KeyConditions, QueryFilter, ScanFilter: name -> {ComparisonOperator, AttributeValueList}; `member` is the
    // parameter's name in DynamoDB's paths ("keyConditions.").
    private static Dictionary<string, LegacyCondition>? Conditions(ref ShapeReader r, string member)
    {
        if (!r.BeginMap()) return null;
        var conditions = new Dictionary<string, LegacyCondition>(StringComparer.Ordinal);
        while (r.NextMember())
        {
            string name = r.MemberName();
            if (!r.BeginStructure())
            {
                conditions[name] = null!;
                continue;
            }
            var condition = new LegacyCondition();
            while (r.NextMember())
            {
                if (r.Is("ComparisonOperator"u8))
                    condition.ComparisonOperator = r.Enum(WireEnums.ComparisonOperator, member, name, ".member.comparisonOperator");
                else if (r.Is("AttributeValueList"u8)) condition.AttributeValueList = ValueList(ref r);
                else r.Skip();
            }
            conditions[name] = condition;
        }
        return conditions;
    }

    // AttributeUpdates: name -> {Value, Action}.
    private static Dictionary<string, AttributeValueUpdate>? AttributeUpdates(ref ShapeReader r)
    {
        if (!r.BeginMap()) return null;
        var updates = new Dictionary<string, AttributeValueUpdate>(StringComparer.Ordinal);
        while (r.NextMember())
        {
            string name = r.MemberName();
            if (!r.BeginStructure())
            {
                updates[name] = null!;
                continue;
            }
            var update = new AttributeValueUpdate();
            while (r.NextMember())
            {
                if (r.Is("Value"u8)) update.Value = OptionalValue(ref r);
                else if (r.Is("Action"u8)) update.Action = r.Enum(WireEnums.AttributeAction, "attributeUpdates.", name, ".member.action");
                else r.Skip();
            }
            updates[name] = update;
        }
        return updates;
    }

    // A structure member holding one attribute value, where JSON null means the member is absent (Expected.Value,
    // AttributeValueUpdate.Value) rather than an empty value.
    private static AttributeValue? OptionalValue(ref ShapeReader r)
    {
        r.Advance();
        return r.Token == System.Text.Json.JsonTokenType.Null ? null : AttributeValueJson.ReadCurrentValue(ref r);
    }
}
