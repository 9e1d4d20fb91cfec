using System.Buffers;
using System.Globalization;
using System.Text;
using Basalt.Engine.Database;

namespace Basalt.Engine.Tables;

// DynamoDB's validation of the tagging operations (TagResource, UntagResource, ListTagsOfResource, CreateTable's
// Tags) and of the table ARN they address, with DynamoDB's messages. Stateless; any thread.
//
// Order, as DynamoDB answers: ResourceArn absent ("Invalid TableArn"); member constraints collected into
// "N validation error(s) detected" (ResourceArn length 1..1283, Tags / TagKeys absent); the ARN's form; an empty
// list; then each tag in request order (key, then the aws: prefix, then value); duplicate keys; the count. The
// table's existence and the count after merging with its current tags are checked by the caller, under the
// catalog lock.
//
// Sources: the API reference (Tag: key 1..128, value 0..256; ResourceArn 1..1283), the developer guide's tagging
// restrictions (50 tags per resource, the character set, the reserved aws: prefix), and the messages real DynamoDB
// returns as recorded by dynalite's test suite (test/tagResource.js, untagResource.js, listTagsOfResource.js:
// "Invalid TableArn", "Atleast one Tag needs to be provided as Input.", the null-member messages) and by the
// ack-api-quirks findings of 2026 (DDB-TABLE-070/071/105/106/107/108/372: the Tag Key/Value, aws: prefix, duplicate
// and count messages, "ARNs must start with 'arn:'", "Access is denied", the charset accepted and refused).
// Not verified against DynamoDB: the message for an ARN of another region (Basalt answers "Invalid TableArn: ..."),
// the order of the duplicate check relative to the per-tag checks, a NextToken Basalt never issued (ignored).
internal static class TagValidation
{
    public const int TagsPerResourceMax = 50;
    public const int TagKeyLengthMax = 128;   // Unicode characters (code points)
    public const int TagValueLengthMax = 256; // Unicode characters (code points)
    public const int ResourceArnLengthMax = 1283;

    public const string CountExceeded = "Number of Tags exceed the current limit for the provided ResourceArn";

    // The table name an ARN addresses, after DynamoDB's checks of its form:
    //   arn:aws:dynamodb:<region>:<account>:table/<name>
    // with the database's own region and account. Index ARNs (table/<name>/index/<i>) are refused as not table ARNs,
    // as DynamoDB refuses them; a backup ARN is "not a DynamoDB resource arn"; a stream ARN is a resource Basalt
    // does not have (ResourceNotFoundException, as DynamoDB answers for one it cannot find).
    public static string TableName(string arn, DatabaseOptions options)
    {
        if (!arn.StartsWith("arn:", StringComparison.Ordinal))
            throw new ValidationException($"One or more parameter values were invalid: ARNs must start with 'arn:': {arn}");
        var parts = arn.Split(':', 6);
        if (parts.Length != 6 || parts[1] != "aws") throw InvalidArn(arn);
        if (parts[2] != "dynamodb")
            throw new ValidationException($"One or more parameter values were invalid: Provided Arn is not a DynamoDB resource arn: {arn}");
        string account = parts[4];
        if (account.Length == 0 || !account.All(char.IsAsciiDigit)) throw InvalidArn(arn);
        if (account != options.AccountId) throw new AccessDeniedException("Access is denied");
        if (parts[3] != options.Region) throw InvalidArn(arn);
        string resource = parts[5];
        if (!resource.StartsWith("table/", StringComparison.Ordinal)) throw InvalidArn(arn);
        string rest = resource["table/".Length..];
        int slash = rest.IndexOf('/');
        string name = slash < 0 ? rest : rest[..slash];
        if (!TableValidation.IsTableNamePattern(name) || name.Length is < TableValidation.TableNameLengthMin or > TableValidation.TableNameLengthMax)
            throw InvalidArn(arn);
        if (slash >= 0)
        {
            string sub = rest[(slash + 1)..];
            if (sub.StartsWith("backup/", StringComparison.Ordinal))
                throw new ValidationException($"One or more parameter values were invalid: Provided Arn is not a DynamoDB resource arn: {arn}");
            if (sub.StartsWith("stream/", StringComparison.Ordinal)) throw ResourceNotFoundException.Resource(arn);
            throw InvalidArn(arn);
        }
        return name;
    }

    // TagResource before the table is looked up. Returns the ARN's table name.
    public static string TagResource(TagResourceRequest r, DatabaseOptions options)
    {
        if (r.ResourceArn is null) throw new ValidationException("Invalid TableArn");
        var errors = new List<string>(2);
        ArnLength(errors, r.ResourceArn);
        if (r.Tags is null) errors.Add("Value null at 'tags' failed to satisfy constraint: Member must not be null");
        ThrowIfAny(errors);
        string name = TableName(r.ResourceArn, options);
        if (r.Tags!.Count == 0) throw new ValidationException("Atleast one Tag needs to be provided as Input.");
        Tags(r.Tags);
        return name;
    }

