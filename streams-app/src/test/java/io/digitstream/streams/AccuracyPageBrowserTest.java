package io.digitstream.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.digitstream.accuracy.AccuracyWindow;
import io.digitstream.streams.web.FakeBackend;
import io.digitstream.streams.web.MonitoringPageFixture;
import io.digitstream.testkit.EmbeddedKafkaExtension;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens the accuracy page in a real headless Chromium against a running application and checks that
 * the heatmap it renders holds exactly the counts of the REST answer. Chromium comes from the
 * machine (Debian: {@code apt-get install -y chromium}); the test is skipped only when it is
 * absent.
 */
@EnabledIf(
    value = "chromiumInstalled",
    disabledReason =
        "Chromium not found (set CHROMIUM or install Debian's chromium package); skipping the"
            + " browser test")
class AccuracyPageBrowserTest {
  private static final int IMAGES = 300;
  private static final Pattern MATRIX =
      Pattern.compile("<table class=\"matrix\" data-version=\"([^\"]+)\" data-count=\"(\\d+)\"");
  private static final Pattern CELL =
      Pattern.compile("<td data-row=\"(\\d)\" data-col=\"(\\d)\"[^>]*>(\\d+)</td>");

  @RegisterExtension static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.create();

  @TempDir Path dir;

  @Test
  void rendersTheSameConfusionMatrixAsTheRestApi() throws Exception {
    Path chromium = chromium().orElseThrow();
    String name = "page-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> config =
        new HashMap<>(Fixtures.settings(kafka.bootstrapServers(), name, dir.resolve("state")));
    StreamsSettings settings = StreamsSettings.load(null, Map.of(), config);
    String version = Fixtures.bundle().version();
    try (ScoringService service = new ScoringService(settings)) {
      service.start();
      assertThat(service.awaitRunning(Duration.ofSeconds(60))).isTrue();
      kafka
          .clients()
          .send(AccuracyFixtures.imagesAndLabels(settings, "img-", Fixtures.digits(), IMAGES));
      URI url = service.url().orElseThrow();
      String path = "/api/accuracy/" + version + "/cumulative";
      await()
          .atMost(Duration.ofMinutes(1))
          .ignoreExceptions()
          .until(
              () ->
                  AccuracyFixtures.getJson(url, path, AccuracyWindow.class).matrix().count()
                      == IMAGES);
      long[][] rest = AccuracyFixtures.getJson(url, path, AccuracyWindow.class).matrix().matrix();

      String dom = dumpDom(chromium, url);

      Matcher table = MATRIX.matcher(dom);
      assertThat(table.find()).as("a rendered matrix in:\n%s", dom).isTrue();
      assertThat(table.group(1)).isEqualTo(version);
      assertThat(Long.parseLong(table.group(2))).isEqualTo(IMAGES);
      long[][] rendered = new long[10][10];
      int cells = 0;
      Matcher cell = CELL.matcher(dom);
      while (cell.find()) {
        rendered[Integer.parseInt(cell.group(1))][Integer.parseInt(cell.group(2))] =
            Long.parseLong(cell.group(3));
        cells++;
      }
      assertThat(cells).isEqualTo(100);
      assertThat(rendered).isDeepEqualTo(rest);
      assertThat(dom).contains("data-ready=\"true\"").contains("id=\"dlq\">0<");
      // The version's panel says it is the model serving now.
      assertThat(dom).contains("data-role=\"active\"");
    }
  }

