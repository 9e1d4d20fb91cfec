using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Basalt.Engine.Database;
using Basalt.Engine.Storage;

namespace Basalt.Engine.Tables;

// The catalog's records in the storage engine: the spec (docs/database.md copies it). Stateless; any thread.
//
// All catalog records live under one system routing part, table id 0 (user tables start at 1), so they sit on one
// shard and a create (table record + next-id record) is one atomic write batch:
//   routing := [table id 0: u32 BE]
//   rest    := [0x00]                 the next-id record:  value := [format u8 = 1][next table id: u32 LE]
//            | [0x01][table name UTF-8] a table record:    value := Table
//            | [0x02][table id u32 BE]  a purge record:    value := [format u8 = 1]   (a deleted table whose items
//                                                          may remain; written with the table record's deletion,
//                                                          removed when the purge has finished)
// Table  := [format u8 = 1|2][table id u32][table UUID: 16 bytes][created: i64 unix ms]
//           [billing mode u8: 0 PROVISIONED, 1 PAY_PER_REQUEST][read units i64][write units i64]
//           [last update to PAY_PER_REQUEST i64 unix ms][last increase i64][last decrease i64]   (-1 = never)
//           [key count u8 = 1|2]{[key type u8: 0 HASH, 1 RANGE][name length u16][name UTF-8]}
//           [definition count u16]{[type u8: 1 S, 2 N, 3 B][name length u16][name UTF-8]}
//           Tags                                                    (format 2 only)
//           TagsOrNone Indexes                                      (format 3 only)
//           [crc32c u32 over everything before]
// Tags   := [tag count u8 = 1..50]{[key length u16][key UTF-8, 1..128 code points][value length u16][value UTF-8,
//           0..256 code points]}, in the order the keys were first added, keys distinct.
// TagsOrNone := [tag count u8 = 0..50]{as Tags}
// Indexes    := [index count u8 = 1..25]{Index}          local indexes first (at most 5), then global (at most 20)
// Index      := [kind u8: 0 LOCAL, 1 GLOBAL][index id u32][name length u16][name UTF-8]
//               [key count u8 = 1|2]{[key type u8][name length u16][name UTF-8]}  (LOCAL: the table's HASH key, a RANGE key)
//               [projection u8: 0 ALL, 1 KEYS_ONLY, 2 INCLUDE][non-key count u16]{[name length u16][name UTF-8]}
//               GLOBAL only: [status u8: 0 CREATING, 1 UPDATING, 2 DELETING, 3 ACTIVE][read units i64][write units i64]
// An index key attribute is among the table's attribute definitions. Ids are allocated with the table's, from the
// next-id record, and never reused.
// Integers little-endian. The engine's WAL and segments checksum records too; the CRC here also catches a record
// written by a buggy encoder, since the catalog is decoded on every open. Persisted enum values: never renumber.
//
// Versions: format 1 is the table record before tags existed; format 2 adds the Tags section; format 3 (a table with
// local secondary indexes) has a tag count that may be 0, then the Indexes section. A table without tags is
// still written as format 1, byte for byte as before, so a catalog that uses no tags stays readable by a Basalt that
// predates them (a downgrade); both are read. Rejected: a format-2 record with a zero tag count for every table,
// which would make every catalog unreadable to an older binary for no information.
internal static class CatalogFormat
{
    // The next-id and purge records' format.
    public const byte Version = 1;
    // The table record's formats: 1 without tags, 2 with (see above).
    public const byte TableFormatUntagged = 1;
    public const byte TableFormatTagged = 2;
    public const byte TableFormatIndexed = 3;
    public const byte IndexKindLocal = 0;
    public const byte IndexKindGlobal = 1;
    public const int LocalIndexesMax = 5;
    public const int GlobalIndexesMax = 20;
    public static readonly byte[] Routing = [0, 0, 0, 0];
    public static readonly byte[] NextIdRest = [0x00];
    public const byte TableRecordTag = 0x01;
    public const byte PurgeRecordTag = 0x02;
    public const uint FirstTableId = 1;
    public static readonly byte[] PurgeValue = [Version];

    public static byte[] PurgeRest(uint tableId)
    {
        var rest = new byte[5];
        rest[0] = PurgeRecordTag;
        BinaryPrimitives.WriteUInt32BigEndian(rest.AsSpan(1), tableId);
        return rest;
    }

    public static uint DecodePurgeRest(ReadOnlySpan<byte> rest) =>
        rest.Length == 5 && rest[0] == PurgeRecordTag ? BinaryPrimitives.ReadUInt32BigEndian(rest[1..])
            : throw Corrupt("a purge record's key is malformed");

    public static byte[] TableRest(string name)
    {
        var rest = new byte[1 + Encoding.UTF8.GetByteCount(name)];
        rest[0] = TableRecordTag;
        Encoding.UTF8.GetBytes(name, rest.AsSpan(1));
        return rest;
    }

