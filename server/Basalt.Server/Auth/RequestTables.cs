using System.Text.Json;
using Basalt.Server.DynamoApi;

namespace Basalt.Server.Auth;

// The tables a request body names, read before the operation runs so SigV4Verifier can check them against the
// access key's list. One Utf8JsonReader pass over the top-level members, values it does not need skipped; nothing
// is built but the names. Stateless; any thread.
//
// Where DynamoDB's operations name tables:
// - TableName (every single-table operation; a table ARN is also accepted there, so an ARN is reduced to its name);
// - the keys of RequestItems (BatchGetItem, BatchWriteItem);
// - TableName inside each TransactItems entry (TransactGetItems: {"Get": {...}}, TransactWriteItems: {"Put": ...});
// - ResourceArn (TagResource, UntagResource, ListTagsOfResource, the resource-policy operations).
// Every occurrence counts, duplicates included: a body with two TableName members is checked for both, whichever
// one the operation's reader keeps. A ResourceArn that names no table makes the result Unknown; so does anything
// the reader cannot see into (the table of a PartiQL statement), which the verifier treats as "not this key's".
internal static class RequestTables
{
    public enum Outcome : byte
    {
        Read = 0,
        Unknown = 1,
        Malformed = 2,
    }

    // Adds the table names `body` names to `tables`. Malformed: `error` says why, in the words ShapeReader uses.
    public static Outcome Read(ReadOnlySpan<byte> body, List<string> tables, out string? error)
    {
        error = null;
        var outcome = Outcome.Read;
        try
        {
            var json = new Utf8JsonReader(body, ShapeReader.Options);
            if (!json.Read() || json.TokenType != JsonTokenType.StartObject)
            {
                // Empty, null or not an object: the operation's reader answers it; no table is named.
                return Outcome.Read;
            }
            while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
            {
                if (json.ValueTextEquals("TableName"u8))
                {
                    json.Read();
                    if (json.TokenType == JsonTokenType.String) tables.Add(TableOf(json.GetString()!));
                    else json.Skip();
                }
                else if (json.ValueTextEquals("RequestItems"u8))
                {
                    json.Read();
                    if (json.TokenType != JsonTokenType.StartObject)
                    {
                        json.Skip();
                        continue;
                    }
                    while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
                    {
                        tables.Add(TableOf(json.GetString()!));
                        json.Read();
                        json.Skip();
                    }
                }
                else if (json.ValueTextEquals("TransactItems"u8))
                {
                    json.Read();
                    ReadTransactItems(ref json, tables);
                }
                else if (json.ValueTextEquals("ResourceArn"u8))
                {
                    json.Read();
                    if (json.TokenType == JsonTokenType.String)
                    {
                        string arn = json.GetString()!;
                        if (TryTableOfArn(arn, out string? table)) tables.Add(table);
                        else outcome = Outcome.Unknown;
                    }
                    else json.Skip();
                }
                else
                {
                    json.Read();
                    json.Skip();
                }
            }
            // The rest of the document must still be well-formed JSON: the operation's reader will read all of it.
            while (json.Read()) { }
            return outcome;
        }
        catch (JsonException e)
        {
            error = "The request body is not valid JSON: " + e.Message;
            return Outcome.Malformed;
        }
    }

    // TransactItems: [{"Put"|"Update"|"Delete"|"ConditionCheck"|"Get": {"TableName": ..., ...}}, ...]
    private static void ReadTransactItems(ref Utf8JsonReader json, List<string> tables)
    {
        if (json.TokenType != JsonTokenType.StartArray)
        {
            json.Skip();
            return;
        }
        while (json.Read() && json.TokenType != JsonTokenType.EndArray)
        {
            if (json.TokenType != JsonTokenType.StartObject)
            {
                json.Skip();
                continue;
            }
            while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
            {
                json.Read();
                if (json.TokenType != JsonTokenType.StartObject)
                {
                    json.Skip();
                    continue;
                }
                while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
                {
                    bool isTable = json.ValueTextEquals("TableName"u8);
                    json.Read();
                    if (isTable && json.TokenType == JsonTokenType.String) tables.Add(TableOf(json.GetString()!));
                    else json.Skip();
                }
            }
        }
    }

    // A table name, or a table ARN reduced to its name.
    private static string TableOf(string name) => name.StartsWith("arn:", StringComparison.Ordinal) && TryTableOfArn(name, out string? table) ? table : name;

    // arn:<partition>:dynamodb:<region>:<account>:table/<name>[/index/...|/stream/...]
    private static bool TryTableOfArn(string arn, out string table)
    {
        table = "";
        string[] parts = arn.Split(':', 6);
        if (parts.Length != 6 || parts[0] != "arn" || parts[2] != "dynamodb" || !parts[5].StartsWith("table/", StringComparison.Ordinal)) return false;
        string rest = parts[5]["table/".Length..];
        int slash = rest.IndexOf('/');
        table = slash < 0 ? rest : rest[..slash];
        return table.Length > 0;
    }
}
