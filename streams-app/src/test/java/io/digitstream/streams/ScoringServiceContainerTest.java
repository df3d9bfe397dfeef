package io.digitstream.streams;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The exactly-once check against the official Apache Kafka image, where Docker exists; reported as
 * skipped where it does not.
 */
@Testcontainers(disabledWithoutDocker = true)
class ScoringServiceContainerTest {
  @Container static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.4.0");

  @TempDir Path stateDir;

  @Test
  void scoresEveryImageExactlyOnceAsSeenByReadCommittedReaders() throws Exception {
    ExactlyOnceScenario.scoresEveryImageExactlyOnce(KAFKA.getBootstrapServers(), stateDir, 2_000);
  }
}
