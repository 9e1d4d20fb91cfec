using Basalt.Fuzz.Targets;

namespace Basalt.Tests.Fuzz;

// Every input-fuzzing target runs its seed corpus (fuzz/corpus/<target>/) and every kept crash input
// (fuzz/regressions/<target>/) in-process, as `target NAME --replay` does: none may crash, hang or trip a target's
// own checks. The crash inputs are the fuzzer's findings, each fixed in the engine or server; this keeps them fixed.
public class InputCorpusTests
{
    private static readonly string Root = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Engine.sln"))) return dir.FullName;
        throw new InvalidOperationException("Engine.sln not found above " + AppContext.BaseDirectory);
    }

    public static TheoryData<string> Targets() => new(TargetRegistry.All.Select(t => t.Name));

    [Theory]
    [MemberData(nameof(Targets))]
    public void Seeds_and_kept_crash_inputs_run_clean(string name)
    {
        var target = TargetRegistry.Find(name)!;
        string corpus = Path.Combine(Root, "fuzz", "corpus", name);
        string regressions = Path.Combine(Root, "fuzz", "regressions", name);
        var inputs = Replay.Inputs([corpus, regressions]).ToList();
        Assert.True(Replay.Inputs([corpus]).Count() >= 3, $"fuzz/corpus/{name} has fewer than 3 seeds");
        var failures = Replay.Run(target, inputs);
        Assert.True(failures.Count == 0, string.Join("\n", failures.Select(f => $"{f.Path}: {f.Reason}")));
    }

    // The committed seeds are what the generator writes today: a format change regenerates them
    // (`dotnet run --project fuzz/Basalt.Fuzz -c Release -- target --write-corpus fuzz/corpus`).
    [Theory]
    [MemberData(nameof(Targets))]
    public void Committed_seeds_match_the_generator(string name)
    {
        foreach (var (file, bytes) in SeedCorpus.For(name))
        {
            string path = Path.Combine(Root, "fuzz", "corpus", name, file);
            Assert.True(File.Exists(path), $"{path} is missing: regenerate the corpus");
            Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(path)), $"{path} differs from the generator's: regenerate the corpus");
        }
    }

    // The harness reports what escapes a target: an unexpected exception, a target's own finding, a hang.
    [Fact]
    public void The_harness_flags_a_crash_a_finding_and_a_hang()
    {
        var throwing = new DelegateTarget("throwing", "fails on a 0xFF byte", input =>
        {
            if (input.IndexOf((byte)0xFF) >= 0) throw new IndexOutOfRangeException("planted");
        });
        Assert.Null(Replay.RunOne(throwing, [1, 2, 3]));
        Assert.Contains("IndexOutOfRangeException: planted", Replay.RunOne(throwing, [1, 0xFF]));

        var finding = new DelegateTarget("finding", "returns corrupt data", _ => throw new FuzzFindingException("corrupt data returned"));
        Assert.Contains("corrupt data returned", Replay.RunOne(finding, []));

        var hanging = new DelegateTarget("hanging", "never answers", _ => Thread.Sleep(Timeout.Infinite));
        Assert.StartsWith("hang", Replay.RunOne(hanging, [], timeoutMs: 200));

        string dir = Directory.CreateTempSubdirectory("basalt-replay-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "ok"), [1]);
            File.WriteAllBytes(Path.Combine(dir, "bad"), [0xFF]);
            var failures = Replay.Run(throwing, [dir]);
            Assert.Equal([Path.Combine(dir, "bad")], failures.Select(f => f.Path));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // The storage targets' value check: a value that is not the one written for its key is a finding.
    [Fact]
    public void The_value_check_flags_a_changed_value()
    {
        var value = StorageFiles.ValueFor("user0001"u8);
        StorageFiles.CheckValue("user0001"u8, value, "test");
        var changed = (byte[])value.Clone();
        changed[^6] ^= 1;
        Assert.Throws<FuzzFindingException>(() => StorageFiles.CheckValue("user0001"u8, changed, "test"));
        Assert.Throws<FuzzFindingException>(() => StorageFiles.CheckValue("user0002"u8, value, "test"));
    }

    // A flipped byte inside a segment's value is caught by the block checksum and reported with file and offset,
    // which the segment target accepts; without the checksum the value check above would report it.
    [Fact]
    public void A_flipped_value_byte_in_a_segment_is_reported_corruption()
    {
        var (_, seed) = SeedCorpus.For("segment-reader").First(s => s.Name == "one-entry.seg");
        var flipped = (byte[])seed.Clone();
        flipped[seed.AsSpan().IndexOf("sum"u8) + 8] ^= 1;
        var fs = new Basalt.Engine.Storage.Vfs.MemoryFileSystem(crashable: false);
        fs.CreateDirectory("/seg");
        using (var file = fs.Create("/seg/1.seg")) file.Write(0, flipped);
        var e = Assert.Throws<Basalt.Engine.StorageException>(() =>
        {
            using var segment = Basalt.Engine.Storage.Segments.Segment.Open(fs, "/seg/1.seg", 1, new Basalt.Engine.Storage.Segments.BlockCache(1 << 20));
            using var it = segment.NewIterator();
            for (it.SeekToFirst(); it.Valid; it.Next()) { }
        });
        Assert.Equal(Basalt.Engine.StorageError.Corruption, e.Error);
        Assert.Equal("/seg/1.seg", e.FilePath);
        Assert.Null(Replay.RunOne(TargetRegistry.Find("segment-reader")!, flipped));
        Assert.Null(Replay.RunOne(TargetRegistry.Find("segment-reader")!, seed));
    }
}
