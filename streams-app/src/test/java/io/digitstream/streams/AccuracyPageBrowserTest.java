package io.digitstream.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.digitstream.accuracy.AccuracyWindow;
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

  /** The page after its scripts ran, as Chromium serialises it. */
  private String dumpDom(Path chromium, URI url) throws IOException, InterruptedException {
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
            "--virtual-time-budget=5000",
            "--dump-dom",
            url.toString()));
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
