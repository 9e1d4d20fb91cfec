namespace Basalt.Fuzz.Targets;

// Every input-fuzzing target, by name.
public static class TargetRegistry
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new JsonRequestTarget(),
        new JsonOperationTarget(),
        new ExpressionTarget(ExpressionTarget.Language.Condition),
        new ExpressionTarget(ExpressionTarget.Language.KeyCondition),
        new ExpressionTarget(ExpressionTarget.Language.Update),
        new ExpressionTarget(ExpressionTarget.Language.Projection),
        new ItemDecoderTarget(),
        new WalReaderTarget(),
        new SegmentReaderTarget(),
        new ManifestReaderTarget(),
        new FrameReaderTarget(),
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}
