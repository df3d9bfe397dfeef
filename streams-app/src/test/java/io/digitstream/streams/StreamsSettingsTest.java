package io.digitstream.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitstream.config.ConfigException;
import io.digitstream.streams.accuracy.AccuracySettings;
import io.digitstream.streams.deadletter.DeadLetterDeserializationHandler;
import io.digitstream.streams.deadletter.DeadLetterProcessingHandler;
import io.digitstream.streams.web.HttpSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamsSettingsTest {
  @TempDir Path dir;

  @Test
  void startsFromTheDocumentedDefaults() {
    StreamsSettings settings = StreamsSettings.load(null, Map.of(), Map.of());
    Properties kafka = settings.kafka();

    assertThat(kafka)
        .containsEntry("application.id", "digitstream-scorer")
        .containsEntry("bootstrap.servers", "127.0.0.1:9092")
        .containsEntry("processing.guarantee", "exactly_once_v2")
        .containsEntry("num.stream.threads", "2")
        .containsEntry("commit.interval.ms", "25")
        .containsEntry("poll.ms", "5")
        .containsEntry("processing.exception.handler.global.enabled", "true")
        .containsEntry("ensure.explicit.internal.resource.naming", "true")
        .containsEntry("errors.dead.letter.queue.topic.name", "digits.images.dlq")
        .containsEntry(
            "deserialization.exception.handler", DeadLetterDeserializationHandler.class.getName())
        .containsEntry("processing.exception.handler", DeadLetterProcessingHandler.class.getName());
    assertThat(Path.of(kafka.getProperty("state.dir")))
        .isAbsolute()
        .endsWithRaw(Path.of("data", "streams-state"));
    assertThat(kafka.stringPropertyNames()).noneMatch(k -> k.startsWith("digitstream."));
    assertThat(settings.model()).isEqualTo(Path.of("models", "default"));
    assertThat(settings.batching().maxSize()).isEqualTo(64);
    assertThat(settings.batching().maxWait()).isEqualTo(Duration.ofMillis(10));
    assertThat(settings.createTopics()).isTrue();
    assertThat(settings.partitions()).isEqualTo(4);
    assertThat(settings.replicationFactor()).isEmpty();
    assertThat(settings.nativeThreads()).isEqualTo(1);
    assertThat(settings.exactlyOnce()).isTrue();
    assertThat(settings.topics().names().images()).isEqualTo("digits.images");
  }

  @Test
  void takesTheModelDirectoriesFromTheStartUpBundleUnlessSetAndRequiresSignatures() {
    StreamsSettings defaults = StreamsSettings.load(null, Map.of(), Map.of());
    assertThat(defaults.modelSources().dirs()).containsExactly(Path.of("models").toAbsolutePath());
    assertThat(defaults.modelSources().requireSignature()).isTrue();
    assertThat(defaults.modelSources().trustedKeys()).isEmpty();

    StreamsSettings set =
        StreamsSettings.load(
            null,
            Map.of(),
            Map.of(
                "digitstream.models.dirs", "/srv/models, /srv/more",
                "digitstream.models.trusted.keys", "/etc/k1.pub,/etc/k2.pub",
                "digitstream.models.require.signature", "false"));
    assertThat(set.modelSources().dirs())
        .containsExactly(Path.of("/srv/models"), Path.of("/srv/more"));
    assertThat(set.modelSources().trustedKeys()).hasSize(2);
    assertThat(set.modelSources().requireSignature()).isFalse();
    assertThat(set.describe()).contains("digitstream.models.dirs=/srv/models,/srv/more");
    // A key file that is not there fails the start with the key's name.
    assertThatThrownBy(() -> set.modelSources().admission())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("digitstream.models.trusted.keys");
  }

  @Test
  void layersTheFileTheEnvironmentAndTheCommandLineInThatOrder() throws Exception {
    Path file = dir.resolve("streams.properties");
    Files.writeString(
        file,
        "bootstrap.servers=file:9092\n"
            + "digitstream.batch.max.size=8\n"
            + "digitstream.batch.max.wait.ms=5\n"
            + "num.stream.threads=3\n");

    StreamsSettings settings =
        StreamsSettings.load(
            file,
            Map.of(
                "DIGITSTREAM_BOOTSTRAP_SERVERS", "env:9092", "DIGITSTREAM_NUM_STREAM_THREADS", "4"),
            Map.of("num.stream.threads", "1"));

    assertThat(settings.kafka())
        .containsEntry("bootstrap.servers", "env:9092")
        .containsEntry("num.stream.threads", "1")
        .containsEntry("poll.ms", "2");
    assertThat(settings.batching().maxSize()).isEqualTo(8);
  }

  @Test
  void readsItsOwnKeysFromTheEnvironmentWithoutTheirPrefix() {
    StreamsSettings settings =
        StreamsSettings.load(
            null,
            Map.of(
                "DIGITSTREAM_BATCH_MAX_SIZE", "16",
                "DIGITSTREAM_MODEL", "/models/v2",
                "DIGITSTREAM_TOPIC_IMAGES", "prod.images",
                "DIGITSTREAM_BATCH_SIZE", "32768"),
            Map.of());

    assertThat(settings.batching().maxSize()).isEqualTo(16);
    assertThat(settings.model()).isEqualTo(Path.of("/models/v2"));
    assertThat(settings.topics().names().images()).isEqualTo("prod.images");
    assertThat(settings.kafka()).containsEntry("batch.size", "32768");
  }

  @Test
  void passesKafkaClientPropertiesThroughAndHidesSecretsWhenDescribed() {
    StreamsSettings settings =
        StreamsSettings.load(
            null,
            Map.of(),
            Map.of(
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", "PLAIN",
                "sasl.jaas.config",
                    "org.apache.kafka.common.security.plain.PlainLoginModule required"
                        + " username=\"u\" password=\"s3cret\";",
                "producer.linger.ms", "5",
                "poll.ms", "40"));

    assertThat(settings.kafka())
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.mechanism", "PLAIN")
        .containsEntry("producer.linger.ms", "5")
        .containsEntry("poll.ms", "40");
    assertThat(settings.kafka().getProperty("sasl.jaas.config")).contains("s3cret");
    assertThat(settings.describe())
        .contains("sasl.jaas.config=[hidden]")
        .contains("security.protocol=SASL_SSL")
        .doesNotContain("s3cret");
  }

  @Test
  void refusesAnUnknownProcessingGuaranteeNamingTheKeyAndTheAcceptedValues() {
    assertThatThrownBy(
            () -> StreamsSettings.load(null, Map.of(), Map.of("processing.guarantee", "exactly")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("processing.guarantee")
        .hasMessageContaining("exactly")
        .hasMessageContaining("at_least_once")
        .hasMessageContaining("exactly_once_v2");
  }

  @Test
  void refusesABatchSizeOutOfRangeNamingTheKeyAndTheRange() {
    assertThatThrownBy(
            () -> StreamsSettings.load(null, Map.of(), Map.of(StreamsSettings.BATCH_MAX_SIZE, "0")))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Invalid value '0' for digitstream.batch.max.size: expected an integer between 1"
                + " and 4096");
    assertThatThrownBy(
            () ->
                StreamsSettings.load(
                    null, Map.of(), Map.of(StreamsSettings.BATCH_MAX_WAIT_MS, "soon")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("digitstream.batch.max.wait.ms")
        .hasMessageContaining("between 1 and 60000");
  }

  @Test
  void refusesNonBooleanTopicCreation() {
    assertThatThrownBy(
            () ->
                StreamsSettings.load(null, Map.of(), Map.of(StreamsSettings.TOPICS_CREATE, "yes")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Invalid value 'yes' for digitstream.topics.create: expected true or false");
  }

  @Test
  void refusesAnIllegalTopicName() {
    assertThatThrownBy(
            () ->
                StreamsSettings.load(
                    null, Map.of(), Map.of("digitstream.topic.predictions", "bad name")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("digitstream.topic.predictions")
        .hasMessageContaining("[a-zA-Z0-9._-]");
  }

  @Test
  void takesTheDeadLetterTopicFromTheTopicRegistryOnly() {
    StreamsSettings renamed =
        StreamsSettings.load(null, Map.of(), Map.of("digitstream.topic.dlq", "bad.images"));
    assertThat(renamed.kafka()).containsEntry("errors.dead.letter.queue.topic.name", "bad.images");

    assertThatThrownBy(
            () ->
                StreamsSettings.load(
                    null, Map.of(), Map.of("errors.dead.letter.queue.topic.name", "other")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("errors.dead.letter.queue.topic.name")
        .hasMessageContaining("digitstream.topic.dlq");
  }

  @Test
  void refusesZeroStreamThreads() {
    assertThatThrownBy(
            () ->
                StreamsSettings.load(
                    null, Map.of(), Map.of(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "0")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("num.stream.threads");
  }

  @Test
  void readsTheJoinAndWindowSettingsFromTheEnvironmentAndOverrides() {
    StreamsSettings settings =
        StreamsSettings.load(
            null,
            Map.of("DIGITSTREAM_JOIN_LATENESS_MS", "60000"),
            Map.of(
                AccuracySettings.HOPPING_MS, "120000",
                HttpSettings.PORT, "0"));

    assertThat(settings.accuracy().lateness()).isEqualTo(Duration.ofMinutes(1));
    assertThat(settings.accuracy().hopping()).isEqualTo(Duration.ofMinutes(2));
    assertThat(settings.accuracy().tumbling()).isEqualTo(Duration.ofMinutes(1));
    assertThat(settings.http().port()).isZero();
    assertThat(settings.describe())
        .contains("digitstream.join.lateness.ms=60000")
        .contains("digitstream.http.host=127.0.0.1");
  }

  @Test
  void refusesWindowsThatAreNotAWholeNumberOfAdvances() {
    assertThatThrownBy(
            () ->
                StreamsSettings.load(null, Map.of(), Map.of(AccuracySettings.TUMBLING_MS, "65000")))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Invalid value '65000' for digitstream.accuracy.tumbling.ms: expected a multiple of"
                + " digitstream.accuracy.advance.ms (10000)");
  }

  @Test
  void boundsTimestampsToAMinuteAheadUnlessToldOtherwiseAndRefusesLessThanASecond() {
    assertThat(StreamsSettings.load(null, Map.of(), Map.of()).accuracy().maxFuture())
        .isEqualTo(Duration.ofMinutes(1));
    assertThat(
            StreamsSettings.load(
                    null, Map.of("DIGITSTREAM_TIMESTAMPS_MAX_FUTURE_MS", "300000"), Map.of())
                .accuracy()
                .maxFuture())
        .isEqualTo(Duration.ofMinutes(5));
    assertThatThrownBy(
            () ->
                StreamsSettings.load(null, Map.of(), Map.of(AccuracySettings.MAX_FUTURE_MS, "500")))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Invalid value '500' for digitstream.timestamps.max.future.ms: expected an integer"
                + " between 1000 and 2147483647");
  }

  @Test
  void refusesAPortOutsideTheRange() {
    assertThatThrownBy(
            () -> StreamsSettings.load(null, Map.of(), Map.of(HttpSettings.PORT, "70000")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("digitstream.http.port")
        .hasMessageContaining("between 0 and 65535");
  }
}
