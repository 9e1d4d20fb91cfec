using Basalt.Engine.Model;

namespace Basalt.Tests.Model;

// The encoding is persisted in every stored item: these bytes must never change (docs/item-format.md).
public class ItemFormatTests
{
    [Fact]
    public void GoldenBytesOfTheDocumentedExample()
    {
        using var writer = new ItemWriter();
        writer.BeginItem();
        writer.WriteName("b"u8); writer.WriteNumber("7"u8);
        writer.WriteName("a"u8); writer.WriteBool(true);
        byte[] expected =
        [
            0x01,
            0x01, 0, 0, 0, (byte)'b', 0x02, 0x01, 0, 0, 0, (byte)'7',
            0x01, 0, 0, 0, (byte)'a', 0x04, 0x01,
            0x0B, 0, 0, 0, 0x00, 0, 0, 0,
            0x02, 0, 0, 0,
        ];
        Assert.Equal(expected, writer.EndItem().ToArray());
    }

    [Fact]
    public void GoldenBytesOfContainers()
    {
        using var writer = new ItemWriter();
        writer.BeginItem();
        writer.WriteName("l"u8);
        writer.BeginList(); writer.WriteNull(); writer.EndList();
        writer.WriteName("s"u8);
        writer.BeginSet(AttributeType.SS); writer.WriteString("y"u8); writer.WriteString("x"u8); writer.EndSet();
        byte[] expected =
        [
            0x01,
            // "l": L [NULL]: body = NULL, table [0], count 1
            0x01, 0, 0, 0, (byte)'l', 0x07, 0x09, 0, 0, 0, 0x05, 0, 0, 0, 0, 0x01, 0, 0, 0,
            // "s": SS ["y", "x"]: members in arrival order, table sorted ("x" at 5, "y" at 0), count 2
            0x01, 0, 0, 0, (byte)'s', 0x08, 0x16, 0, 0, 0,
            0x01, 0, 0, 0, (byte)'y', 0x01, 0, 0, 0, (byte)'x', 0x05, 0, 0, 0, 0x00, 0, 0, 0, 0x02, 0, 0, 0,
            // item table: "l" at 0, "s" at 19; count 2
            0x00, 0, 0, 0, 0x13, 0, 0, 0, 0x02, 0, 0, 0,
        ];
        Assert.Equal(expected, writer.EndItem().ToArray());
    }

    [Fact]
    public void TypeTagsNeverChange()
    {
        Assert.Equal(
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            new[] { AttributeType.S, AttributeType.N, AttributeType.B, AttributeType.Bool, AttributeType.Null, AttributeType.M,
                    AttributeType.L, AttributeType.SS, AttributeType.NS, AttributeType.BS }.Select(t => (int)t));
        Assert.Equal(1, ItemFormat.Version);
    }
}
