package io.digitstream.trainer;

import io.digitstream.config.ConfigException;
import io.digitstream.config.Settings;
import io.digitstream.model.ModelBundle;
import io.digitstream.record.ModelAnnouncement;
import io.digitstream.topic.TopicNames;
import io.digitstream.topic.TopicPlan;
import io.digitstream.topic.TopicProvisioner;
import io.digitstream.topic.TopicRole;
import io.digitstream.topic.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code digitstream publish-model}: announces a model bundle on the models topic, so that every
 * running streams application switches to it between two batches. The bundle is opened and its
 * checksum verified first; the record carries the bundle's absolute location, never its weights.
 * Rolling back is announcing the previous bundle again.
 */
@Command(
    name = "publish-model",
    description = {
      "Announce a model bundle on the models topic; running streams applications switch to it.",
      "The bundle must be readable at the same absolute path by every streams instance."
    },
    mixinStandardHelpOptions = true)
final class PublishModelCommand implements Callable<Integer> {
  static final String DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092";
  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(60);

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "BUNDLE",
      description = "The model bundle directory (omit with --retire-shadow).")
  Path bundle;

  @Option(
      names = "--role",
      paramLabel = "ROLE",
      defaultValue = ModelAnnouncement.ACTIVE,
      description =
          "active (scores every image; default) or shadow (scored alongside for comparison).")
  String role;

  @Option(
      names = "--retire-shadow",
      paramLabel = "VERSION",
      description = "End shadow mode instead of announcing a bundle; VERSION names the shadow.")
  String retireShadow;

  @Option(
      names = "--bootstrap-servers",
      paramLabel = "HOST:PORT",
      description = "Kafka brokers (default: " + DEFAULT_BOOTSTRAP_SERVERS + ").")
  String bootstrapServers;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "A properties file of Kafka producer and digitstream.topic.* settings.")
  Path config;

  @Option(
      names = "-X",
      paramLabel = "KEY=VALUE",
      description = "A Kafka producer or digitstream.topic.* setting; repeatable.")
  List<String> overrides = new ArrayList<>();

  @Option(
      names = "--sign-key",
      paramLabel = "FILE",
      description = {
        "Sign the bundle with this Ed25519 private key (from 'model-key') before announcing it.",
        "Streams applications refuse unsigned bundles unless"
            + " digitstream.models.require.signature=false."
      })
  Path signKey;

  @Option(
      names = "--topic",
      paramLabel = "TOPIC",
      description = "Models topic (digitstream.topic.models, default: digits.models).")
  String topic;

  @Override
  public Integer call() throws Exception {
    ModelAnnouncement announcement = announcement();

    Properties props = settings();
    TopicNames names = TopicNames.from(props);
    Topics.Topic<ModelAnnouncement> models = new Topics(names).models();
    Properties producerConfig = new Properties();
    props.stringPropertyNames().stream()
        .filter(k -> !k.startsWith("digitstream."))
        .forEach(k -> producerConfig.setProperty(k, props.getProperty(k)));
    producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
    producerConfig.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "45000");

    ensureTopic(producerConfig, names);
    RecordMetadata written;
    try (KafkaProducer<String, ModelAnnouncement> producer =
        new KafkaProducer<>(
            producerConfig, models.keySerde().serializer(), models.valueSerde().serializer())) {
      try {
        // Waits for the partition's leader: a send right after creation can be lost
        // (KAFKA-15591).
        producer.partitionsFor(models.name());
        written =
            producer
                .send(new ProducerRecord<>(models.name(), announcement.key(), announcement))
                .get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        throw new IllegalArgumentException(
            "could not announce model "
                + announcement.version()
                + " on "
                + models.name()
                + " at "
                + producerConfig.getProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)
                + ": "
                + cause.getMessage(),
            cause);
      } catch (TimeoutException e) {
        throw new IllegalArgumentException(
            "no answer from "
                + producerConfig.getProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)
                + " within "
                + SEND_TIMEOUT.toSeconds()
                + " s while announcing model "
                + announcement.version());
      }
    }
    if (announcement.retire()) {
      System.out.printf(
          "Retired shadow model %s on %s-%d@%d%n",
          announcement.version(), written.topic(), written.partition(), written.offset());
    } else {
      System.out.printf(
          "Announced model %s (role %s) on %s-%d@%d%n  location %s%n  sha256   %s%n",
          announcement.version(),
          announcement.role(),
          written.topic(),
          written.partition(),
          written.offset(),
          announcement.location(),
          announcement.sha256());
    }
    return 0;
  }

  private ModelAnnouncement announcement() throws java.io.IOException {
    long now = System.currentTimeMillis();
    if (retireShadow != null) {
      if (bundle != null) {
        throw new IllegalArgumentException("give either BUNDLE or --retire-shadow, not both");
      }
      return ModelAnnouncement.retireShadow(retireShadow, now);
    }
    if (bundle == null) {
      throw new IllegalArgumentException("missing BUNDLE: the model bundle directory to announce");
    }
    if (!ModelAnnouncement.ACTIVE.equals(role) && !ModelAnnouncement.SHADOW.equals(role)) {
      throw new IllegalArgumentException("--role must be active or shadow, got '" + role + "'");
    }
    // Verifies network.zip against bundle.json, so a damaged bundle is never announced.
    ModelBundle opened =
        signKey == null ? ModelBundle.open(bundle) : SignModelCommand.sign(bundle, signKey);
    Path location = opened.directory().toAbsolutePath().normalize();
    return ModelAnnouncement.of(
        role, opened.version(), location.toString(), opened.metadata().networkSha256(), now);
  }

  /**
   * Creates the models topic if it is missing, by its spec (one partition, compacted, so that the
   * latest announcement per role is kept for ever and in order), and waits for its leader.
   */
  private static void ensureTopic(Properties producerConfig, TopicNames names) {
    Properties adminConfig = new Properties();
    producerConfig.forEach(
        (k, v) -> {
          if (AdminClientConfig.configNames().contains(k.toString())) {
            adminConfig.put(k, v);
          }
        });
    try (Admin admin = Admin.create(adminConfig)) {
      new TopicProvisioner(
              admin,
              producerConfig.getProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG),
              SEND_TIMEOUT)
          .ensure(
              names,
              List.of(TopicRole.MODELS),
              new TopicPlan(true, Optional.empty(), Optional.empty()));
    }
  }

  /** Defaults, then {@code --config}, then {@code DIGITSTREAM_*} variables, -X, the options. */
  private Properties settings() {
    Map<String, String> flags = new TreeMap<>(Settings.parsePairs(overrides));
    if (bootstrapServers != null) {
      flags.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    }
    if (topic != null) {
      flags.put(TopicRole.MODELS.settingsKey(), topic);
    }
    Properties props =
        Settings.load(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, DEFAULT_BOOTSTRAP_SERVERS),
            config,
            System.getenv(),
            flags);
    if (props.getProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "").isBlank()) {
      throw ConfigException.invalid(
          ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "", "a list of host:port pairs");
    }
    return props;
  }
}
