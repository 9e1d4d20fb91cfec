namespace Basalt.Client;

// How a BasaltClient connects and behaves. Defaults suit a client on the server's machine.
public sealed record BasaltClientOptions
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 8100;
    // Connections in the pool; requests are spread over them round-robin, each pipelined.
    public int Connections { get; init; } = 2;
    // Requests in flight on one connection at most (a power of two): the request-id table's size.
    public int InFlightPerConnectionMax { get; init; } = 4096;
    // Per request, from when it is sent until its answer: past it the call fails with TimeoutException (the server may
    // still apply a write). Infinite turns it off. A shorter limit for one call: a CancellationToken with CancelAfter.
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
    // Retries of a throttled request (ProvisionedThroughputExceededException, ThrottlingException,
    // RequestLimitExceeded): exponential backoff from RetryBaseDelay, doubled per attempt up to RetryMaxDelay, with
    // full jitter (as the AWS SDKs back off).
    public int MaxRetries { get; init; } = 5;
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(25);
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
