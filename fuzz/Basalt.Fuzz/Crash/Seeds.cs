namespace Basalt.Fuzz.Crash;

// Derives seeds from seeds, the same in every process (HashCode.Combine is randomised per process, so a seed printed
// by one run would not replay in the next).
public static class Seeds
{
    // SplitMix64's finaliser over both inputs, folded to a non-negative int.
    public static int Mix(int a, int b)
    {
        ulong z = ((ulong)(uint)a << 32 | (uint)b) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFF_FFFF);
    }
}
