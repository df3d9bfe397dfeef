package io.digitstream.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A SASL_SSL listener (SASL/PLAIN over TLS) for an {@link EmbeddedKafkaBroker}, next to its
 * PLAINTEXT and CONTROLLER listeners: a self-signed key pair for 127.0.0.1 generated with the JDK's
 * {@code keytool} into a directory of the caller's (nothing is committed), the broker properties
 * that enable the listener and the client properties that reach it.
 *
 * <pre>{@code
 * SaslSslListener tls = SaslSslListener.generate(tempDir, Map.of("digits", "s3cret"));
 * int[] ports = SaslSslListener.freePorts(2);
 * EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder()
 *     .port(ports[0]).controllerPort(ports[1])
 *     .brokerProperties(tls.brokerProperties(ports[0], ports[1]))
 *     .build().start();
 * Map<String, Object> client = tls.clientProperties("digits", "s3cret");
 * }</pre>
 */
public final class SaslSslListener {
  /** The listener's name, also its security protocol. */
  public static final String NAME = "SASL_SSL";

  private static final String HOST = "127.0.0.1";
  private static final String PREFIX = "listener.name.sasl_ssl.";
  private static final String PLAIN_LOGIN =
      "org.apache.kafka.common.security.plain.PlainLoginModule";

  private final int port;
  private final Path keystore;
  private final Path truststore;
  private final String storePassword;
  private final Map<String, String> users;

  private SaslSslListener(
      int port, Path keystore, Path truststore, String storePassword, Map<String, String> users) {
    this.port = port;
    this.keystore = keystore;
    this.truststore = truststore;
    this.storePassword = storePassword;
    this.users = Map.copyOf(users);
  }

  /**
   * Generates a key pair for 127.0.0.1 and a truststore holding its certificate into {@code
   * directory}, and picks a free port for the listener.
   *
   * @param users user names and passwords the broker accepts
   */
  public static SaslSslListener generate(Path directory, Map<String, String> users) {
    if (users.isEmpty()) {
      throw new IllegalArgumentException("a SASL listener needs at least one user");
    }
    byte[] random = new byte[12];
    new SecureRandom().nextBytes(random);
    String storePassword = HexFormat.of().formatHex(random);
    Path keystore = directory.resolve("broker.p12");
    Path certificate = directory.resolve("broker.crt");
    Path truststore = directory.resolve("truststore.p12");
    keytool(
        "-genkeypair",
        "-alias",
        "broker",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-validity",
        "2",
        "-dname",
        "CN=localhost",
        "-ext",
        "SAN=ip:127.0.0.1,dns:localhost",
        "-storetype",
        "PKCS12",
        "-keystore",
        keystore.toString(),
        "-storepass",
        storePassword,
        "-keypass",
        storePassword);
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        "broker",
        "-keystore",
        keystore.toString(),
        "-storepass",
        storePassword,
        "-file",
        certificate.toString());
    keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        "broker",
        "-file",
        certificate.toString(),
        "-storetype",
        "PKCS12",
        "-keystore",
        truststore.toString(),
        "-storepass",
        storePassword);
    return new SaslSslListener(freePorts(1)[0], keystore, truststore, storePassword, users);
  }

  /** {@code count} distinct free ports on 127.0.0.1, for the broker's fixed listeners. */
  public static int[] freePorts(int count) {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket();
        sockets.add(socket);
        socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot find free ports on " + HOST, e);
    } finally {
      for (ServerSocket socket : sockets) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // Only a probe; the port is free either way.
        }
      }
    }
  }

  /** The listener's port. */
  public int port() {
    return port;
  }

  /** {@code 127.0.0.1:port} of this listener, for a client's {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return HOST + ":" + port;
  }

  /**
   * Broker properties for {@link EmbeddedKafkaBroker.Builder#brokerProperties}: this listener next
   * to the PLAINTEXT one on {@code plaintextPort} (the broker's own, kept for inter-broker traffic
   * and tools) and the controller on {@code controllerPort}.
   */
  public Map<String, String> brokerProperties(int plaintextPort, int controllerPort) {
    Map<String, String> p = new LinkedHashMap<>();
    String plaintext = EmbeddedKafkaBroker.CLIENT_LISTENER + "://" + HOST + ":" + plaintextPort;
    String secured = NAME + "://" + HOST + ":" + port;
    p.put(
        "listeners",
        plaintext
            + ","
            + EmbeddedKafkaBroker.CONTROLLER_LISTENER
            + "://"
            + HOST
            + ":"
            + controllerPort
            + ","
            + secured);
    p.put("advertised.listeners", plaintext + "," + secured);
    p.put(
        "listener.security.protocol.map",
        EmbeddedKafkaBroker.CLIENT_LISTENER
            + ":PLAINTEXT,"
            + EmbeddedKafkaBroker.CONTROLLER_LISTENER
            + ":PLAINTEXT,"
            + NAME
            + ":SASL_SSL");
    p.put(PREFIX + "sasl.enabled.mechanisms", "PLAIN");
    StringBuilder jaas = new StringBuilder(PLAIN_LOGIN).append(" required");
    users.forEach(
        (user, password) ->
            jaas.append(" user_").append(user).append("=\"").append(password).append('"'));
    p.put(PREFIX + "plain.sasl.jaas.config", jaas.append(';').toString());
    p.put(PREFIX + "ssl.keystore.type", "PKCS12");
    p.put(PREFIX + "ssl.keystore.location", keystore.toString());
    p.put(PREFIX + "ssl.keystore.password", storePassword);
    p.put(PREFIX + "ssl.key.password", storePassword);
    return p;
  }

  /**
   * Properties of a Kafka client (producer, consumer, admin, Streams) that connects to this
   * listener as {@code user}, trusting the generated certificate; {@code bootstrap.servers}
   * included.
   */
  public Map<String, Object> clientProperties(String user, String password) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("bootstrap.servers", bootstrapServers());
    p.put("security.protocol", NAME);
    p.put("sasl.mechanism", "PLAIN");
    p.put(
        "sasl.jaas.config",
        PLAIN_LOGIN + " required username=\"" + user + "\" password=\"" + password + "\";");
    p.put("ssl.truststore.type", "PKCS12");
    p.put("ssl.truststore.location", truststore.toString());
    p.put("ssl.truststore.password", storePassword);
    return p;
  }

  private static void keytool(String... args) {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    List<String> command = new ArrayList<>();
    command.add(keytool.toString());
    command.addAll(List.of(args));
    try {
      Path log = Files.createTempFile("keytool", ".log");
      try {
        Process process =
            new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new IllegalStateException("keytool " + args[0] + " did not finish in 60 s");
        }
        if (process.exitValue() != 0) {
          // Its output names the problem; the command line would show the store password.
          throw new IllegalStateException(
              "keytool "
                  + args[0]
                  + " failed with exit code "
                  + process.exitValue()
                  + ": "
                  + Files.readString(log, StandardCharsets.UTF_8).strip());
        }
      } finally {
        Files.deleteIfExists(log);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot run " + keytool, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running keytool", e);
    }
  }
}
