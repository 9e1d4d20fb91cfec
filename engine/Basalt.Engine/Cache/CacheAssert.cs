using System.Diagnostics;

namespace Basalt.Engine.Cache;

// Programmer-error checks of the cache store (STYLE.md). Compiled in only where BASALT_ASSERT is defined (Debug and
// CI builds); in Release the calls vanish, arguments included.
internal static class CacheAssert
{
    [Conditional("BASALT_ASSERT")]
    public static void That(bool condition, string what)
    {
        if (!condition) throw new InvalidOperationException("cache store invariant violated: " + what);
    }
}
