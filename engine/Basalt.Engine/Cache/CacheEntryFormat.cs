using System.Runtime.InteropServices;

namespace Basalt.Engine.Cache;

// The layout of one entry in a stripe's ring (memory only, never persisted; native byte order):
//   Entry := [header: 32 bytes][key: KeyLength bytes][value: ValueLength bytes][padding to a multiple of 8]
//   header := [entryBytes: u32][keyLength: u16][state: u8][unused: u8][valueLength: u32][tag: u32]
//             [expiresMs: i64][version: i64]
// entryBytes counts the whole entry with its padding, so the ring's tail walks from entry to entry. Entries start at
// multiples of 8 and rings are multiples of 8 long, so the first 8 bytes (entryBytes, keyLength, state) never wrap
// around the ring's end; the rest of an entry may (readers and writers copy in two pieces then). tag is the low
// 32 bits of the key's hash (never 0), which finds the entry's index slot when the tail reaches it. expiresMs is on
// the store's millisecond clock (CacheStore.NowMs); the entry is expired once the clock reaches it.
[StructLayout(LayoutKind.Sequential, Pack = 4, Size = HeaderBytes)]
internal struct CacheEntryHeader
{
    public const int HeaderBytes = 32;
    public const byte Live = 1;
    // Deleted or replaced: the entry's bytes wait for the ring's tail to pass, and no index slot points to them.
    public const byte Dead = 2;

    public uint EntryBytes;
    public ushort KeyLength;
    public byte State;
    public byte Unused;
    public uint ValueLength;
    public uint Tag;
    public long ExpiresMs;
    public long Version;

    public static long EntryBytesFor(int keyLength, int valueLength) => (HeaderBytes + (long)keyLength + valueLength + 7) & ~7L;

    public readonly long ValueOffsetIn(long entryOffset) => entryOffset + HeaderBytes + KeyLength;
}
