using Basalt.Server.Auth;

namespace Basalt.Tests.Server.Auth;

// The auth file's format (AuthFile.cs header): what it accepts, and the error that names the member at fault for
// each thing it refuses.
public class AuthFileTests
{
    [Fact]
    public void Keys_their_secrets_and_tables_are_read()
    {
        var file = AuthFile.Parse(AuthTestKit.FileJson, "auth.json");
        Assert.Equal(2, file.Count);
        Assert.True(file.TryGetKey(AuthTestKit.OrdersKey, out var orders));
        Assert.Equal(AuthTestKit.OrdersSecret, orders.SecretAccessKey);
        Assert.True(orders.MayTouch("Orders"));
        Assert.False(orders.MayTouch("orders")); // table names are case-sensitive, as DynamoDB's
        Assert.False(orders.MayTouch("Customers"));
        Assert.True(file.TryGetKey(AuthTestKit.AdminKey, out var admin));
        Assert.Null(admin.Tables);
        Assert.True(admin.MayTouch("Anything"));
        Assert.False(file.TryGetKey("BASALT", out _)); // access key ids too
    }

    [Fact]
    public void An_empty_table_list_is_a_key_for_table_less_operations_only()
    {
        var file = AuthFile.Parse("""{"keys":[{"accessKeyId":"lister","secretAccessKey":"s","tables":[]}]}""", "auth.json");
        Assert.True(file.TryGetKey("lister", out var key));
        Assert.False(key.MayTouch("Orders"));
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[]", "must be a JSON object")]
    [InlineData("""{"key":[]}""", "unknown member \"key\"")]
    [InlineData("""{"keys":[]}""", "\"keys\" is empty")]
    [InlineData("""{"keys":{}}""", "\"keys\" must be a list")]
    [InlineData("""{"keys":[{"secretAccessKey":"s","tables":["*"]}]}""", "keys[0]: accessKeyId is missing")]
    [InlineData("""{"keys":[{"accessKeyId":"a/b","secretAccessKey":"s","tables":["*"]}]}""", "keys[0]: accessKeyId \"a/b\" must be")]
    [InlineData("""{"keys":[{"accessKeyId":"a","tables":["*"]}]}""", "keys[0]: secretAccessKey is missing")]
    [InlineData("""{"keys":[{"accessKeyId":"a","secretAccessKey":"","tables":["*"]}]}""", "keys[0]: secretAccessKey must be")]
    [InlineData("""{"keys":[{"accessKeyId":"a","secretAccessKey":"s"}]}""", "keys[0]: tables is missing")]
    [InlineData("""{"keys":[{"accessKeyId":"a","secretAccessKey":"s","tables":"*"}]}""", "keys[0].tables: must be a list")]
    [InlineData("""{"keys":[{"accessKeyId":"a","secretAccessKey":"s","tables":["ab"]}]}""", "keys[0].tables[0]: \"ab\" is neither")]
    [InlineData("""{"keys":[{"accessKeyId":"a","secretAccessKey":"s","tables":["Orders",7]}]}""", "keys[0].tables[1]: must be a string")]
    [InlineData("""{"keys":[{"accessKeyId":"a","secretAccessKey":"s","table":["*"]}]}""", "keys[0]: unknown member \"table\"")]
    [InlineData("""{"keys":[{"accessKeyId":"a","secretAccessKey":"s","tables":["*"]},{"accessKeyId":"a","secretAccessKey":"t","tables":[]}]}""",
        "keys[1]: accessKeyId \"a\" appears twice")]
    public void A_file_off_the_spec_is_refused_naming_the_member(string json, string expected)
    {
        var e = Assert.Throws<AuthFileException>(() => AuthFile.Parse(json, "/etc/basalt/auth.json"));
        Assert.StartsWith("auth file /etc/basalt/auth.json: ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_missing_file_is_refused_with_its_path()
    {
        string path = Path.Combine(Path.GetTempPath(), $"basalt-no-such-{Guid.NewGuid():N}.json");
        var e = Assert.Throws<AuthFileException>(() => AuthFile.Load(path));
        Assert.Equal(path, e.Path);
        Assert.Contains("cannot read it", e.Message);
    }
}
