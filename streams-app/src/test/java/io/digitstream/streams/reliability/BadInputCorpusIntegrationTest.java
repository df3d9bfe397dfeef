package io.digitstream.streams.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.digitstream.record.Codec;
import io.digitstream.record.DigitImage;
import io.digitstream.record.InvalidRecordException;
import io.digitstream.streams.Fixtures;
import io.digitstream.streams.ScoringService;
import io.digitstream.streams.StreamsSettings;
import io.digitstream.streams.deadletter.DeadLetters;
import io.digitstream.streams.metrics.AppMetrics.LabelOutcome;
import io.digitstream.testkit.EmbeddedKafkaExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A corpus of malformed image and label records, interleaved with valid ones, against the real
 * scoring service on the embedded broker: every bad record reaches the dead-letter topic with a
 * reason a person understands, every valid image record is scored exactly once as seen by a {@code
 * read_committed} reader, and the application stays RUNNING throughout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputCorpusIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(BadInputCorpusIntegrationTest.class);

  /** Header that names the corpus entry; dead letters keep the original headers. */
  private static final String KIND = "corpus-kind";

  private static final int VALID_IMAGES = 150;

  @RegisterExtension static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.create();

  @TempDir Path stateDir;

  /** One kind of bad record and the words its dead letter's reason must contain. */
  record Bad(String kind, String role, String key, byte[] value, String reason) {}

  @Test
  void deadLettersEveryMalformedRecordWithItsReasonAndScoresEveryValidImageExactlyOnce()
      throws Exception {
    String name = Fixtures.uniqueName("corpus");
    Map<String, String> config =
        new HashMap<>(Fixtures.settings(kafka.bootstrapServers(), name, stateDir));
    config.put(StreamsSettings.TOPICS_PARTITIONS, "2");
    StreamsSettings settings = StreamsSettings.load(null, Map.of(), config);
    String imagesTopic = settings.topics().names().images();
    String labelsTopic = settings.topics().names().labels();

    List<Bad> corpus = corpus();
    assertThat(corpus.stream().map(Bad::kind).distinct()).hasSize(corpus.size());
    assertThat(corpus).filteredOn(b -> b.role().equals("images")).hasSizeGreaterThanOrEqualTo(25);
    assertThat(corpus).filteredOn(b -> b.role().equals("labels")).hasSizeGreaterThanOrEqualTo(10);

    // Valid traffic: images with their labels, plus valid records of unusual shape.
    List<ProducerRecord<String, byte[]>> valid = new ArrayList<>();
    Map<String, Integer> imageRecordsPerId = new HashMap<>();
    Set<String> labelled = new java.util.HashSet<>();
    for (int i = 0; i < VALID_IMAGES; i++) {
      DigitImage image = Fixtures.image("img-" + i, i);
      valid.add(new ProducerRecord<>(imagesTopic, image.id(), Fixtures.json(image)));
      valid.add(new ProducerRecord<>(labelsTopic, image.id(), label(image.id(), digit(i))));
      imageRecordsPerId.merge(image.id(), 1, Integer::sum);
      labelled.add(image.id());
    }
    // Unknown extra fields are accepted and ignored.
    valid.add(
        new ProducerRecord<>(
            imagesTopic,
            "extra-fields",
            json(
                "{\"id\":\"extra-fields\",\"pixels\":\"%s\",\"tenant\":\"acme\",\"trace\":{\"a\":[1,2]}}",
                base64(Fixtures.image("x", 3)))));
    valid.add(
        new ProducerRecord<>(
            labelsTopic,
            "extra-fields",
            json("{\"id\":\"extra-fields\",\"label\":%d,\"who\":\"qa\"}", digit(3))));
    labelled.add("extra-fields");
    imageRecordsPerId.put("extra-fields", 1);
    // Pixels as a JSON array of integers, the hand-typed form.
    valid.add(
        new ProducerRecord<>(
            imagesTopic,
            "as-array",
            json("{\"id\":\"as-array\",\"pixels\":%s}", intArray(Fixtures.image("x", 4)))));
    imageRecordsPerId.put("as-array", 1);
    // Just under the 64 KiB limit: accepted.
    String padding = "p".repeat(60_000);
    valid.add(
        new ProducerRecord<>(
            imagesTopic,
            "under-limit",
            json(
                "{\"id\":\"under-limit\",\"pixels\":\"%s\",\"padding\":\"%s\"}",
                base64(Fixtures.image("x", 5)), padding)));
    imageRecordsPerId.put("under-limit", 1);
    // A duplicate id is not malformed: each image record is scored, the label join counts the
    // second prediction as a duplicate and the matrix counts the image once.
    valid.add(
        new ProducerRecord<>(imagesTopic, "img-7", Fixtures.json(Fixtures.image("img-7", 7))));
    imageRecordsPerId.merge("img-7", 1, Integer::sum);
    // A duplicate label: counted once.
    valid.add(new ProducerRecord<>(labelsTopic, "img-8", label("img-8", digit(8))));

    // Interleave: one bad record after every few valid ones.
    List<ProducerRecord<String, byte[]>> records = new ArrayList<>(valid);
    int step = Math.max(1, valid.size() / (corpus.size() + 1));
    for (int i = 0; i < corpus.size(); i++) {
      Bad bad = corpus.get(i);
      String topic = bad.role().equals("images") ? imagesTopic : labelsTopic;
      RecordHeaders headers = new RecordHeaders();
      headers.add(KIND, bad.kind().getBytes(StandardCharsets.UTF_8));
      records.add(
          Math.min(records.size(), (i + 1) * step + i),
          new ProducerRecord<>(topic, null, bad.key(), bad.value(), headers));
    }
    int validImageRecords = imageRecordsPerId.values().stream().mapToInt(Integer::intValue).sum();

    Set<KafkaStreams.State> statesSeen = ConcurrentHashMap.newKeySet();
    ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor();
    long started = System.nanoTime();
    try (ScoringService service = new ScoringService(settings)) {
      service.start();
      assertThat(service.awaitRunning(Duration.ofSeconds(60))).as("running").isTrue();
      watcher.scheduleAtFixedRate(
          () -> statesSeen.add(service.state()), 0, 20, TimeUnit.MILLISECONDS);

      kafka.clients().send(records);

      List<ConsumerRecord<String, byte[]>> letters =
          kafka
              .clients()
              .readCommitted(
                  settings.topics().names().deadLetters(),
                  corpus.size(),
                  Duration.ofSeconds(90),
                  Duration.ofSeconds(1));
      List<ConsumerRecord<String, byte[]>> predictions =
          kafka
              .clients()
              .readCommitted(
                  settings.topics().names().predictions(),
                  validImageRecords,
                  Duration.ofSeconds(90),
                  Duration.ofSeconds(2));
      String version = Fixtures.bundle().version();
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptions()
          .until(() -> cumulativeCount(service, version) >= labelled.size());
      // Nothing more is counted later: each labelled image exactly once.
      await()
          .during(Duration.ofSeconds(2))
          .atMost(Duration.ofSeconds(5))
          .ignoreExceptions()
          .until(() -> cumulativeCount(service, version) == labelled.size());
      watcher.shutdownNow();
      long elapsedMs = (System.nanoTime() - started) / 1_000_000;

      // Every bad record is dead-lettered once, with its reason and where it came from.
      Map<String, ConsumerRecord<String, byte[]>> byKind =
          letters.stream().collect(Collectors.toMap(r -> header(r, KIND), Function.identity()));
      assertThat(letters).hasSize(corpus.size());
      for (Bad bad : corpus) {
        ConsumerRecord<String, byte[]> letter = byKind.get(bad.kind());
        assertThat(letter).as("dead letter of '%s'", bad.kind()).isNotNull();
        assertThat(header(letter, DeadLetters.MESSAGE)).as(bad.kind()).contains(bad.reason());
        assertThat(header(letter, DeadLetters.EXCEPTION))
            .as(bad.kind())
            .isEqualTo(InvalidRecordException.class.getName());
        assertThat(header(letter, DeadLetters.TOPIC))
            .as(bad.kind())
            .isEqualTo(bad.role().equals("images") ? imagesTopic : labelsTopic);
        assertThat(letter.key()).as(bad.kind()).isEqualTo(bad.key());
        assertThat(letter.value()).as(bad.kind()).isEqualTo(bad.value());
        log.info("{} -> {}", bad.kind(), header(letter, DeadLetters.MESSAGE));
      }

      // Every valid image record is scored exactly once.
      Map<String, Long> predictionsPerId =
          predictions.stream()
              .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
      assertThat(predictionsPerId)
          .isEqualTo(
              imageRecordsPerId.entrySet().stream()
                  .collect(Collectors.toMap(Map.Entry::getKey, e -> (long) e.getValue())));
      for (ConsumerRecord<String, byte[]> record : predictions) {
        assertThat(Codec.predictions().decode(record.value()).id()).isEqualTo(record.key());
      }
      assertThat(service.metrics().labels(LabelOutcome.DUPLICATE)).isEqualTo(1);
      assertThat(service.failure()).isEmpty();
      assertThat(statesSeen).containsOnly(KafkaStreams.State.RUNNING);
      log.info(
          "Corpus of {} bad kinds ({} images, {} labels) and {} valid image records: {} dead"
              + " letters, {} predictions, {} labelled images counted, states {}, {} ms",
          corpus.size(),
          corpus.stream().filter(b -> b.role().equals("images")).count(),
          corpus.stream().filter(b -> b.role().equals("labels")).count(),
          validImageRecords,
          letters.size(),
          predictions.size(),
          cumulativeCount(service, version),
          statesSeen,
          elapsedMs);
    } finally {
      watcher.shutdownNow();
    }
  }

  private static List<Bad> corpus() {
    String px = base64(Fixtures.image("x", 1));
    String ints = intArray(Fixtures.image("x", 1));
    String ints783 = ints.substring(0, ints.lastIndexOf(',')) + "]";
    String ints785 = ints.substring(0, ints.length() - 1) + ",0]";
    String head = ints.substring(0, ints.lastIndexOf(',') + 1);
    byte[] junk = new byte[512];
    new Random(8).nextBytes(junk);
    junk[0] = (byte) 0xC3; // never a valid start of JSON
    List<Bad> c = new ArrayList<>();
    // Images.
    c.add(img("not JSON", "b1", json("hello, kafka"), "not valid JSON"));
    c.add(img("truncated JSON", "b2", json("{\"id\":\"b2\",\"pixels\":\"AAAA"), "not valid JSON"));
    c.add(img("JSON array instead of object", "b3", json("[1,2,3]"), "expected a JSON object"));
    c.add(img("JSON string instead of object", "b4", json("\"b4\""), "expected a JSON object"));
    c.add(img("JSON null literal", "b5", json("null"), "expected a JSON object"));
    c.add(
        img(
            "trailing garbage after object",
            "b6",
            json("{\"id\":\"b6\",\"pixels\":\"%s\"} x", px),
            "not valid JSON"));
    c.add(img("missing id", "b7", json("{\"pixels\":\"%s\"}", px), "id is missing"));
    c.add(
        img(
            "empty id",
            "b8",
            json("{\"id\":\"\",\"pixels\":\"%s\"}", px),
            "id is missing or empty"));
    c.add(
        img(
            "blank id",
            "b9",
            json("{\"id\":\"   \",\"pixels\":\"%s\"}", px),
            "id is missing or empty"));
    c.add(
        img(
            "id is a number",
            "b10",
            json("{\"id\":10,\"pixels\":\"%s\"}", px),
            "id must be a string"));
    c.add(
        img(
            "id longer than 256 characters",
            "b11",
            json("{\"id\":\"%s\",\"pixels\":\"%s\"}", "i".repeat(257), px),
            "at most 256 allowed"));
    c.add(img("missing pixels", "b12", json("{\"id\":\"b12\"}"), "pixels is missing"));
    c.add(
        img(
            "pixels is a number",
            "b13",
            json("{\"id\":\"b13\",\"pixels\":7}"),
            "pixels must be a base64 string or an array"));
    c.add(
        img(
            "783 pixels",
            "b14",
            json("{\"id\":\"b14\",\"pixels\":%s}", ints783),
            "pixels must hold 784 values (28x28), got 783"));
    c.add(
        img(
            "785 pixels",
            "b15",
            json("{\"id\":\"b15\",\"pixels\":%s}", ints785),
            "pixels must hold 784 values (28x28), got 785"));
    c.add(
        img(
            "pixel value -1",
            "b16",
            json("{\"id\":\"b16\",\"pixels\":%s-1]}", head),
            "pixels[783] is -1, outside 0-255"));
    c.add(
        img(
            "pixel value 256",
            "b17",
            json("{\"id\":\"b17\",\"pixels\":%s256]}", head),
            "pixels[783] is 256, outside 0-255"));
    c.add(
        img(
            "pixel value is a float",
            "b18",
            json("{\"id\":\"b18\",\"pixels\":%s0.5]}", head),
            "pixels[783] must be an integer 0-255"));
    c.add(
        img(
            "pixel value NaN",
            "b19",
            json("{\"id\":\"b19\",\"pixels\":%sNaN]}", head),
            "not valid JSON"));
    c.add(
        img(
            "pixel value is a string",
            "b20",
            json("{\"id\":\"b20\",\"pixels\":%s\"7\"]}", head),
            "pixels[783] must be an integer 0-255"));
    c.add(
        img(
            "pixel value null",
            "b21",
            json("{\"id\":\"b21\",\"pixels\":%snull]}", head),
            "pixels[783] must be an integer 0-255"));
    c.add(
        img(
            "pixel value huge",
            "b22",
            json("{\"id\":\"b22\",\"pixels\":%s99999999999999999999]}", head),
            "outside 0-255"));
    c.add(
        img(
            "bad base64",
            "b23",
            json("{\"id\":\"b23\",\"pixels\":\"!!not*base64\"}"),
            "pixels is not valid base64"));
    c.add(
        img(
            "base64 of 783 bytes",
            "b24",
            json(
                "{\"id\":\"b24\",\"pixels\":\"%s\"}",
                Base64.getEncoder().encodeToString(new byte[783])),
            "pixels must decode to 784 bytes (28x28), got 783"));
    c.add(
        img(
            "base64 of 785 bytes",
            "b25",
            json(
                "{\"id\":\"b25\",\"pixels\":\"%s\"}",
                Base64.getEncoder().encodeToString(new byte[785])),
            "got 785"));
    c.add(
        img(
            "source is a number",
            "b26",
            json("{\"id\":\"b26\",\"pixels\":\"%s\",\"source\":5}", px),
            "source must be a string"));
    c.add(
        img(
            "duplicate field in one record",
            "b27",
            json("{\"id\":\"b27\",\"id\":\"b27\",\"pixels\":\"%s\"}", px),
            "Duplicate field 'id'"));
    c.add(img("null value", "b28", null, "null value: expected an image JSON object"));
    c.add(img("empty value", "b29", new byte[0], "empty value: expected an image JSON object"));
    c.add(
        img(
            "value of 65,537 bytes",
            "b30",
            oversized("b30", 65_537),
            "record of 65537 bytes exceeds the limit of 65536"));
    c.add(
        img(
            "value near the broker's maximum message size",
            "b31",
            oversized("b31", 1_000_000),
            "record of 1000000 bytes exceeds the limit of 65536"));
    c.add(img("binary junk", "b32", junk, "not valid JSON"));
    // Jackson detects UTF-16 by itself, so this one is read and refused for what it lacks.
    c.add(
        img(
            "UTF-16 text without pixels",
            "b33",
            "{\"id\":\"b33\"}".getBytes(StandardCharsets.UTF_16),
            "pixels is missing"));
    c.add(
        img(
            "null key",
            null,
            Fixtures.json(Fixtures.image("b34", 1)),
            "key is null: an image must be keyed by its id 'b34'"));
    c.add(
        img(
            "key differs from id",
            "b35-key",
            Fixtures.json(Fixtures.image("b35", 1)),
            "key 'b35-key' differs from the image id 'b35'"));
    c.add(
        img(
            "deeply nested JSON",
            "b36",
            json("{\"id\":\"b36\",\"x\":%s1%s}", "[".repeat(100), "]".repeat(100)),
            "not valid JSON"));
    // Labels.
    c.add(lab("label: not JSON", "l1", json("seven"), "not valid JSON"));
    c.add(lab("label: truncated JSON", "l2", json("{\"id\":\"l2\",\"lab"), "not valid JSON"));
    c.add(
        lab(
            "label: 10, out of 0-9",
            "l3",
            json("{\"id\":\"l3\",\"label\":10}"),
            "label must be a digit 0-9, got 10"));
    c.add(
        lab(
            "label: -1, out of 0-9",
            "l4",
            json("{\"id\":\"l4\",\"label\":-1}"),
            "label must be a digit 0-9, got -1"));
    c.add(lab("label: a float", "l5", json("{\"id\":\"l5\",\"label\":3.5}"), "invalid label"));
    c.add(lab("label: a word", "l6", json("{\"id\":\"l6\",\"label\":\"seven\"}"), "invalid label"));
    c.add(
        lab(
            "label: null",
            "l7",
            json("{\"id\":\"l7\",\"label\":null}"),
            "label is missing or null"));
    c.add(lab("label: missing", "l8", json("{\"id\":\"l8\"}"), "label is missing or null"));
    c.add(lab("label: missing id", "l9", json("{\"label\":3}"), "id is missing or empty"));
    c.add(
        lab("label: empty id", "l10", json("{\"id\":\"\",\"label\":3}"), "id is missing or empty"));
    c.add(lab("label: null value", "l11", null, "null value: expected a DigitLabel JSON object"));
    c.add(
        lab(
            "label: empty value",
            "l12",
            new byte[0],
            "empty value: expected a DigitLabel JSON object"));
    c.add(
        lab(
            "label: null key",
            null,
            label("img-1", 1),
            "key is null: a label must be keyed by its image id 'img-1'"));
    c.add(
        lab(
            "label: key differs from id",
            "img-2",
            label("img-3", 1),
            "label key 'img-2' differs from its image id 'img-3'"));
    c.add(lab("label: JSON array", "l15", json("[3]"), "invalid label"));
    c.add(lab("label: oversized", "l16", oversized("l16", 70_000), "exceeds the limit of 65536"));
    return c;
  }

  private static Bad img(String kind, String key, byte[] value, String reason) {
    return new Bad(kind, "images", key, value, reason);
  }

  private static Bad lab(String kind, String key, byte[] value, String reason) {
    return new Bad(kind, "labels", key, value, reason);
  }

  /** A syntactically valid image padded to {@code size} bytes. */
  private static byte[] oversized(String id, int size) {
    String start = "{\"id\":\"" + id + "\",\"pad\":\"";
    String end = "\"}";
    return json("%s%s%s", start, "x".repeat(size - start.length() - end.length()), end);
  }

  private static int digit(int i) {
    return Fixtures.digits().label(i % Fixtures.digits().size());
  }

  private static byte[] label(String id, int digit) {
    return json("{\"id\":\"%s\",\"label\":%d}", id, digit);
  }

  private static String base64(DigitImage image) {
    return image.pixelsBase64();
  }

  private static String intArray(DigitImage image) {
    byte[] p = image.pixels();
    return IntStream.range(0, p.length)
        .mapToObj(i -> String.valueOf(p[i] & 0xFF))
        .collect(Collectors.joining(",", "[", "]"));
  }

  private static byte[] json(String format, Object... args) {
    return String.format(format, args).getBytes(StandardCharsets.UTF_8);
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null || header.value() == null
        ? null
        : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static long cumulativeCount(ScoringService service, String version) {
    return service.accuracy().cumulative(version).map(w -> w.matrix().count()).orElse(0L);
  }
}