    // UntagResource before the table is looked up. Returns the ARN's table name.
    public static string UntagResource(UntagResourceRequest r, DatabaseOptions options)
    {
        if (r.ResourceArn is null) throw new ValidationException("Invalid TableArn");
        var errors = new List<string>(2);
        ArnLength(errors, r.ResourceArn);
        if (r.TagKeys is null) errors.Add("Value null at 'tagKeys' failed to satisfy constraint: Member must not be null");
        ThrowIfAny(errors);
        string name = TableName(r.ResourceArn, options);
        if (r.TagKeys!.Count == 0) throw new ValidationException("Atleast one Tag Key needs to be provided as Input.");
        foreach (var key in r.TagKeys) Key(key);
        // DynamoDB refuses more than 50 keys even though untagging only removes tags.
        if (r.TagKeys.Count > TagsPerResourceMax) throw new ValidationException(CountExceeded);
        return name;
    }

    public static string ListTagsOfResource(ListTagsOfResourceRequest r, DatabaseOptions options)
    {
        if (r.ResourceArn is null) throw new ValidationException("Invalid TableArn");
        var errors = new List<string>(1);
        ArnLength(errors, r.ResourceArn);
        ThrowIfAny(errors);
        return TableName(r.ResourceArn, options);
    }

    // A list of tags to add (TagResource, CreateTable): each tag, then duplicate keys, then the count.
    public static void Tags(IReadOnlyList<Tag> tags)
    {
        foreach (var tag in tags)
        {
            // A null element of the list is a tag with neither member.
            Key(tag?.Key);
            string? value = tag?.Value;
            if (value is null || !IsTagText(value, TagValueLengthMax))
                throw new ValidationException($"The Tag Value provided is invalid, Value: {value ?? "null"}");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tag in tags)
            if (!seen.Add(tag.Key)) throw new ValidationException($"Duplicate Tag Keys provided as input: Duplicate Tag Key found {tag.Key}");
        if (tags.Count > TagsPerResourceMax) throw new ValidationException(CountExceeded);
    }

    // The current tags with `added` merged in: an existing key keeps its place and takes the new value, a new key
    // goes last. Refused when the result has more than 50 tags (DynamoDB checks the merged set: re-tagging existing
    // keys at 50 is fine, any new key is not).
    public static List<Tag> Merge(IReadOnlyList<Tag> current, IReadOnlyList<Tag> added)
    {
        var merged = new List<Tag>(current);
        foreach (var tag in added)
        {
            int at = merged.FindIndex(t => t.Key == tag.Key);
            if (at >= 0) merged[at] = tag;
            else merged.Add(tag);
        }
        if (merged.Count > TagsPerResourceMax) throw new ValidationException(CountExceeded);
        return merged;
    }

    private static void Key(string? key)
    {
        if (key is null || key.Length == 0 || !IsTagText(key, TagKeyLengthMax))
            throw new ValidationException($"The Tag Key provided is invalid, Key: {key ?? "null"}");
        // Any case: DynamoDB refuses "AWS:foo" too, and accepts "myaws:foo".
        if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            throw new ValidationException($"Tag Key cannot be prefixed with aws:, Key: {key}");
    }

    // AWS's tag character set, [\p{L}\p{Z}\p{N}_.:/=+\-@]*: letters, separators (spaces, including no-break and
    // ideographic ones) and numbers of any script, and the seven punctuation marks. At most `lengthMax` code points;
    // an unpaired surrogate is refused.
    public static bool IsTagText(string text, int lengthMax)
    {
        var rest = text.AsSpan();
        int count = 0;
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out var rune, out int used) != OperationStatus.Done) return false;
            if (++count > lengthMax || !IsTagRune(rune)) return false;
            rest = rest[used..];
        }
        return true;
    }

    private static bool IsTagRune(Rune rune) => rune.Value is '_' or '.' or ':' or '/' or '=' or '+' or '-' or '@'
        || Rune.GetUnicodeCategory(rune) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
            or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
            or UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
            or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    private static void ArnLength(List<string> errors, string arn)
    {
        if (arn.Length < 1)
            errors.Add($"Value '{arn}' at 'resourceArn' failed to satisfy constraint: Member must have length greater than or equal to 1");
        if (arn.Length > ResourceArnLengthMax)
            errors.Add($"Value '{arn}' at 'resourceArn' failed to satisfy constraint: Member must have length less than or equal to {ResourceArnLengthMax}");
    }

    private static void ThrowIfAny(List<string> errors)
    {
        if (errors.Count == 0) return;
        string head = errors.Count == 1 ? "1 validation error detected: " : $"{errors.Count} validation errors detected: ";
        throw new ValidationException(head + string.Join("; ", errors));
    }

    private static ValidationException InvalidArn(string arn) => new($"Invalid TableArn: Invalid ResourceArn provided as input {arn}");
}
