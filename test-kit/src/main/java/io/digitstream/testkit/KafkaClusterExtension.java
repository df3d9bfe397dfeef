package io.digitstream.testkit;

import io.digitstream.broker.EmbeddedKafkaBroker;
import io.digitstream.broker.LocalKafkaCluster;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real {@link LocalKafkaCluster} for a test class (three KRaft nodes, each a child JVM, by
 * default): started before its first test, closed after its last. Tests may kill and restart nodes
 * through {@link #cluster()}; a test that does should leave every node running and call {@link
 * LocalKafkaCluster#awaitFullIsr} before it ends.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final KafkaClusterExtension kafka = KafkaClusterExtension.ofBrokers(3);
 * }</pre>
 */
public final class KafkaClusterExtension implements BeforeAllCallback, AfterAllCallback {
  private final int brokers;
  private final Map<String, String> brokerProperties = new LinkedHashMap<>();
  private LocalKafkaCluster cluster;
  private String owner;

  private KafkaClusterExtension(int brokers) {
    this.brokers = brokers;
  }

  /** A cluster of {@code brokers} nodes on free ports. */
  public static KafkaClusterExtension ofBrokers(int brokers) {
    return new KafkaClusterExtension(brokers);
  }

  /**
   * Aborts a killed exactly-once producer's transaction within seconds ({@link
   * EmbeddedKafkaBroker#QUICK_TRANSACTION_ABORT}). For tests that kill an application.
   */
  public KafkaClusterExtension withQuickTransactionAbort() {
    brokerProperties.putAll(EmbeddedKafkaBroker.QUICK_TRANSACTION_ABORT);
    return this;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    if (cluster != null) {
      return; // a @Nested class shares its enclosing class's cluster
    }
    owner = context.getUniqueId();
    cluster =
        LocalKafkaCluster.builder()
            .brokers(brokers)
            .brokerProperties(brokerProperties)
            .build()
            .start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (!context.getUniqueId().equals(owner)) {
      return;
    }
    try {
      cluster.close();
    } finally {
      cluster = null;
    }
  }

  /** The running cluster. */
  public LocalKafkaCluster cluster() {
    if (cluster == null) {
      throw new IllegalStateException(
          "No cluster: register the extension on a static field with @RegisterExtension");
    }
    return cluster;
  }

  /** Every node's client listener. */
  public String bootstrapServers() {
    return cluster().bootstrapServers();
  }

  /** Clients of the whole cluster. */
  public TestClients clients() {
    return TestClients.of(bootstrapServers());
  }
}
