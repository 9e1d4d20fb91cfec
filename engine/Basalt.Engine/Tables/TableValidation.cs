using Basalt.Engine.Database;

namespace Basalt.Engine.Tables;

// DynamoDB's validation of the table operations, with its messages. Two stages, as DynamoDB's: first the
// member constraints of the API model (null, length, pattern, range), all collected into one
// "N validation error(s) detected: a; b" message; then the semantic rules, first failure wins. Stateless; any thread.
// Sources: DynamoDB's API reference and the messages real DynamoDB returns as recorded by dynalite's and moto's
// test suites (docs/database.md lists them).
internal static class TableValidation
{
    public const int TableNameLengthMin = 3;
    public const int TableNameLengthMax = 255;
    public const int AttributeNameLengthMax = 255; // key attribute names (DynamoDB: 1..255 for key and index attributes)
    public const long CapacityUnitsMax = 40_000; // DynamoDB's default per-table quota
    public const long AccountCapacityUnitsMax = 80_000; // DynamoDB's default per-account quota (DescribeLimits; not enforced)
    public const int ListTablesLimitMax = 100;
    public const int LocalIndexesMax = 5;
    public const int GlobalIndexesMax = 20;
    public const int NonKeyAttributesPerIndexMax = 20;
    public const int NonKeyAttributesTotalMax = 100;

