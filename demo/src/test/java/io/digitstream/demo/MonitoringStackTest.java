package io.digitstream.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.digitstream.record.Prediction;
import io.digitstream.streams.metrics.AppMetrics;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The Prometheus rules and the Grafana dashboard in monitoring/ ask only for series the app
 * exports, and docker-compose mounts them where Prometheus and Grafana look. A renamed meter would
 * otherwise leave a silent panel and an alert that can never fire. Where {@code promtool} is on the
 * PATH (Debian's {@code prometheus} package), the rules' own unit tests run too.
 */
class MonitoringStackTest {
  private static final Path ROOT = Path.of("..");
  private static final Path PROMETHEUS = ROOT.resolve("monitoring/prometheus");
  private static final Path GRAFANA = ROOT.resolve("monitoring/grafana");
  private static final Pattern SERIES = Pattern.compile("\\bdigitstream_[a-z0-9_]+");

  private static Set<String> exported;
  private static JsonNode services;

  @BeforeAll
  static void scrapeEveryMeter() throws Exception {
    AppMetrics metrics = new AppMetrics();
    // Touch every lazily registered meter so each family appears in the scrape.
    metrics.batchScored(4, TimeUnit.MILLISECONDS.toNanos(3));
    float[] noise = {0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f};
    metrics.predicted(
        Prediction.fromProbabilities("id-1", noise, "v1", 1_000, 1_010)
            .withMonitoring(0.1, 9.0, true),
        1_000,
        1_010);
    for (AppMetrics.DeadLetterStage stage : AppMetrics.DeadLetterStage.values()) {
      metrics.deadLetter(stage);
    }
    metrics.activeModel("v1");
    metrics.rollingAccuracy("v1", 0.99);
    metrics.windowFigures("v1", 0.98, 0.99, 0.01, Map.of("input", 0.1));
    metrics.alert("v1", "input-drift", true);
    exported =
        metrics
            .scrape()
            .lines()
            .filter(line -> !line.startsWith("#") && !line.isBlank())
            .map(line -> line.split("[{ ]", 2)[0])
            .collect(Collectors.toCollection(TreeSet::new));
    metrics.close();
    Object yaml = new Yaml().load(Files.readString(ROOT.resolve("docker-compose.yml")));
    services = new ObjectMapper().valueToTree(yaml).get("services");
  }

  @Test
  void alertRulesAskOnlyForExportedSeries() throws Exception {
    Set<String> asked = series(Files.readString(PROMETHEUS.resolve("alerts.yml")));
    asked.addAll(series(Files.readString(PROMETHEUS.resolve("alerts.test.yml"))));

    assertThat(asked).isNotEmpty();
    assertThat(exported).containsAll(asked);
  }

  @Test
  void everyDashboardPanelQueriesExportedSeriesFromTheProvisionedDatasource() throws Exception {
    JsonNode dashboard =
        new ObjectMapper().readTree(GRAFANA.resolve("dashboards/digitstream.json").toFile());
    String datasourceUid =
        yaml(GRAFANA.resolve("provisioning/datasources/prometheus.yml"))
            .at("/datasources/0/uid")
            .asText();
    List<String> expressions = new ArrayList<>();
    for (JsonNode panel : dashboard.get("panels")) {
      if (panel.get("type").asText().equals("row")) {
        continue;
      }
      String title = panel.get("title").asText();
      assertThat(panel.at("/datasource/uid").asText()).as(title).isEqualTo(datasourceUid);
      assertThat(panel.get("targets")).as(title).isNotEmpty();
      for (JsonNode target : panel.get("targets")) {
        assertThat(target.at("/datasource/uid").asText(datasourceUid))
            .as(title)
            .isEqualTo(datasourceUid);
        String expr = target.get("expr").asText();
        assertThat(series(expr)).as(title + ": " + expr).isNotEmpty();
        expressions.add(expr);
      }
    }

    Set<String> asked = series(String.join("\n", expressions));
    assertThat(exported).containsAll(asked);
    // Each figure the application exports for monitoring has a panel.
    assertThat(asked)
        .contains(
            "digitstream_accuracy_estimated",
            "digitstream_accuracy_tumbling",
            "digitstream_calibration_error",
            "digitstream_drift_score",
            "digitstream_alerts_firing",
            "digitstream_out_of_distribution_total");
  }

  @Test
  void composeMountsTheRulesAndDashboardsWherePrometheusAndGrafanaLook() throws Exception {
    JsonNode prometheus = services.get("prometheus");
    assertThat(mounts(prometheus)).containsEntry("./monitoring/prometheus", "/etc/prometheus");
    assertThat(prometheus.get("command").toString())
        .contains("--config.file=/etc/prometheus/prometheus.yml");
    for (JsonNode rules : yaml(PROMETHEUS.resolve("prometheus.yml")).get("rule_files")) {
      assertThat(PROMETHEUS.resolve(rules.asText())).isRegularFile();
    }

    JsonNode grafana = services.get("grafana");
    Map<String, String> mounts = mounts(grafana);
    assertThat(mounts)
        .containsEntry("./monitoring/grafana/provisioning", "/etc/grafana/provisioning");
    String dashboards =
        yaml(GRAFANA.resolve("provisioning/dashboards/digitstream.yml"))
            .at("/providers/0/options/path")
            .asText();
    assertThat(mounts).containsEntry("./monitoring/grafana/dashboards", dashboards);
    String home = grafana.at("/environment/GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH").asText();
    assertThat(home).startsWith(dashboards + "/");
    assertThat(GRAFANA.resolve("dashboards").resolve(home.substring(dashboards.length() + 1)))
        .isRegularFile();
    assertThat(
            yaml(GRAFANA.resolve("provisioning/datasources/prometheus.yml"))
                .at("/datasources/0/url")
                .asText())
        .isEqualTo("http://prometheus:9090");
  }

  @Test
  void promtoolAcceptsTheConfigAndPassesTheRulesUnitTests() throws Exception {
    assumeTrue(onPath("promtool"), "promtool is not installed (Debian package prometheus)");

    assertThat(promtool("check", "config", "prometheus.yml")).contains("SUCCESS");
    assertThat(promtool("test", "rules", "alerts.test.yml")).contains("SUCCESS");
  }

  private static Set<String> series(String text) {
    Set<String> out = new TreeSet<>();
    Matcher m = SERIES.matcher(text);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  private static JsonNode yaml(Path file) throws Exception {
    return new ObjectMapper().valueToTree(new Yaml().load(Files.readString(file)));
  }

  /** Bind mounts as source to target, the {@code :ro} suffix dropped. */
  private static Map<String, String> mounts(JsonNode service) {
    return java.util.stream.StreamSupport.stream(service.get("volumes").spliterator(), false)
        .map(v -> v.asText().split(":"))
        .collect(Collectors.toMap(p -> p[0], p -> p[1]));
  }

  private static boolean onPath(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }

  private static String promtool(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("promtool"));
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command)
            .directory(PROMETHEUS.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("promtool finished").isTrue();
    assertThat(p.exitValue()).as("promtool " + String.join(" ", args) + "\n" + out).isZero();
    return out;
  }
}
