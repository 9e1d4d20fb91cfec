namespace Basalt.Engine.Cache;

// The outcome of a lookup into a caller's buffer. BufferTooSmall: the key is cached, its value is longer than the
// buffer (the lookup says how long), and nothing was copied.
public enum CacheLookup
{
    Miss = 0,
    Hit = 1,
    BufferTooSmall = 2,
}