    public static void CreateTable(CreateTableRequest r)
    {
        var errors = new Errors();
        TableName(errors, r.TableName, "tableName");
        if (r.AttributeDefinitions is null) errors.Add("Value null at 'attributeDefinitions' failed to satisfy constraint: Member must not be null");
        else
            for (int i = 0; i < r.AttributeDefinitions.Count; i++)
                AttributeName(errors, r.AttributeDefinitions[i]?.AttributeName, $"attributeDefinitions.{i + 1}.member.attributeName");
        if (r.KeySchema is null) errors.Add("Value null at 'keySchema' failed to satisfy constraint: Member must not be null");
        else
        {
            if (r.KeySchema.Count < 1)
                errors.Add($"Value '{List(r.KeySchema)}' at 'keySchema' failed to satisfy constraint: Member must have length greater than or equal to 1");
            if (r.KeySchema.Count > 2)
                errors.Add($"Value '{List(r.KeySchema)}' at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to 2");
            for (int i = 0; i < r.KeySchema.Count; i++)
                AttributeName(errors, r.KeySchema[i]?.AttributeName, $"keySchema.{i + 1}.member.attributeName");
        }
        if (r.LocalSecondaryIndexes is { } lsis)
            for (int i = 0; i < lsis.Count; i++)
                IndexMembers(errors, lsis[i] is { } l ? (l.IndexName, l.KeySchema, l.Projection) : null, $"localSecondaryIndexes.{i + 1}.member");
        if (r.GlobalSecondaryIndexes is { } gsis)
            for (int i = 0; i < gsis.Count; i++)
            {
                IndexMembers(errors, gsis[i] is { } g ? (g.IndexName, g.KeySchema, g.Projection) : null, $"globalSecondaryIndexes.{i + 1}.member");
                if (gsis[i]?.ProvisionedThroughput is { } t) ProvisionedThroughput(errors, t, $"globalSecondaryIndexes.{i + 1}.member.provisionedThroughput");
            }
        ProvisionedThroughput(errors, r.ProvisionedThroughput);
        errors.ThrowIfAny();

        var keySchema = r.KeySchema!;
        var definitions = r.AttributeDefinitions!;
        for (int i = 0; i < definitions.Count; i++)
            for (int j = 0; j < i; j++)
                if (definitions[i].AttributeName == definitions[j].AttributeName)
                    throw new ValidationException("Cannot have two attributes with the same name");
        if (keySchema[0].KeyType != KeyType.Hash)
            throw new ValidationException("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
        if (keySchema.Count == 2)
        {
            if (keySchema[1].KeyType != KeyType.Range)
                throw new ValidationException("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
            if (keySchema[0].AttributeName == keySchema[1].AttributeName)
                throw new ValidationException("Both the Hash Key and the Range Key element in the KeySchema have the same name");
        }
        if (r.LocalSecondaryIndexes is not null || r.GlobalSecondaryIndexes is not null)
            Indexes(r.LocalSecondaryIndexes, r.GlobalSecondaryIndexes, keySchema, definitions, r.BillingMode ?? BillingMode.Provisioned);
        else
        {
            // Without indexes every definition must be a key attribute and every key attribute defined (moto records
            // real DynamoDB's three messages for the three ways this fails).
            if (definitions.Count > keySchema.Count)
                throw new ValidationException("One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions");
        }
        var missing = keySchema.Where(k => !definitions.Any(d => d.AttributeName == k.AttributeName)).Select(k => k.AttributeName).ToList();
        if (missing.Count > 0)
        {
            if (definitions.Count < keySchema.Count)
                throw new ValidationException("Invalid KeySchema: Some index key attribute have no definition");
            throw new ValidationException("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. " +
                $"Keys: [{string.Join(", ", missing)}], AttributeDefinitions: [{string.Join(", ", definitions.Select(d => d.AttributeName))}]");
        }

        var mode = r.BillingMode ?? BillingMode.Provisioned;
        if (mode == BillingMode.PayPerRequest && r.ProvisionedThroughput is not null)
            throw new ValidationException("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
        if (mode == BillingMode.Provisioned && r.ProvisionedThroughput is null)
            throw new ValidationException("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
        ThroughputBounds(r.ProvisionedThroughput);
        // TagResource's rules, except that an empty list is accepted (as DynamoDB accepts it here).
        if (r.Tags is { Count: > 0 }) TagValidation.Tags(r.Tags);
    }

    // The member constraints of one LocalSecondaryIndexes or GlobalSecondaryIndexes entry (collected with the
    // request's others).
    private static void IndexMembers(Errors errors, (string? IndexName, List<KeySchemaElement>? KeySchema, Projection? Projection)? entry, string member)
    {
        if (entry is not { } index)
        {
            errors.Add($"Value null at '{member}' failed to satisfy constraint: Member must not be null");
            return;
        }
        if (index.IndexName is null) errors.Add($"Value null at '{member}.indexName' failed to satisfy constraint: Member must not be null");
        else IndexName(errors, index.IndexName, $"{member}.indexName");
        if (index.KeySchema is null) errors.Add($"Value null at '{member}.keySchema' failed to satisfy constraint: Member must not be null");
        else
        {
            if (index.KeySchema.Count < 1)
                errors.Add($"Value '{List(index.KeySchema)}' at '{member}.keySchema' failed to satisfy constraint: Member must have length greater than or equal to 1");
            if (index.KeySchema.Count > 2)
                errors.Add($"Value '{List(index.KeySchema)}' at '{member}.keySchema' failed to satisfy constraint: Member must have length less than or equal to 2");
            for (int i = 0; i < index.KeySchema.Count; i++)
                AttributeName(errors, index.KeySchema[i]?.AttributeName, $"{member}.keySchema.{i + 1}.member.attributeName");
        }
        if (index.Projection is null) errors.Add($"Value null at '{member}.projection' failed to satisfy constraint: Member must not be null");
        else if (index.Projection.NonKeyAttributes is { } nonKey)
        {
            if (nonKey.Count < 1)
                errors.Add($"Value '[]' at '{member}.projection.nonKeyAttributes' failed to satisfy constraint: Member must have length greater than or equal to 1");
            if (nonKey.Count > NonKeyAttributesPerIndexMax)
                errors.Add($"Value '[{string.Join(", ", nonKey)}]' at '{member}.projection.nonKeyAttributes' failed to satisfy constraint: Member must have length less than or equal to {NonKeyAttributesPerIndexMax}");
        }
    }

    // A table's or an index's name: the same constraints (3..255 of [a-zA-Z0-9_.-]).
    private static void IndexName(Errors errors, string name, string member)
    {
        if (!IsTableNamePattern(name))
            errors.Add($"Value '{name}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
        if (name.Length < TableNameLengthMin)
            errors.Add($"Value '{name}' at '{member}' failed to satisfy constraint: Member must have length greater than or equal to {TableNameLengthMin}");
        if (name.Length > TableNameLengthMax)
            errors.Add($"Value '{name}' at '{member}' failed to satisfy constraint: Member must have length less than or equal to {TableNameLengthMax}");
    }

    // The semantic rules of secondary indexes, in the order DynamoDB applies them as far as its recorded answers show
    // (docs/database.md, "Secondary indexes", lists the sources).
    private static void Indexes(List<LocalSecondaryIndex>? locals, List<GlobalSecondaryIndex>? globals, List<KeySchemaElement> keySchema,
        List<AttributeDefinition> definitions, BillingMode mode)
    {
        const string Invalid = "One or more parameter values were invalid: ";
        if (locals is { Count: 0 }) throw new ValidationException(Invalid + "List of LocalSecondaryIndexes is empty");
        if (globals is { Count: 0 }) throw new ValidationException(Invalid + "List of GlobalSecondaryIndexes is empty");
        locals ??= [];
        globals ??= [];
        if (locals.Count > 0 && keySchema.Count < 2)
            throw new ValidationException(Invalid + "Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex");
        if (locals.Count > LocalIndexesMax)
            throw new ValidationException(Invalid + $"Number of LocalSecondaryIndexes exceeds per-table limit of {LocalIndexesMax}");
        if (globals.Count > GlobalIndexesMax)
            throw new ValidationException(Invalid + $"GlobalSecondaryIndex count exceeds the per-table limit of {GlobalIndexesMax}");
        foreach (var index in locals)
        {
            var keys = index.KeySchema!;
            KeyOrderOf(keys);
            if (keys.Count < 2) throw new ValidationException(Invalid + $"Index KeySchema does not have a range key for index: {index.IndexName}");
            if (keys[0].AttributeName != keySchema[0].AttributeName)
                throw new ValidationException(Invalid + $"Index KeySchema does not have the same leading hash key as table KeySchema for index: {index.IndexName}. " +
                    $"index hash key: {keys[0].AttributeName}, table hash key: {keySchema[0].AttributeName}");
        }
        foreach (var index in globals) KeyOrderOf(index.KeySchema!);
        var all = locals.Select(i => (Name: i.IndexName!, Keys: i.KeySchema!, Projection: i.Projection!))
            .Concat(globals.Select(i => (Name: i.IndexName!, Keys: i.KeySchema!, Projection: i.Projection!))).ToList();
        // With indexes, every definition must be a key attribute of the table or of an index.
        var used = keySchema.Select(k => k.AttributeName).Concat(all.SelectMany(i => i.Keys).Select(k => k.AttributeName)).Distinct().ToList();
        if (definitions.Any(d => !used.Contains(d.AttributeName)))
            throw new ValidationException(Invalid + $"Some AttributeDefinitions are not used. AttributeDefinitions: [{string.Join(", ", definitions.Select(d => d.AttributeName))}], keys used: [{string.Join(", ", used)}]");
        foreach (var index in all)
            if (index.Keys.Any(k => !definitions.Any(d => d.AttributeName == k.AttributeName)))
                throw new ValidationException(Invalid + "Some index key attributes are not defined in AttributeDefinitions. " +
                    $"Keys: [{string.Join(", ", index.Keys.Select(k => k.AttributeName))}], AttributeDefinitions: [{string.Join(", ", definitions.Select(d => d.AttributeName))}]");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var index in all)
            if (!names.Add(index.Name)) throw new ValidationException(Invalid + $"Duplicate index name: {index.Name}");
        int projected = 0;
        foreach (var index in all)
        {
            var projection = index.Projection;
            if (projection.ProjectionType is not { } type) throw new ValidationException(Invalid + "Unknown ProjectionType: null");
            if (type == ProjectionType.Include && projection.NonKeyAttributes is null)
                throw new ValidationException(Invalid + "ProjectionType is INCLUDE, but NonKeyAttributes is not specified");
            if (type != ProjectionType.Include && projection.NonKeyAttributes is not null)
                throw new ValidationException(Invalid + $"ProjectionType is {type.WireName()}, but NonKeyAttributes is specified");
            if (projection.NonKeyAttributes is { } nonKey)
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var name in nonKey)
                {
                    if (string.IsNullOrEmpty(name) || name.Length > AttributeNameLengthMax)
                        throw new ValidationException(Invalid + $"Invalid NonKeyAttributes name: {name}");
                    if (!seen.Add(name)) throw new ValidationException(Invalid + $"Duplicate element in NonKeyAttributes: {name}");
                }
                projected += nonKey.Count;
            }
        }
        if (projected > NonKeyAttributesTotalMax)
            throw new ValidationException(Invalid + $"Number of projected attributes in all indexes exceeds limit of {NonKeyAttributesTotalMax}");
        foreach (var index in globals)
        {
            if (mode == BillingMode.PayPerRequest && index.ProvisionedThroughput is not null)
                throw new ValidationException(Invalid + $"ProvisionedThroughput should not be specified for index: {index.IndexName} when BillingMode is PAY_PER_REQUEST");
            if (mode == BillingMode.Provisioned && index.ProvisionedThroughput is null)
                throw new ValidationException(Invalid + $"ProvisionedThroughput is not specified for index: {index.IndexName}");
            ThroughputBounds(index.ProvisionedThroughput);
        }
    }

    // UpdateTable's GlobalSecondaryIndexUpdates, before the table is looked at: one update of exactly one kind, with its
    // members' constraints (a create's as CreateTable's).
    public static void GlobalIndexUpdates(UpdateTableRequest r)
    {
        var updates = r.GlobalSecondaryIndexUpdates!;
        var errors = new Errors();
        for (int i = 0; i < updates.Count; i++)
        {
            string member = $"globalSecondaryIndexUpdates.{i + 1}.member";
            var u = updates[i];
            if (u is null)
            {
                errors.Add($"Value null at '{member}' failed to satisfy constraint: Member must not be null");
                continue;
            }
            if (u.Create is { } c)
            {
                IndexMembers(errors, (c.IndexName, c.KeySchema, c.Projection), $"{member}.create");
                if (c.ProvisionedThroughput is { } t) ProvisionedThroughput(errors, t, $"{member}.create.provisionedThroughput");
            }
            if (u.Update is { } up)
            {
                if (up.IndexName is null) errors.Add($"Value null at '{member}.update.indexName' failed to satisfy constraint: Member must not be null");
                else IndexName(errors, up.IndexName, $"{member}.update.indexName");
                if (up.ProvisionedThroughput is null) errors.Add($"Value null at '{member}.update.provisionedThroughput' failed to satisfy constraint: Member must not be null");
                else ProvisionedThroughput(errors, up.ProvisionedThroughput, $"{member}.update.provisionedThroughput");
            }
            if (u.Delete is { } d)
            {
                if (d.IndexName is null) errors.Add($"Value null at '{member}.delete.indexName' failed to satisfy constraint: Member must not be null");
                else IndexName(errors, d.IndexName, $"{member}.delete.indexName");
            }
        }
        errors.ThrowIfAny();
        if (updates.Count == 0)
            throw new ValidationException("One or more parameter values were invalid: GlobalSecondaryIndexUpdates must contain at least one update");
        if (updates.Count > 1)
            throw new ValidationException("One or more parameter values were invalid: Only one global secondary index update is allowed per UpdateTable call");
        var only = updates[0];
        if ((only.Create is null ? 0 : 1) + (only.Update is null ? 0 : 1) + (only.Delete is null ? 0 : 1) != 1)
            throw new ValidationException("One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate.Create, Update or Delete must be specified, and only one");
        if (only.Create is { } create)
        {
            KeyOrderOf(create.KeySchema!);
            var projection = create.Projection!;
            if (projection.ProjectionType is not { } type) throw new ValidationException("One or more parameter values were invalid: Unknown ProjectionType: null");
            if (type == ProjectionType.Include && projection.NonKeyAttributes is null)
                throw new ValidationException("One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified");
            if (type != ProjectionType.Include && projection.NonKeyAttributes is not null)
                throw new ValidationException($"One or more parameter values were invalid: ProjectionType is {type.WireName()}, but NonKeyAttributes is specified");
            ThroughputBounds(create.ProvisionedThroughput);
        }
        if (only.Update?.ProvisionedThroughput is { } throughput) ThroughputBounds(throughput);
    }

    // The table's attribute definitions with those the new index's keys need: each key attribute must be defined in
    // the request (a table's existing definition must not change type), and the request may define nothing else.
    public static List<AttributeDefinition> MergeDefinitions(TableDefinition table, GlobalSecondaryIndex create, List<AttributeDefinition>? given)
    {
        var merged = table.AttributeDefinitions.ToList();
        given ??= [];
        foreach (var key in create.KeySchema!)
        {
            var definition = given.FirstOrDefault(d => d?.AttributeName == key.AttributeName);
            if (definition is null)
                throw new ValidationException("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. " +
                    $"Keys: [{string.Join(", ", create.KeySchema!.Select(k => k.AttributeName))}], AttributeDefinitions: [{string.Join(", ", given.Select(d => d?.AttributeName))}]");
            var existing = merged.FirstOrDefault(d => d.AttributeName == key.AttributeName);
            if (existing is not null && existing.AttributeType != definition.AttributeType)
                throw new ValidationException($"One or more parameter values were invalid: Cannot change the type of attribute {key.AttributeName} from {existing.AttributeType} to {definition.AttributeType}");
            if (existing is null) merged.Add(definition);
        }
        return merged;
    }

    private static void KeyOrderOf(List<KeySchemaElement> keys)
    {
        if (keys[0].KeyType != KeyType.Hash) throw new ValidationException("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
        if (keys.Count < 2) return;
        if (keys[1].KeyType != KeyType.Range) throw new ValidationException("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
        if (keys[0].AttributeName == keys[1].AttributeName)
            throw new ValidationException("Both the Hash Key and the Range Key element in the KeySchema have the same name");
    }

    // Validates the request against the current table and returns the new billing mode and throughput.
    public static (BillingMode Mode, ProvisionedThroughput Throughput) UpdateTable(UpdateTableRequest r, TableDefinition current)
    {
        if (r.BillingMode is null && r.ProvisionedThroughput is null && r.GlobalSecondaryIndexUpdates is null)
            throw new ValidationException("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required");
        var mode = r.BillingMode ?? current.BillingMode;
        if (mode == BillingMode.PayPerRequest)
        {
            if (r.ProvisionedThroughput is not null)
                throw new ValidationException("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
            return (mode, new ProvisionedThroughput(0, 0));
        }
        if (r.ProvisionedThroughput is null)
        {
            if (current.BillingMode == BillingMode.PayPerRequest)
                throw new ValidationException("One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED");
            return (mode, current.Throughput); // PROVISIONED again, nothing else: DynamoDB accepts it
        }
        ThroughputBounds(r.ProvisionedThroughput);
        var t = r.ProvisionedThroughput;
        if (current.BillingMode == BillingMode.Provisioned && t == current.Throughput)
            throw new ValidationException("The provisioned throughput for the table will not change. The requested value equals the current value. " +
                $"Current ReadCapacityUnits provisioned for the table: {current.Throughput.ReadCapacityUnits}. Requested ReadCapacityUnits: {t.ReadCapacityUnits}. " +
                $"Current WriteCapacityUnits provisioned for the table: {current.Throughput.WriteCapacityUnits}. Requested WriteCapacityUnits: {t.WriteCapacityUnits}. " +
                "Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.");
        return (mode, t);
    }

    public static void ListTables(ListTablesRequest r)
    {
        var errors = new Errors();
        if (r.ExclusiveStartTableName is not null) TableName(errors, r.ExclusiveStartTableName, "exclusiveStartTableName");
        if (r.Limit is int limit)
        {
            if (limit < 1) errors.Add($"Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1");
            if (limit > ListTablesLimitMax) errors.Add($"Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to {ListTablesLimitMax}");
        }
        errors.ThrowIfAny();
    }

    // IndexName of Query and Scan: the member constraints (a name that passes them and is not the table's gets
    // "The table does not have the specified index").
    public static void IndexNameMember(string name)
    {
        var errors = new Errors();
        IndexName(errors, name, "indexName");
        errors.ThrowIfAny();
    }

    // The table name of every other operation (DescribeTable, UpdateTable, DeleteTable, item operations).
    public static void TableName(string? name)
    {
        var errors = new Errors();
        TableName(errors, name, "tableName");
        errors.ThrowIfAny();
    }

    private static void TableName(Errors errors, string? name, string member)
    {
        if (name is null) errors.Add($"Value null at '{member}' failed to satisfy constraint: Member must not be null");
        else IndexName(errors, name, member);
    }

    public static bool IsTableNamePattern(string name)
    {
        if (name.Length == 0) return false;
        foreach (char c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-')) return false;
        return true;
    }

    private static void AttributeName(Errors errors, string? name, string member)
    {
        if (name is null) errors.Add($"Value null at '{member}' failed to satisfy constraint: Member must not be null");
        else if (name.Length < 1) errors.Add($"Value '{name}' at '{member}' failed to satisfy constraint: Member must have length greater than or equal to 1");
        else if (name.Length > AttributeNameLengthMax) errors.Add($"Value '{name}' at '{member}' failed to satisfy constraint: Member must have length less than or equal to {AttributeNameLengthMax}");
    }

    private static void ProvisionedThroughput(Errors errors, ProvisionedThroughput? t, string member = "provisionedThroughput")
    {
        if (t is null) return;
        if (t.ReadCapacityUnits < 1)
            errors.Add($"Value '{t.ReadCapacityUnits}' at '{member}.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1");
        if (t.WriteCapacityUnits < 1)
            errors.Add($"Value '{t.WriteCapacityUnits}' at '{member}.writeCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1");
    }

    private static void ThroughputBounds(ProvisionedThroughput? t)
    {
        if (t is null) return;
        var errors = new Errors();
        ProvisionedThroughput(errors, t);
        errors.ThrowIfAny();
        if (t.ReadCapacityUnits > CapacityUnitsMax)
            throw new ValidationException($"One or more parameter values were invalid: Given value {t.ReadCapacityUnits} for ReadCapacityUnits is out of bounds");
        if (t.WriteCapacityUnits > CapacityUnitsMax)
            throw new ValidationException($"One or more parameter values were invalid: Given value {t.WriteCapacityUnits} for WriteCapacityUnits is out of bounds");
    }

    private static string List(IEnumerable<KeySchemaElement> elements) => "[" + string.Join(", ", elements) + "]";

    private sealed class Errors
    {
        private readonly List<string> _messages = [];

        public void Add(string message) => _messages.Add(message);

        public void ThrowIfAny()
        {
            if (_messages.Count == 0) return;
            string head = _messages.Count == 1 ? "1 validation error detected: " : $"{_messages.Count} validation errors detected: ";
            throw new ValidationException(head + string.Join("; ", _messages));
        }
    }
}
