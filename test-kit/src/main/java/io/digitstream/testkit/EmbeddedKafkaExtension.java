package io.digitstream.testkit;

import io.digitstream.broker.EmbeddedKafkaBroker;
import io.digitstream.broker.SaslSslListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real {@link EmbeddedKafkaBroker} for a test class: started before its first test, closed
 * after its last, shared by every test in between (tests keep apart by topic names of their own).
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.create();
 *
 * @Test
 * void scores() {
 *   kafka.clients().send(records);
 *   assertThat(kafka.clients().readCommitted("digits.predictions", 100, timeout, quiet))...
 * }
 * }</pre>
 *
 * <p>A test may stop and start {@link #broker()} itself; it comes back on the same ports and data.
 */
public final class EmbeddedKafkaExtension implements BeforeAllCallback, AfterAllCallback {
  private final Map<String, String> brokerProperties = new LinkedHashMap<>();
  private Map<String, String> saslUsers = Map.of();

  private EmbeddedKafkaBroker broker;
  private SaslSslListener saslSsl;
  private Path keyDirectory;
  private String owner;

  private EmbeddedKafkaExtension() {}

  /** A broker with the embedded defaults: PLAINTEXT, one node, transactions on. */
  public static EmbeddedKafkaExtension create() {
    return new EmbeddedKafkaExtension();
  }

  /**
   * Aborts a killed exactly-once producer's transaction within seconds ({@link
   * EmbeddedKafkaBroker#QUICK_TRANSACTION_ABORT}). For tests that kill an application.
   */
  public EmbeddedKafkaExtension withQuickTransactionAbort() {
    brokerProperties.putAll(EmbeddedKafkaBroker.QUICK_TRANSACTION_ABORT);
    return this;
  }

  /**
   * Adds a SASL_SSL listener (SASL/PLAIN over TLS, a key pair generated for this class) that admits
   * these users; see {@link #saslSsl()}. PLAINTEXT stays open for {@link #clients()}.
   */
  public EmbeddedKafkaExtension withSaslSsl(Map<String, String> users) {
    saslUsers = Map.copyOf(users);
    return this;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    if (broker != null) {
      return; // a @Nested class shares its enclosing class's broker
    }
    owner = context.getUniqueId();
    EmbeddedKafkaBroker.Builder builder = EmbeddedKafkaBroker.builder();
    if (!saslUsers.isEmpty()) {
      keyDirectory = Files.createTempDirectory("embedded-kafka-keys-");
      saslSsl = SaslSslListener.generate(keyDirectory, saslUsers);
      // The SASL listener's properties name every listener, so their ports are fixed up front.
      int[] ports = SaslSslListener.freePorts(2);
      builder
          .port(ports[0])
          .controllerPort(ports[1])
          .brokerProperties(saslSsl.brokerProperties(ports[0], ports[1]));
    }
    broker = builder.brokerProperties(brokerProperties).build().start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (!context.getUniqueId().equals(owner)) {
      return;
    }
    try {
      broker.close();
    } finally {
      broker = null;
      if (keyDirectory != null) {
        deleteRecursively(keyDirectory);
      }
    }
  }

  /** The running broker. */
  public EmbeddedKafkaBroker broker() {
    if (broker == null) {
      throw new IllegalStateException(
          "No broker: register the extension on a static field with @RegisterExtension");
    }
    return broker;
  }

  /** The PLAINTEXT listener, for example {@code 127.0.0.1:40123}. */
  public String bootstrapServers() {
    return broker().bootstrapServers();
  }

  /** Clients on the PLAINTEXT listener. */
  public TestClients clients() {
    return TestClients.of(bootstrapServers());
  }

  /** The SASL_SSL listener added by {@link #withSaslSsl}: its address and client properties. */
  public SaslSslListener saslSsl() {
    broker();
    if (saslSsl == null) {
      throw new IllegalStateException("No SASL_SSL listener: build the extension withSaslSsl");
    }
    return saslSsl;
  }

  /** Clients that log in as {@code user} over the SASL_SSL listener. */
  public TestClients clients(String user, String password) {
    return TestClients.of(saslSsl().bootstrapServers(), saslSsl().clientProperties(user, password));
  }

  private static void deleteRecursively(Path directory) {
    try (Stream<Path> paths = Files.walk(directory)) {
      List<Path> deepestFirst = paths.sorted(Comparator.reverseOrder()).toList();
      for (Path path : deepestFirst) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete " + directory, e);
    }
  }
}
