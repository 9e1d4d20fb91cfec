namespace Basalt.Bench.Cache;

// Count-based models of the eviction policies the cache store could use, for PolicySimulation: each holds at most
// Capacity keys, and Access(key) returns whether the key was cached, inserting it on a miss. They model the policy,
// not the store (no bytes, no TTL, no threads); plain collections, not tuned for speed. Not thread-safe.
internal interface IEvictionPolicy
{
    string Name { get; }
    bool Access(long key);
}

// Least recently used: an intrusive doubly linked list over arrays, head = most recent.
internal sealed class LruPolicy : IEvictionPolicy
{
    private readonly int _capacity;
    private readonly Dictionary<long, int> _index;
    private readonly long[] _keys;
    private readonly int[] _prev, _next;
    private int _head = -1, _tail = -1, _count;

    public LruPolicy(int capacity)
    {
        _capacity = capacity;
        _index = new Dictionary<long, int>(capacity);
        _keys = new long[capacity];
        _prev = new int[capacity];
        _next = new int[capacity];
    }

    public string Name => "LRU";

    public bool Access(long key)
    {
        if (_index.TryGetValue(key, out int node))
        {
            Unlink(node);
            PushHead(node);
            return true;
        }
        if (_count < _capacity) node = _count++;
        else
        {
            node = _tail;
            Unlink(node);
            _index.Remove(_keys[node]);
        }
        _keys[node] = key;
        _index[key] = node;
        PushHead(node);
        return false;
    }

    private void Unlink(int node)
    {
        int p = _prev[node], n = _next[node];
        if (p >= 0) _next[p] = n; else _head = n;
        if (n >= 0) _prev[n] = p; else _tail = p;
    }

    private void PushHead(int node)
    {
        _prev[node] = -1;
        _next[node] = _head;
        if (_head >= 0) _prev[_head] = node;
        _head = node;
        if (_tail < 0) _tail = node;
    }
}

// SIEVE (Zhang et al., NSDI '24): a FIFO list and a hand that walks from the oldest entry towards the newest,
// clearing visited bits and evicting the first unvisited entry; a hit only sets the bit, nothing moves.
internal sealed class SievePolicy : IEvictionPolicy
{
    private readonly int _capacity;
    private readonly Dictionary<long, int> _index;
    private readonly long[] _keys;
    private readonly bool[] _visited;
    private readonly int[] _prev, _next; // prev: towards the head (newer), next: towards the tail (older)
    private int _head = -1, _tail = -1, _hand = -1, _count;

    public SievePolicy(int capacity)
    {
        _capacity = capacity;
        _index = new Dictionary<long, int>(capacity);
        _keys = new long[capacity];
        _visited = new bool[capacity];
        _prev = new int[capacity];
        _next = new int[capacity];
    }

    public string Name => "SIEVE";

    public bool Access(long key)
    {
        if (_index.TryGetValue(key, out int node))
        {
            _visited[node] = true;
            return true;
        }
        if (_count < _capacity) node = _count++;
        else node = Evict();
        _keys[node] = key;
        _visited[node] = false;
        _index[key] = node;
        _prev[node] = -1;
        _next[node] = _head;
        if (_head >= 0) _prev[_head] = node;
        _head = node;
        if (_tail < 0) _tail = node;
        return false;
    }

    private int Evict()
    {
        int node = _hand >= 0 ? _hand : _tail;
        while (_visited[node])
        {
            _visited[node] = false;
            node = _prev[node] >= 0 ? _prev[node] : _tail;
        }
        _hand = _prev[node];
        int p = _prev[node], n = _next[node];
        if (p >= 0) _next[p] = n; else _head = n;
        if (n >= 0) _prev[n] = p; else _tail = p;
        _index.Remove(_keys[node]);
        return node;
    }
}

// S3-FIFO (Yang et al., SOSP '23): a small FIFO (10% of the capacity) that new keys enter, a main FIFO (90%), and a
// ghost FIFO of keys recently evicted from the small queue (as many as the main queue holds). A hit bumps a 2-bit
// frequency. Leaving the small queue, a key with at least MoveThreshold hits moves to main, others go to the ghost;
// a missed key found in the ghost enters main directly. Leaving main, a key with a frequency above zero is put back
// at main's head with its frequency decremented (FIFO-reinsertion, i.e. CLOCK), others are evicted.
internal sealed class S3FifoPolicy : IEvictionPolicy
{
    private readonly int _smallCapacity, _mainCapacity, _moveThreshold;
    private readonly Dictionary<long, byte> _freq = new();
    private readonly Queue<long> _small = new(), _main = new();
    // The ghost: each key with the sequence number of its entry; a key is a ghost while it is among the last
    // _mainCapacity keys that entered the ghost.
    private readonly Queue<(long Key, long Stamp)> _ghost = new();
    private readonly Dictionary<long, long> _ghostStamps = new();
    private long _ghostEntered;

    public S3FifoPolicy(int capacity, int moveThreshold)
    {
        _smallCapacity = Math.Max(1, capacity / 10);
        _mainCapacity = Math.Max(1, capacity - _smallCapacity);
        _moveThreshold = moveThreshold;
    }

    public string Name => $"S3-FIFO (to main at {_moveThreshold} hit{(_moveThreshold == 1 ? "" : "s")})";

