using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;

// Kafka load for perf/kafka.sh: Confluent.Kafka (librdkafka) against one broker.
//   KafkaLoad BOOTSTRAP TOPIC MESSAGES SIZE LATENCY_SAMPLES [LATENCY_WARMUP]
// 1. produce MESSAGES messages of SIZE bytes, batched (linger 5 ms, acks all): messages/s
// 2. fetch them back from offset 0: messages/s (first message to last)
// 3. LATENCY_WARMUP produces one at a time, not measured (connection, and the JIT of every
//    process on the path settling: the earlier steps send only tens of requests), then
//    LATENCY_SAMPLES produces one at a time (linger 0, acks all, awaited): p50/p99/max in ms
// Prints one line of key=value pairs; exit 1 on any delivery or fetch error.
if (args.Length is not (5 or 6))
{
    Console.Error.WriteLine("usage: KafkaLoad BOOTSTRAP TOPIC MESSAGES SIZE LATENCY_SAMPLES [LATENCY_WARMUP]");
    return 2;
}
var bootstrap = args[0];
var topic = args[1];
var messages = int.Parse(args[2], CultureInfo.InvariantCulture);
var size = int.Parse(args[3], CultureInfo.InvariantCulture);
var samples = int.Parse(args[4], CultureInfo.InvariantCulture);
var warmup = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 500;
var payload = new byte[size];
new Random(13).NextBytes(payload);
var partition = new TopicPartition(topic, 0);
// perf/kafka.sh puts the package's own librdkafka first on LD_LIBRARY_PATH (Debian's 2.0.2 is older than the binding).
Console.Error.WriteLine($"KafkaLoad: Confluent.Kafka {typeof(Library).Assembly.GetName().Version}, librdkafka {Library.VersionString}");

// :: 1. Produce throughput.
var errors = 0;
var batched = new ProducerConfig { BootstrapServers = bootstrap, LingerMs = 5, Acks = Acks.All, EnableIdempotence = false, AllowAutoCreateTopics = false };
double produceSeconds;
using (var producer = new ProducerBuilder<Null, byte[]>(batched).Build())
{
    producer.Produce(partition, new Message<Null, byte[]> { Value = payload }, r => { if (r.Error.IsError) { Interlocked.Increment(ref errors); } });
    producer.Flush(TimeSpan.FromSeconds(30)); // connection and metadata outside the measurement
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < messages; i++)
    {
        while (true)
        {
            try
            {
                producer.Produce(partition, new Message<Null, byte[]> { Value = payload }, r => { if (r.Error.IsError) { Interlocked.Increment(ref errors); } });
                break;
            }
            catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(10));
            }
        }
    }
    if (producer.Flush(TimeSpan.FromSeconds(120)) != 0)
    {
        Console.Error.WriteLine("produce: messages still queued after 120 s");
        return 1;
    }
    produceSeconds = clock.Elapsed.TotalSeconds;
}
if (errors > 0)
{
    Console.Error.WriteLine($"produce: {errors} delivery errors");
    return 1;
}

// :: 2. Fetch throughput (the messages just produced, plus the warm-up one).
var consumerConfig = new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "kafka-load", EnableAutoCommit = false, EnablePartitionEof = true };
double fetchSeconds;
var fetched = 0;
using (var consumer = new ConsumerBuilder<Ignore, byte[]>(consumerConfig).Build())
{
    consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
    // From the first message to the last: connection, metadata and the first fetch wait are not throughput.
    long first = 0, last = 0;
    var deadline = DateTime.UtcNow.AddSeconds(120);
    while (fetched < messages + 1 && DateTime.UtcNow < deadline)
    {
        var r = consumer.Consume(TimeSpan.FromSeconds(1));
        if (r is null || r.IsPartitionEOF)
        {
            continue;
        }
        last = Stopwatch.GetTimestamp();
        if (fetched++ == 0)
        {
            first = last;
        }
    }
    fetchSeconds = Stopwatch.GetElapsedTime(first, last).TotalSeconds;
}
if (fetched < messages + 1)
{
    Console.Error.WriteLine($"fetch: {fetched} of {messages + 1} messages in 120 s");
    return 1;
}

// :: 3. Per-produce latency: one request in flight at a time.
var single = new ProducerConfig { BootstrapServers = bootstrap, LingerMs = 0, Acks = Acks.All, EnableIdempotence = false, AllowAutoCreateTopics = false };
var latencies = new double[samples];
// KAFKA_LOAD_SLOW_MS=X: every sample above X ms to stderr with its start and end (CLOCK_MONOTONIC ns, as
// perf record -k CLOCK_MONOTONIC stamps its events), to find what ran at that moment.
var slowMs = double.TryParse(Environment.GetEnvironmentVariable("KAFKA_LOAD_SLOW_MS"), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : double.PositiveInfinity;
using (var producer = new ProducerBuilder<Null, byte[]>(single).Build())
{
    for (var i = 0; i < Math.Max(1, warmup); i++)
    {
        await producer.ProduceAsync(partition, new Message<Null, byte[]> { Value = payload });
    }
    for (var i = 0; i < samples; i++)
    {
        var start = Stopwatch.GetTimestamp();
        await producer.ProduceAsync(partition, new Message<Null, byte[]> { Value = payload });
        latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (latencies[i] > slowMs)
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"slow sample {i}: {latencies[i]:F3} ms from {start} to {Stopwatch.GetTimestamp()} ns"));
        }
    }
}
Array.Sort(latencies);
double Percentile(double p) => latencies.Length == 0 ? double.NaN : latencies[Math.Min(latencies.Length - 1, (int)Math.Ceiling(p * latencies.Length) - 1)];

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"produce_msgs_per_s={messages / produceSeconds:F0} fetch_msgs_per_s={(fetched - 1) / fetchSeconds:F0} produce_p50_ms={Percentile(0.50):F3} produce_p99_ms={Percentile(0.99):F3} produce_max_ms={latencies[^1]:F3} messages={messages} size={size} samples={samples} warmup={warmup}"));
return 0;
