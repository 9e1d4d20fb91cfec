using System.Text;
using System.Text.Json;

namespace Basalt.Server.Auth;

// The credentials file of `--auth FILE`: the access keys the server accepts, each key's secret, and the tables the
// key may touch. The header is the spec (docs/dynamodb-api.md has a copy):
//
//   {
//     "keys": [
//       { "accessKeyId": "AKIDORDERS", "secretAccessKey": "…", "tables": ["Orders", "Customers"] },
//       { "accessKeyId": "AKIDADMIN",  "secretAccessKey": "…", "tables": ["*"] }
//     ]
//   }
//
// - keys: at least one. accessKeyId: 1..128 characters of [A-Za-z0-9_.-] (it travels inside the SigV4 credential
//   scope, which '/' delimits), unique. secretAccessKey: 1..128 characters, any but control characters.
// - tables: DynamoDB table names (3..255 characters of [A-Za-z0-9_.-], matched exactly, case-sensitive) or "*" for
//   every table. An empty list is allowed: such a key may only call operations that name no table (ListTables).
// - Unknown members are an error, so a misspelt "table" cannot silently grant nothing (or everything). Comments
//   (// and /* */) and trailing commas are accepted: the file is written by hand.
//
// Read once at startup (BasaltServer.StartAsync); immutable afterwards, read by any request thread. A file that
// does not follow the spec fails the start with AuthFileException naming the file and the member at fault.
internal sealed class AuthFile
{
    private const int AccessKeyIdCharsMax = 128;
    private const int SecretCharsMax = 128;

    private readonly Dictionary<string, AuthKey> _keys;

    private AuthFile(Dictionary<string, AuthKey> keys) => _keys = keys;

    public int Count => _keys.Count;

    public bool TryGetKey(string accessKeyId, out AuthKey key) => _keys.TryGetValue(accessKeyId, out key!);

    public static AuthFile Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AuthFileException(path, $"cannot read it: {e.Message}");
        }
        return Parse(text, path);
    }

    // `source` names the file in errors.
    public static AuthFile Parse(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new AuthFileException(source, $"not valid JSON: {e.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new AuthFileException(source, "the file must be a JSON object with a \"keys\" list");
            JsonElement? keysList = null;
            foreach (var member in root.EnumerateObject())
            {
                if (member.NameEquals("keys")) keysList = member.Value;
                else throw new AuthFileException(source, $"unknown member \"{member.Name}\" (expected \"keys\")");
            }
            if (keysList is not { ValueKind: JsonValueKind.Array } list) throw new AuthFileException(source, "\"keys\" must be a list of keys");
            var keys = new Dictionary<string, AuthKey>(StringComparer.Ordinal);
            int index = 0;
            foreach (var element in list.EnumerateArray())
            {
                var key = ReadKey(element, source, $"keys[{index}]");
                if (!keys.TryAdd(key.AccessKeyId, key))
                    throw new AuthFileException(source, $"keys[{index}]: accessKeyId \"{key.AccessKeyId}\" appears twice");
                index++;
            }
            if (keys.Count == 0) throw new AuthFileException(source, "\"keys\" is empty: a server with --auth and no keys would refuse every request");
            return new AuthFile(keys);
        }
    }

    private static AuthKey ReadKey(JsonElement element, string source, string where)
    {
        if (element.ValueKind != JsonValueKind.Object) throw new AuthFileException(source, $"{where}: a key must be an object");
        string? id = null, secret = null;
        List<string>? tables = null;
        bool all = false;
        foreach (var member in element.EnumerateObject())
        {
            if (member.NameEquals("accessKeyId")) id = StringMember(member, source, where);
            else if (member.NameEquals("secretAccessKey")) secret = StringMember(member, source, where);
            else if (member.NameEquals("tables"))
            {
                if (member.Value.ValueKind != JsonValueKind.Array) throw new AuthFileException(source, $"{where}.tables: must be a list of table names or \"*\"");
                tables = [];
                int i = 0;
                foreach (var table in member.Value.EnumerateArray())
                {
                    string name = table.ValueKind == JsonValueKind.String ? table.GetString()! : throw new AuthFileException(source, $"{where}.tables[{i}]: must be a string");
                    if (name == "*") all = true;
                    else if (!IsTableName(name))
                        throw new AuthFileException(source, $"{where}.tables[{i}]: \"{name}\" is neither \"*\" nor a table name (3 to 255 characters of A-Z, a-z, 0-9, '_', '-', '.')");
                    else tables.Add(name);
                    i++;
                }
            }
            else throw new AuthFileException(source, $"{where}: unknown member \"{member.Name}\" (expected accessKeyId, secretAccessKey, tables)");
        }
        if (id is null) throw new AuthFileException(source, $"{where}: accessKeyId is missing");
        if (id.Length is 0 or > AccessKeyIdCharsMax || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            throw new AuthFileException(source, $"{where}: accessKeyId \"{id}\" must be 1 to {AccessKeyIdCharsMax} characters of A-Z, a-z, 0-9, '_', '-', '.'");
        if (secret is null) throw new AuthFileException(source, $"{where}: secretAccessKey is missing");
        if (secret.Length is 0 or > SecretCharsMax || secret.Any(char.IsControl))
            throw new AuthFileException(source, $"{where}: secretAccessKey must be 1 to {SecretCharsMax} characters with no control characters");
        if (tables is null) throw new AuthFileException(source, $"{where}: tables is missing (a list of table names, or [\"*\"] for all)");
        return new AuthKey(id, secret, all ? null : tables.ToHashSet(StringComparer.Ordinal));
    }

    private static string StringMember(JsonProperty member, string source, string where) =>
        member.Value.ValueKind == JsonValueKind.String ? member.Value.GetString()! : throw new AuthFileException(source, $"{where}.{member.Name}: must be a string");

    // DynamoDB's TableName constraint: [a-zA-Z0-9_.-]+, 3..255.
    private static bool IsTableName(string name) =>
        name.Length is >= 3 and <= 255 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');
}

// One access key of the auth file. Tables null means every table ("*").
internal sealed record AuthKey(string AccessKeyId, string SecretAccessKey, IReadOnlySet<string>? Tables)
{
    public bool MayTouch(string table) => Tables is null || Tables.Contains(table);
}

// An auth file that cannot be used; the server does not start. The message names the file and the member at fault.
public sealed class AuthFileException(string path, string reason) : Exception($"auth file {path}: {reason}")
{
    public string Path { get; } = path;
}
