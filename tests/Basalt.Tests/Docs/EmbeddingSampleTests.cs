namespace Basalt.Tests.Docs;

// docs/embedding.md's sample runs and does what the page says: each step's printed line, exactly.
public class EmbeddingSampleTests
{
    [Fact]
    public async Task TheSampleRunsAndPrintsWhatTheDocsShow()
    {
        string folder = Directory.CreateTempSubdirectory("basalt-sample-test-").FullName;
        try
        {
            var output = new StringWriter { NewLine = "\n" };
            await Basalt.Embedding.Sample.Program.RunAsync(folder, output);
            Assert.Equal(
                """
                database: order 2 status=shipped
                database: second update refused: ConditionalCheckFailedException
                database: query orders>=2 count=2 totals=20.5,30.5
                cache: get session:42 Hit {"user":"alice"}
                cache: get-many hits=2 results=Hit,Miss,Hit
                cache: statistics hits=3 misses=1 entries=3
                durable-cache: after reopen config:flags=dark-mode=on

                """, output.ToString());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
