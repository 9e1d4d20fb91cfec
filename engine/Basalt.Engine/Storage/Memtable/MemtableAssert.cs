using System.Diagnostics;

namespace Basalt.Engine.Storage.Memtable;

// Programmer-error checks of the memtable (STYLE.md: assert at write and at read). Compiled in only where
// BASALT_ASSERT is defined (Debug and CI builds); in Release the calls vanish, arguments included.
// Local to the memtable until the engine has a shared assertion helper.
internal static class MemtableAssert
{
    [Conditional("BASALT_ASSERT")]
    public static void That(bool condition, string what)
    {
        if (!condition) throw new InvalidOperationException("memtable invariant violated: " + what);
    }
}
