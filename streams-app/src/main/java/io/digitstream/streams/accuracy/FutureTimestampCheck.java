package io.digitstream.streams.accuracy;

import io.digitstream.record.InvalidRecordException;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * Lets through only records whose timestamp is at most {@value AccuracySettings#MAX_FUTURE_MS}
 * ahead of this instance's clock. The label join and the accuracy windows run on the images' and
 * labels' timestamps, and event time only moves forward: one record an hour ahead (a producer
 * host's clock, a time-zone bug) would close every open join round and make the window stores drop
 * the current windows. A refused record goes to the dead-letter topic with the reason, its bytes
 * untouched, so it can be sent again with a correct timestamp; clamping it to "now" instead would
 * pair and count it at a time it does not have. Records from the past are normal (a backlog, a
 * replay) and pass.
 *
 * <p>The clock is the processor context's, which Kafka Streams reads once per loop of the stream
 * thread (and a test driver controls): a tolerance of at least a second absorbs its lag.
 */
public final class FutureTimestampCheck<V> implements FixedKeyProcessor<String, V, V> {
  private final long maxFutureMs;
  private FixedKeyProcessorContext<String, V> context;

  public FutureTimestampCheck(Duration maxFuture) {
    this.maxFutureMs = maxFuture.toMillis();
  }

  @Override
  public void init(FixedKeyProcessorContext<String, V> context) {
    this.context = context;
  }

  @Override
  public void process(FixedKeyRecord<String, V> record) {
    long now = context.currentSystemTimeMs();
    long ahead = record.timestamp() - now;
    if (ahead > maxFutureMs) {
      throw new InvalidRecordException(
          "timestamp "
              + Instant.ofEpochMilli(record.timestamp())
              + " is "
              + ahead
              + " ms ahead of this instance's clock ("
              + Instant.ofEpochMilli(now)
              + "); "
              + AccuracySettings.MAX_FUTURE_MS
              + " allows "
              + maxFutureMs);
    }
    context.forward(record);
  }
}
