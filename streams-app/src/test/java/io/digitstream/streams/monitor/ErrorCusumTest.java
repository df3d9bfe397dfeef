package io.digitstream.streams.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ErrorCusumTest {
  private static final long BUCKET = 10_000;
  private static final long LOOK_BACK = 300_000;
  private static final double P0 = 0.01;
  private static final double SLACK = 0.02;

  private ErrorCusum cusum;

  @BeforeEach
  void store() {
    KeyValueStore<String, long[]> store =
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(ErrorCusum.STORE),
                Serdes.String(),
                new ErrorCusum.CountsSerde())
            .withLoggingDisabled()
            .build();
    store.init(new MockProcessorContext<>().getStateStoreContext(), store);
    cusum = new ErrorCusum(store, 3_600_000);
  }

  /** Buckets {@code from..to-1} (by index), each of 100 pairs with {@code errors} wrong. */
  private void buckets(int from, int to, int errors) {
    for (int b = from; b < to; b++) {
      cusum.add("v1", b * BUCKET, 100, errors);
    }
  }

  private Double at(int bucketsSeen, long lookBack) {
    long end = bucketsSeen * BUCKET;
    return cusum.value("v1", end - lookBack, end, P0, SLACK);
  }

  @Test
  void staysAtZeroAtTheExpectedRateAndCountsTheExcessErrorsOfAShift() {
    assertThat(at(1, LOOK_BACK)).as("no bucket yet").isNull();
    buckets(0, 30, 1);
    assertThat(at(30, LOOK_BACK)).isZero();

    buckets(30, 33, 50);

    // Each shifted bucket adds 50 - 100 * (0.01 + 0.02) = 47 errors beyond expected.
    assertThat(at(33, LOOK_BACK)).isCloseTo(141, within(1e-9));
  }

  @Test
  void returnsToZeroOnceTheShiftIsOlderThanTheLookBack() {
    buckets(0, 30, 1);
    buckets(30, 33, 50);
    buckets(33, 64, 1);

    assertThat(at(40, LOOK_BACK)).as("7 clean buckets after").isCloseTo(141 - 7 * 2, within(1e-9));
    assertThat(at(63, LOOK_BACK)).as("all shifted buckets behind").isZero();
    // Without the bound S would come down by only 2 errors per clean bucket.
    assertThat(at(64, 64 * BUCKET)).isCloseTo(141 - 31 * 2, within(1e-9));
  }
}
