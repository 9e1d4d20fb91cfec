namespace Basalt.Engine;

// Every bound of the engine in one place, each with its source. Hitting one gives a typed error
// (StorageException) or backpressure, never unbounded growth.
public static class Limits
{
    // A routing part is what the DynamoDB layer makes of table id + partition key: DynamoDB's 2048-byte
    // partition key plus room for the table prefix and type tag.
    public const int RoutingBytesMax = 2304;

    // Routing part + rest. A table's item: 4 + 2048 (partition key) + 1024 (sort key). A local secondary index entry:
    // 4 + 2048, then the index's sort key escaped and terminated (at most 2 x 1024 + 2), then the table's sort key
    // (1024): 5126. A global index entry will carry its own partition and sort keys and the table's whole key:
    // 4 + 2048 + 2050 + 2050 + 1024 = 7176. Keys are u16-length fields everywhere (WAL, memtable, segments).
    public const int KeyBytesMax = 8192;

    // The same key inside the engine: a StoredKey adds 4 header bytes (vpartition, routing length). The
    // memtable, WAL and segments bound keys by this.
    public const int StoredKeyBytesMax = KeyBytesMax + 4;

    // DynamoDB items are at most 400 KB; the encoded value carries metadata on top, and index/transaction
    // records may be larger. 1 MiB bounds one value in the WAL, memtable and segments.
    public const int ValueBytesMax = 1 << 20;

    // One atomic write batch: DynamoDB's largest atomic unit is a 4 MB transaction, BatchWriteItem carries 16 MB.
    public const int WriteBatchBytesMax = 16 << 20;
    public const int WriteBatchEntriesMax = 100_000;

    // Fixed number of virtual partitions; each belongs to exactly one shard, so re-sharding moves
    // partitions, never keys. Persisted in the data folder: never change it for an existing folder.
    public const int VirtualPartitions = 4096;

    public const int ShardsMax = 256;

    // Writes waiting for one shard. A full queue is backpressure for producers.
    public const int ShardQueueCapacity = 4096;

    // Memtable size bounds; default 64 MiB (issue 2).
    public const long MemtableBytesDefault = 64L << 20;
    public const long MemtableBytesMin = 256L << 10;
    public const long MemtableBytesMax = 1L << 31;

    // Immutable memtables waiting for flush before writers stall.
    public const int ImmutableMemtablesMax = 2;

    // The cache store (Cache/): a key is at most the storage engine's key bound, so that a durable cache can keep any
    // key it accepts; a DAX-style cache key (table name of up to 255 bytes, a 2048-byte partition key and a 1024-byte
    // sort key, with type tags) fits twice.
    public const int CacheKeyBytesMax = KeyBytesMax;

    // A cached value: the storage engine's value bound less the 8-byte expiry a durable cache stores before the value.
    // DynamoDB's largest item (400 KB) fits twice. A store keeps an entry only when it is at most
    // CacheStore.MaxEntryBytes (half of a stripe's small queue: 838 KB with the default 256 MiB): a larger value is
    // valid but not cached.
    public const int CacheValueBytesMax = ValueBytesMax - 8;

    // Bounds of CacheOptions.MaxBytes: below 64 KiB a stripe's small queue could not hold a useful entry; 1 TiB keeps
    // every ring (at most 64 stripes) within the 16 GiB that an index slot's 31-bit offset in 8-byte units addresses.
    public const long CacheBytesMin = 64L << 10;
    public const long CacheBytesMax = 1L << 40;
}