  /**
   * The monitoring panels, drawn from the real web server's answers over a fake backend (with the
   * windows' {@code monitor} part added as documented): misclassified, unconfident and
   * out-of-distribution images drawn from their pixels, the open alerts, the calibration diagram,
   * the drift scores against their thresholds and the per-digit recall over time. With {@code
   * -Ddigitstream.page.screenshot=FILE} it also writes the README's screenshot of this page.
   */
  @Test
  void rendersTheMonitoringPanelsFromAFakeBackend() throws Exception {
    Path chromium = chromium().orElseThrow();
    try (MonitoringPageFixture page = MonitoringPageFixture.start(new FakeBackend())) {
      String dom = dumpDom(chromium, page.url());
      assertThat(dom).contains("data-details-ready=\"true\"");

      // Every fourth of the 40 labelled sample digits was misread: 10 images, each drawn whole.
      assertThat(dom)
          .contains(
              "id=\"images-misclassified\" class=\"digits\" data-kind=\"misclassified\" data-count=\"10\"");
      Matcher figure =
          Pattern.compile(
                  "<figure class=\"digit\" data-id=\"img-(\\d+)\" data-version=\"[^\"]+\" data-ink=\"(\\d+)\"")
              .matcher(dom);
      int drawn = 0;
      while (figure.find()) {
        int sample = Integer.parseInt(figure.group(1));
        assertThat(Integer.parseInt(figure.group(2)))
            .as("inked pixels of img-%d on its canvas", sample)
            .isEqualTo(inked(Fixtures.digits().image(sample)))
            .isPositive();
        drawn++;
      }
      // 10 misclassified, the unconfident ones waiting, and 6 out-of-distribution ones (42..57).
      assertThat(drawn).isGreaterThan(16);
      assertThat(dom).contains("data-kind=\"ood\" data-count=\"6\"");
      assertThat(dom).containsPattern("data-kind=\"unconfident\" data-count=\"[1-9]");

      // Open alerts first.
      assertThat(dom)
          .containsPattern(
              "<li class=\"firing\" data-kind=\"input-drift\"[^>]*>.*<li class=\"resolved\" data-kind=\"measured-accuracy-drop\"");
      assertThat(dom).contains("data-firing=\"1\"");

      // The reliability diagram: one bar per bin, as tall as the share of right predictions.
      assertThat(dom).contains("data-bins=\"10\"");
      for (int bin = 0; bin < 10; bin++) {
        double accuracy = MonitoringPageFixture.correctInBin(bin) / (double) (10 + 5 * bin);
        assertThat(dom)
            .contains(String.format(java.util.Locale.ROOT, "data-accuracy=\"%.4f\"", accuracy));
      }
      // Drift scores against their thresholds; one not computable yet.
      assertThat(dom)
          .contains(
              "<tr data-score=\"input\" class=\"over\"><td>input statistics</td><td class=\"score\">0.410</td><td>0.250</td></tr>")
          .contains("<tr data-score=\"digit-mix\" class=\"\">")
          .contains("<td>error rate (CUSUM)</td><td class=\"score\">–</td><td>5.000</td>");
      // Per-digit recall over the last 30 tumbling windows.
      assertThat(dom).contains("data-windows=\"" + MonitoringPageFixture.WINDOWS + "\"");
      assertThat(
              Pattern.compile("data-points=\"" + MonitoringPageFixture.WINDOWS + "\"")
                  .matcher(dom)
                  .results()
                  .count())
          .isEqualTo(10);
      assertThat(dom).contains("98.71 %").contains("-0.21 pt");

      String screenshot = System.getProperty("digitstream.page.screenshot");
      if (screenshot != null && !screenshot.isBlank()) {
        run(
            chromium,
            page.url(),
            "--screenshot=" + Path.of(screenshot).toAbsolutePath(),
            "--window-size=1400,1900",
            "--hide-scrollbars");
        assertThat(Path.of(screenshot)).isNotEmptyFile();
      }
    }
  }

  private static int inked(byte[] pixels) {
    int ink = 0;
    for (byte p : pixels) {
      ink += p != 0 ? 1 : 0;
    }
    return ink;
  }

  /** The page after its scripts ran, as Chromium serialises it. */
  private String dumpDom(Path chromium, URI url) throws IOException, InterruptedException {
    return run(chromium, url, "--dump-dom");
  }

  /** Runs Chromium headless on the page with {@code what} (dump the DOM, take a screenshot). */
  private String run(Path chromium, URI url, String... what)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(chromium.toString());
    command.addAll(
        List.of(
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--no-first-run",
            "--user-data-dir=" + dir.resolve("chromium-profile"),
            // Lets the page's first poll of /api/summary finish before the DOM is written out.
            "--virtual-time-budget=5000"));
    command.addAll(List.of(what));
    command.add(url.toString());
    Path out = dir.resolve("dom.html");
    Path err = dir.resolve("chromium.log");
    Process process =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("Chromium did not finish within 60 s: " + Files.readString(err));
    }
    assertThat(process.exitValue())
        .as("Chromium exit status; log:\n%s", Files.readString(err))
        .isZero();
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  static boolean chromiumInstalled() {
    return chromium().isPresent();
  }

  /** {@code CHROMIUM} if set, else the first of the usual names on the PATH. */
  static Optional<Path> chromium() {
    String configured = System.getenv("CHROMIUM");
    if (configured != null && !configured.isBlank()) {
      return Optional.of(Path.of(configured)).filter(Files::isExecutable);
    }
    String path = System.getenv().getOrDefault("PATH", "");
    return Stream.of(path.split(File.pathSeparator))
        .flatMap(
            d -> Stream.of("chromium", "chromium-browser", "google-chrome").map(n -> Path.of(d, n)))
        .filter(Files::isExecutable)
        .findFirst();
  }
}
