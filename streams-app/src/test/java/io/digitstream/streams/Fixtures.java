package io.digitstream.streams;

import io.digitstream.image.MnistDataset;
import io.digitstream.model.BundleSignature;
import io.digitstream.model.DigitClassifier;
import io.digitstream.model.ModelBundle;
import io.digitstream.model.ModelKeys;
import io.digitstream.record.Codec;
import io.digitstream.record.DigitImage;
import io.digitstream.streams.models.ModelSources;
import io.digitstream.streams.models.ModelStatus;
import io.digitstream.streams.scoring.ClassifierPool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Test data shared by the streams-app tests: a small model bundle (trained on 3,000 images, about
 * 92 % accurate) and the first 100 MNIST test images, both under src/test/resources.
 */
public final class Fixtures {
  private static ModelBundle bundle;
  private static ClassifierPool classifiers;
  private static DigitClassifier reference;
  private static MnistDataset digits;
  private static Path testKeys;

  private Fixtures() {}

  public static Path resource(String name) {
    try {
      return Path.of(Fixtures.class.getResource("/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A key pair made once per test run: bundles that tests announce are signed with it, and the
   * settings of {@link #settings} trust it.
   */
  public static synchronized Path testKeys() {
    if (testKeys == null) {
      try {
        Path keys = Files.createTempDirectory("digitstream-test-keys");
        ModelKeys.generate(keys);
        testKeys = keys;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return testKeys;
  }

  public static Path trustedKeyFile() {
    return testKeys().resolve(ModelKeys.PUBLIC_FILE);
  }

  public static PublicKey trustedKey() {
    return ModelKeys.readPublic(trustedKeyFile());
  }

  /** The bundle in {@code source} copied to {@code target} and signed with the test key. */
  public static ModelBundle signedCopy(Path source, Path target) {
    try {
      Files.createDirectories(target);
      for (String file :
          List.of(
              ModelBundle.NETWORK_FILE,
              ModelBundle.METADATA_FILE,
              ModelBundle.REFERENCE_FILE,
              ModelBundle.MONITORING_FILE)) {
        if (Files.exists(source.resolve(file))) {
          Files.copy(
              source.resolve(file), target.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      return sign(target);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Signs the bundle in {@code dir} with the test key that {@link #settings} trusts. */
  public static ModelBundle sign(Path dir) throws IOException {
    return BundleSignature.sign(
        dir, ModelKeys.readPrivate(testKeys().resolve(ModelKeys.PRIVATE_FILE)));
  }

  public static Path modelDirectory() {
    return resource("model");
  }

  public static synchronized ModelBundle bundle() {
    if (bundle == null) {
      bundle = ModelBundle.open(modelDirectory());
    }
    return bundle;
  }

  /** One pool for the whole test run: loading a network takes a noticeable fraction of a second. */
  public static synchronized ClassifierPool classifiers() {
    if (classifiers == null) {
      classifiers =
          ClassifierPool.load(bundle(), 1, io.digitstream.streams.scoring.Quarantine.inMemory());
    }
    return classifiers;
  }

  /** A classifier of its own, scoring one image at a time the way {@code predict} does. */
  public static synchronized DigitClassifier reference() {
    if (reference == null) {
      reference = DigitClassifier.load(bundle());
    }
    return reference;
  }

  public static synchronized MnistDataset digits() {
    if (digits == null) {
      try {
        digits =
            MnistDataset.load(
                resource("mnist-sample/t10k-images-idx3-ubyte"),
                resource("mnist-sample/t10k-labels-idx1-ubyte"),
                "mnist-sample");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return digits;
  }

  /** Sample digit {@code i % 100} as an image with the given id. */
  public static DigitImage image(String id, int i) {
    return new DigitImage(id, digits().image(i % digits().size()), "mnist-test");
  }

  /** The JSON bytes a producer would send for the image. */
  public static byte[] json(DigitImage image) {
    return Codec.images().encode(image);
  }

  /** {@code count} sample images as JSON records for {@code topic}, keyed by their ids. */
  public static List<ProducerRecord<String, byte[]>> imageRecords(
      String topic, String idPrefix, int count) {
    List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      DigitImage image = image(idPrefix + i, i);
      records.add(new ProducerRecord<>(topic, image.id(), json(image)));
    }
    return records;
  }

  /** Settings for one run against {@code bootstrap}, with topic names of its own. */
  public static Map<String, String> settings(String bootstrap, String name, Path stateDir) {
    Map<String, String> s = new HashMap<>();
    s.put("bootstrap.servers", bootstrap);
    s.put("application.id", name);
    s.put("state.dir", stateDir.toString());
    s.put(StreamsSettings.MODEL, modelDirectory().toString());
    // Announced bundles are signed copies in JUnit's temporary directories.
    s.put(
        ModelSources.DIRS,
        modelDirectory().getParent() + "," + System.getProperty("java.io.tmpdir"));
    s.put(ModelSources.TRUSTED_KEYS, trustedKeyFile().toString());
    s.put("digitstream.topic.images", name + ".images");
    s.put("digitstream.topic.predictions", name + ".predictions");
    s.put("digitstream.topic.dlq", name + ".dlq");
    s.put("digitstream.topic.labels", name + ".labels");
    s.put("digitstream.topic.accuracy", name + ".accuracy");
    s.put("digitstream.topic.models", name + ".models");
    s.put("digitstream.topic.alerts", name + ".alerts");
    s.put(StreamsSettings.SHADOW_TOPIC, name + ".shadow");
    // Several applications run in one test JVM: each REST server on a free port.
    s.put("digitstream.http.port", "0");
    return s;
  }

  /** Waits up to a minute for the service's model status to meet {@code condition}. */
  public static void awaitModel(
      ScoringService service, java.util.function.Predicate<ModelStatus> condition) {
    org.awaitility.Awaitility.await("model status")
        .atMost(java.time.Duration.ofSeconds(60))
        .pollInterval(java.time.Duration.ofMillis(50))
        .until(() -> service.model().orElseThrow(), condition);
  }

  /** {@code prefix} and a random suffix: a name no other test run uses. */
  public static String uniqueName(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