    public static byte[] EncodeNextId(uint next)
    {
        var value = new byte[5];
        value[0] = Version;
        BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan(1), next);
        return value;
    }

    public static uint DecodeNextId(ReadOnlySpan<byte> value) =>
        value.Length == 5 && value[0] == Version ? BinaryPrimitives.ReadUInt32LittleEndian(value[1..])
            : throw Corrupt("the next-table-id record is malformed");

    public static byte[] EncodeTable(TableDefinition table)
    {
        using var stream = new MemoryStream();
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        Debug.Assert(table.Tags.Count <= TagValidation.TagsPerResourceMax, "a table has at most 50 tags");
        bool indexed = table.HasIndexes;
        Debug.Assert(table.LocalIndexes.Count <= LocalIndexesMax, "a table has at most 5 local secondary indexes");
        w.Write(indexed ? TableFormatIndexed : table.Tags.Count == 0 ? TableFormatUntagged : TableFormatTagged);
        w.Write(table.Id);
        w.Write(table.TableId.ToByteArray());
        w.Write(table.Created.ToUnixTimeMilliseconds());
        w.Write((byte)table.BillingMode);
        w.Write(table.Throughput.ReadCapacityUnits);
        w.Write(table.Throughput.WriteCapacityUnits);
        w.Write(Millis(table.LastUpdateToPayPerRequest));
        w.Write(Millis(table.LastIncrease));
        w.Write(Millis(table.LastDecrease));
        w.Write((byte)table.KeySchema.Count);
        foreach (var k in table.KeySchema)
        {
            w.Write((byte)k.KeyType);
            WriteName(w, k.AttributeName);
        }
        w.Write((ushort)table.AttributeDefinitions.Count);
        foreach (var d in table.AttributeDefinitions)
        {
            w.Write((byte)d.AttributeType);
            WriteName(w, d.AttributeName);
        }
        if (table.Tags.Count > 0 || indexed)
        {
            w.Write((byte)table.Tags.Count);
            foreach (var tag in table.Tags)
            {
                WriteName(w, tag.Key);
                WriteName(w, tag.Value);
            }
        }
        if (indexed)
        {
            w.Write((byte)(table.LocalIndexes.Count + table.GlobalIndexes.Count));
            foreach (var index in table.Indexes)
            {
                w.Write(index.IsGlobal ? IndexKindGlobal : IndexKindLocal);
                w.Write(index.Id);
                WriteName(w, index.Name);
                w.Write((byte)index.KeySchema.Count);
                foreach (var k in index.KeySchema)
                {
                    w.Write((byte)k.KeyType);
                    WriteName(w, k.AttributeName);
                }
                w.Write((byte)index.ProjectionType);
                var nonKey = index.NonKeyAttributes ?? [];
                w.Write((ushort)nonKey.Count);
                foreach (var name in nonKey) WriteName(w, name);
                if (index.IsGlobal)
                {
                    w.Write((byte)index.Status);
                    w.Write(index.Throughput.ReadCapacityUnits);
                    w.Write(index.Throughput.WriteCapacityUnits);
                }
            }
        }
        w.Flush();
        w.Write(Crc32C.Compute(stream.GetBuffer().AsSpan(0, (int)stream.Length)));
        w.Flush();
        return stream.ToArray();
    }

    public static TableDefinition DecodeTable(string name, ReadOnlySpan<byte> value)
    {
        if (value.Length < 4 || Crc32C.Compute(value[..^4]) != BinaryPrimitives.ReadUInt32LittleEndian(value[^4..]))
            throw Corrupt($"the catalog record of table {name} fails its checksum");
        try
        {
            using var r = new BinaryReader(new MemoryStream(value[..^4].ToArray()), Encoding.UTF8);
            byte format = r.ReadByte();
            if (format is not (TableFormatUntagged or TableFormatTagged or TableFormatIndexed)) throw Corrupt($"the catalog record of table {name} has an unknown format");
            uint id = r.ReadUInt32();
            var tableId = new Guid(r.ReadBytes(16));
            var created = DateTimeOffset.FromUnixTimeMilliseconds(r.ReadInt64());
            var billing = (BillingMode)r.ReadByte();
            var throughput = new ProvisionedThroughput(r.ReadInt64(), r.ReadInt64());
            var toPayPerRequest = Time(r.ReadInt64());
            var increase = Time(r.ReadInt64());
            var decrease = Time(r.ReadInt64());
            int keys = r.ReadByte();
            var keySchema = new List<KeySchemaElement>(keys);
            for (int i = 0; i < keys; i++)
            {
                var type = (KeyType)r.ReadByte();
                keySchema.Add(new KeySchemaElement(ReadName(r), type));
            }
            int definitions = r.ReadUInt16();
            var attributes = new List<AttributeDefinition>(definitions);
            for (int i = 0; i < definitions; i++)
            {
                var type = (ScalarAttributeType)r.ReadByte();
                attributes.Add(new AttributeDefinition(ReadName(r), type));
            }
            var tags = format == TableFormatTagged ? ReadTags(r, name, allowNone: false) : format == TableFormatIndexed ? ReadTags(r, name, allowNone: true) : [];
            var indexes = format == TableFormatIndexed ? ReadIndexes(r, name, keySchema, attributes) : [];
            var local = indexes.Where(i => !i.IsGlobal).ToList();
            var global = indexes.Where(i => i.IsGlobal).ToList();
            if (keys is < 1 or > 2 || billing > BillingMode.PayPerRequest || r.BaseStream.Position != r.BaseStream.Length
                || keySchema.Any(k => !attributes.Any(a => a.AttributeName == k.AttributeName)))
                throw Corrupt($"the catalog record of table {name} is malformed");
            return new TableDefinition(name, id, tableId, created, keySchema, attributes, billing, throughput, toPayPerRequest, increase, decrease, tags, local, global);
        }
        catch (EndOfStreamException)
        {
            throw Corrupt($"the catalog record of table {name} is truncated");
        }
    }

    // Asserted at read as at write: 1..50 tags (0 allowed in format 3), distinct keys, each key and value within DynamoDB's limits.
    private static List<Tag> ReadTags(BinaryReader r, string table, bool allowNone)
    {
        int count = r.ReadByte();
        if (count is > TagValidation.TagsPerResourceMax || (count == 0 && !allowNone)) throw Corrupt($"the catalog record of table {table} has {count} tags");
        var tags = new List<Tag>(count);
        for (int i = 0; i < count; i++)
        {
            string key = ReadName(r), value = ReadName(r);
            if (key.Length == 0 || !TagValidation.IsTagText(key, TagValidation.TagKeyLengthMax)
                || !TagValidation.IsTagText(value, TagValidation.TagValueLengthMax) || tags.Exists(t => t.Key == key))
                throw Corrupt($"the catalog record of table {table} has a malformed tag");
            tags.Add(new Tag(key, value));
        }
        return tags;
    }

    // Asserted at read as at write: 1..25 indexes of distinct names and ids, local ones first (at most 5, each keyed by
    // the table's HASH key and a RANGE attribute, on a table with a sort key), then global ones (at most 20, a HASH key
    // and an optional RANGE key), every key attribute defined, a known projection with non-key attributes only for
    // INCLUDE, a known status.
    private static List<IndexDefinition> ReadIndexes(BinaryReader r, string table, List<KeySchemaElement> tableKeys, List<AttributeDefinition> attributes)
    {
        int count = r.ReadByte();
        if (count is < 1 or > LocalIndexesMax + GlobalIndexesMax) throw Corrupt($"the catalog record of table {table} has {count} indexes");
        var indexes = new List<IndexDefinition>(count);
        for (int i = 0; i < count; i++)
        {
            byte kind = r.ReadByte();
            uint id = r.ReadUInt32();
            string name = ReadName(r);
            int keys = r.ReadByte();
            var keySchema = new List<KeySchemaElement>(keys);
            for (int k = 0; k < keys; k++)
            {
                var type = (KeyType)r.ReadByte();
                keySchema.Add(new KeySchemaElement(ReadName(r), type));
            }
            var projection = (ProjectionType)r.ReadByte();
            int nonKeyCount = r.ReadUInt16();
            var nonKey = new List<string>(nonKeyCount);
            for (int k = 0; k < nonKeyCount; k++) nonKey.Add(ReadName(r));
            bool global = kind == IndexKindGlobal;
            var status = IndexStatus.Active;
            ProvisionedThroughput? throughput = null;
            if (global)
            {
                status = (IndexStatus)r.ReadByte();
                throughput = new ProvisionedThroughput(r.ReadInt64(), r.ReadInt64());
            }
            bool localShape = kind == IndexKindLocal && keys == 2 && tableKeys.Count == 2 && keySchema[0] == tableKeys[0]
                && !indexes.Exists(x => x.IsGlobal) && indexes.Count < LocalIndexesMax;
            bool globalShape = global && keys is 1 or 2 && status <= IndexStatus.Active && indexes.Count(x => x.IsGlobal) < GlobalIndexesMax;
            if (!(localShape || globalShape) || keySchema[0].KeyType != KeyType.Hash || (keys == 2 && keySchema[1].KeyType != KeyType.Range)
                || keySchema.Any(k => !attributes.Any(a => a.AttributeName == k.AttributeName)) || projection > ProjectionType.Include
                || (projection == ProjectionType.Include) != (nonKeyCount > 0)
                || indexes.Exists(x => x.Name == name || x.Id == id) || !TableValidation.IsTableNamePattern(name))
                throw Corrupt($"the catalog record of table {table} has a malformed index");
            indexes.Add(new IndexDefinition(name, id, global, keySchema, attributes, projection,
                projection == ProjectionType.Include ? nonKey : null, status, throughput));
        }
        return indexes;
    }

    private static long Millis(DateTimeOffset? time) => time?.ToUnixTimeMilliseconds() ?? -1;

    private static DateTimeOffset? Time(long millis) => millis < 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(millis);

    private static void WriteName(BinaryWriter w, string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        w.Write((ushort)bytes.Length);
        w.Write(bytes);
    }

    private static string ReadName(BinaryReader r)
    {
        int length = r.ReadUInt16();
        var bytes = r.ReadBytes(length);
        if (bytes.Length != length) throw new EndOfStreamException();
        return Encoding.UTF8.GetString(bytes);
    }

    private static StorageException Corrupt(string what) => new(StorageError.Corruption, "catalog: " + what);
}
