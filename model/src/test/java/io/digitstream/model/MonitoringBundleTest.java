package io.digitstream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code monitoring.json} in a bundle: written, read back, refused when bad, never left stale. */
class MonitoringBundleTest {
  static final Path SHIPPED = Path.of("..", "models", "default");
  @TempDir Path dir;
  static MonitoringReference shipped;

  @BeforeAll
  static void readTheShippedReference() {
    shipped = ModelBundle.open(SHIPPED).monitoring().orElseThrow();
  }

  private Path tinyBundle(String name) throws Exception {
    MultiLayerNetwork net = ModelBundleTest.tinyNetwork();
    return ModelBundle.write(dir.resolve(name), net, ModelBundleTest.tinyMetadata(net)).directory();
  }

  @Test
  void aBundleWithoutMonitoringHasNoneAndItsClassifierNeither() throws Exception {
    ModelBundle bundle = ModelBundle.open(tinyBundle("plain"));
    assertThat(bundle.monitoring()).isEmpty();
    assertThat(DigitClassifier.load(bundle).monitoring()).isEmpty();
  }

  @Test
  void readsBackWhatItWroteAndTheClassifierAndItsCopiesCarryIt() throws Exception {
    Path tiny = tinyBundle("monitored");
    String version = ModelBundle.open(tiny).version();
    ModelBundle.writeMonitoring(tiny, shipped);

    ModelBundle bundle = ModelBundle.open(tiny);
    MonitoringReference read = bundle.monitoring().orElseThrow();
    DigitClassifier classifier = DigitClassifier.load(bundle);

    assertThat(bundle.version()).isEqualTo(version);
    assertThat(bundle.files()).containsKey(ModelBundle.MONITORING_FILE);
    assertThat(read.temperature()).isEqualTo(shipped.temperature());
    assertThat(read.ood().ranges()).containsOnlyKeys(shipped.ood().ranges().keySet());
    assertThat(classifier.monitoring()).isPresent();
    assertThat(classifier.copy().monitoring().orElseThrow().temperature())
        .isEqualTo(shipped.temperature());
    assertThat(Files.list(tiny).map(p -> p.getFileName().toString()))
        .noneMatch(name -> name.endsWith(".tmp"));
  }

  @Test
  void refusesABadMonitoringFileNamingIt() throws Exception {
    Path tiny = tinyBundle("bad");
    Path file = tiny.resolve(ModelBundle.MONITORING_FILE);
    String good = Files.readString(SHIPPED.resolve(ModelBundle.MONITORING_FILE));
    for (String bad :
        new String[] {
          "{ not json",
          "null",
          good.replace("\"temperature\" : 1.1378", "\"temperature\" : -1"),
          good.replace("\"threshold\" : 0.3", "\"threshold\" : 0"),
          good.replace("\"strongInk\" :", "\"sharpness\" :"),
          good.replace("\"labelPrior\" : [ 0.0987", "\"labelPrior\" : [ 0.5987")
        }) {
      assertThat(bad).isNotEqualTo(good);
      Files.writeString(file, bad);
      ModelBundle bundle = ModelBundle.open(tiny);
      assertThatThrownBy(bundle::monitoring)
          .as(bad.length() > 40 ? bad.substring(0, 40) : bad)
          .isInstanceOf(ModelBundleException.class)
          .hasMessageContaining(file.toString())
          .hasMessageContaining("not a valid monitoring reference");
      assertThatThrownBy(() -> DigitClassifier.load(bundle))
          .isInstanceOf(ModelBundleException.class);
    }
  }

  @Test
  void refusesAMonitoringFileTooLargeToBeOne() throws Exception {
    Path tiny = tinyBundle("huge");
    Path file = tiny.resolve(ModelBundle.MONITORING_FILE);
    Files.write(file, new byte[(int) ModelBundle.MAX_MONITORING_BYTES + 1]);
    assertThatThrownBy(() -> ModelBundle.open(tiny).monitoring())
        .isInstanceOf(ModelBundleException.class)
        .hasMessageContaining("more than a bundle file may have");
  }

  @Test
  void rewritingTheBundleRemovesTheEarlierNetworksMonitoringFile() throws Exception {
    Path tiny = tinyBundle("retrained");
    ModelBundle.writeMonitoring(tiny, shipped);
    MultiLayerNetwork other = ModelBundleTest.tinyNetwork();
    other.params().addi(0.5);

    // What 'train --out' into an existing bundle does before it writes the new monitoring.json.
    ModelBundle rewritten = ModelBundle.write(tiny, other, ModelBundleTest.tinyMetadata(other));

    assertThat(rewritten.monitoring()).isEmpty();
    assertThat(tiny.resolve(ModelBundle.MONITORING_FILE)).doesNotExist();
  }
}