    public bool Access(long key)
    {
        if (_freq.TryGetValue(key, out byte f))
        {
            if (f < 3) _freq[key] = (byte)(f + 1);
            return true;
        }
        if (_ghostStamps.Remove(key))
        {
            while (_main.Count >= _mainCapacity) EvictMain();
            _main.Enqueue(key);
        }
        else
        {
            while (_small.Count >= _smallCapacity) EvictSmall();
            _small.Enqueue(key);
        }
        _freq[key] = 0;
        return false;
    }

    private void EvictSmall()
    {
        long key = _small.Dequeue();
        if (_freq[key] >= _moveThreshold)
        {
            while (_main.Count >= _mainCapacity) EvictMain();
            _freq[key] = 0;
            _main.Enqueue(key);
            return;
        }
        _freq.Remove(key);
        long stamp = ++_ghostEntered;
        _ghostStamps[key] = stamp;
        _ghost.Enqueue((key, stamp));
        while (_ghost.Count > _mainCapacity)
        {
            var (old, oldStamp) = _ghost.Dequeue();
            if (_ghostStamps.TryGetValue(old, out long current) && current == oldStamp) _ghostStamps.Remove(old);
        }
    }

    private void EvictMain()
    {
        while (true)
        {
            long key = _main.Dequeue();
            byte f = _freq[key];
            if (f == 0)
            {
                _freq.Remove(key);
                return;
            }
            _freq[key] = (byte)(f - 1);
            _main.Enqueue(key);
        }
    }
}

// W-TinyLFU (Einziger et al., the policy of Caffeine): a window LRU (1%) in front of a segmented LRU main
// (20% probation, 80% protected), and a count-min sketch of 4-bit counters, halved every 10 x capacity accesses,
// that decides whether the window's victim may replace main's probation victim (its estimated frequency must be
// higher). No doorkeeper, no adaptive window (Caffeine's hill climber): the paper's fixed configuration.
internal sealed class WTinyLfuPolicy : IEvictionPolicy
{
    private readonly LinkedLruQueue _window, _probation, _protected;
    private readonly int _windowCapacity, _probationCapacity, _protectedCapacity;
    private readonly byte[] _sketch;
    private readonly int _sketchMask;
    private readonly int _resetAfter;
    private int _accesses;

    public WTinyLfuPolicy(int capacity)
    {
        _windowCapacity = Math.Max(1, capacity / 100);
        int main = Math.Max(1, capacity - _windowCapacity);
        _protectedCapacity = Math.Max(1, main * 8 / 10);
        _probationCapacity = Math.Max(1, main - _protectedCapacity);
        _window = new LinkedLruQueue();
        _probation = new LinkedLruQueue();
        _protected = new LinkedLruQueue();
        int width = (int)Math.Min(1 << 26, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(64, capacity * 2)));
        _sketch = new byte[width * 4];
        _sketchMask = width - 1;
        _resetAfter = capacity * 10;
    }

    public string Name => "W-TinyLFU";

    public bool Access(long key)
    {
        Increment(key);
        if (_window.Touch(key)) return true;
        if (_probation.Remove(key))
        {
            _protected.PushHead(key);
            if (_protected.Count > _protectedCapacity) _probation.PushHead(_protected.PopTail());
            return true;
        }
        if (_protected.Touch(key)) return true;

        _window.PushHead(key);
        if (_window.Count > _windowCapacity)
        {
            long candidate = _window.PopTail();
            if (_probation.Count + _protected.Count < _probationCapacity + _protectedCapacity) _probation.PushHead(candidate);
            else
            {
                long victim = _probation.Count > 0 ? _probation.PeekTail() : _protected.PeekTail();
                if (Estimate(candidate) > Estimate(victim))
                {
                    if (_probation.Count > 0) _probation.PopTail(); else _protected.PopTail();
                    _probation.PushHead(candidate);
                }
            }
        }
        return false;
    }

    private int Slot(long key, int row)
    {
        ulong h = (ulong)key * 0x9E3779B97F4A7C15UL + (ulong)row * 0xC2B2AE3D27D4EB4FUL;
        h ^= h >> 31;
        h *= 0xBF58476D1CE4E5B9UL;
        h ^= h >> 29;
        return row * (_sketchMask + 1) + (int)(h & (ulong)_sketchMask);
    }

    private void Increment(long key)
    {
        for (int row = 0; row < 4; row++)
        {
            int s = Slot(key, row);
            if (_sketch[s] < 15) _sketch[s]++;
        }
        if (++_accesses >= _resetAfter)
        {
            _accesses = 0;
            for (int i = 0; i < _sketch.Length; i++) _sketch[i] >>= 1;
        }
    }

    private int Estimate(long key)
    {
        int min = 15;
        for (int row = 0; row < 4; row++) min = Math.Min(min, _sketch[Slot(key, row)]);
        return min;
    }

    // An LRU list of keys with O(1) lookup, head = most recent.
    private sealed class LinkedLruQueue
    {
        private readonly LinkedList<long> _list = new();
        private readonly Dictionary<long, LinkedListNode<long>> _nodes = new();

        public int Count => _nodes.Count;

        public bool Touch(long key)
        {
            if (!_nodes.TryGetValue(key, out var node)) return false;
            _list.Remove(node);
            _list.AddFirst(node);
            return true;
        }

        public bool Remove(long key)
        {
            if (!_nodes.Remove(key, out var node)) return false;
            _list.Remove(node);
            return true;
        }

        public void PushHead(long key) => _nodes[key] = _list.AddFirst(key);

        public long PeekTail() => _list.Last!.Value;

        public long PopTail()
        {
            long key = _list.Last!.Value;
            _list.RemoveLast();
            _nodes.Remove(key);
            return key;
        }
    }
}
