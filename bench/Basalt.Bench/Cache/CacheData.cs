using System.Buffers.Binary;
using System.Globalization;
using Basalt.Bench.Load;

namespace Basalt.Bench.Cache;

// The keys, values and operation sequences every cache of a run sees, generated once, before anything is timed.
//   Key i: 8 bytes, the little-endian form of Word(i), a bijective mix of (seed, i), so keys are distinct and spread.
//          Caches with span keys (Basalt, FASTER) get those 8 bytes; caches with object keys (MemoryCache, BitFaster)
//          get String(i), the 16 hex digits of the same word, created up front so no key is allocated while timing.
//   Value of key i: ValueBytes bytes; the first 8 are the key's word (so a get can verify cheaply that it got the
//          value of the key it asked for), the rest a fixed pattern. Sets write the same bytes a preload wrote.
//   Sequence: per (mix, distribution, thread), SequenceLength operations encoded as ints: the key index, with the
//          sign bit set for a set. A thread replays its sequence in a loop; every cache replays the same one.
// Immutable after construction; shared read-only by all benchmark threads.
public sealed class CacheData
{
    public const int SetFlag = int.MinValue;

    private readonly CacheBenchSettings _settings;
    private readonly Dictionary<(CacheMix, KeyDistribution, int), int[]> _sequences = new();
    private double _zeta = double.NaN;
    private string[]? _strings;

    public CacheData(CacheBenchSettings settings)
    {
        _settings = settings;
        Words = new ulong[settings.Keys];
        for (int i = 0; i < Words.Length; i++) Words[i] = Word(settings.Seed, i);
    }

    public int Keys => Words.Length;
    public int ValueBytes => _settings.ValueBytes;
    public ulong[] Words { get; }

    // Built on first use: only the object-keyed caches need them (about 56 bytes each on the managed heap).
    public string[] Strings
    {
        get
        {
            if (_strings is null)
            {
                var strings = new string[Words.Length];
                for (int i = 0; i < strings.Length; i++) strings[i] = Words[i].ToString("x16", CultureInfo.InvariantCulture);
                _strings = strings;
            }
            return _strings;
        }
    }

    // A value buffer holding key 0's value; a writer overwrites the first 8 bytes with its key's word before each set.
    public byte[] NewValue()
    {
        var value = new byte[ValueBytes];
        for (int i = 8; i < value.Length; i++) value[i] = (byte)(i * 31 + 7);
        BinaryPrimitives.WriteUInt64LittleEndian(value, Words[0]);
        return value;
    }

    public int[] Sequence(CacheMix mix, KeyDistribution distribution, int thread)
    {
        if (_sequences.TryGetValue((mix, distribution, thread), out int[]? sequence)) return sequence;
        if (distribution == KeyDistribution.Zipfian && double.IsNaN(_zeta)) _zeta = ScrambledZipfian.Zeta(Keys);
        // A seed per (mix, distribution, thread): threads draw different keys, and one case's sequences do not depend
        // on which other cases run.
        var random = new Random(unchecked((int)Word(_settings.Seed ^ 0x5EED, mix.GetPercent * 1_000_003 + (int)distribution * 10_007 + thread)));
        var zipfian = distribution == KeyDistribution.Zipfian ? new ScrambledZipfian(Keys, _zeta) : null;
        sequence = new int[_settings.SequenceLength];
        for (int i = 0; i < sequence.Length; i++)
        {
            int key = zipfian is null ? random.Next(Keys) : (int)zipfian.Next(random);
            sequence[i] = random.Next(100) < mix.GetPercent ? key : key | SetFlag;
        }
        _sequences[(mix, distribution, thread)] = sequence;
        return sequence;
    }

    // Drops the sequences of finished cases (16 MiB per thread each).
    public void ForgetSequences() => _sequences.Clear();

    // SplitMix64's finalizer over (seed, i): a bijection of the 64-bit input, so distinct i give distinct words.
    public static ulong Word(ulong seed, int index)
    {
        ulong z = unchecked(seed * 0x9E3779B97F4A7C15 + (ulong)(uint)index);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EB);
        return z ^ (z >> 31);
    }
}
