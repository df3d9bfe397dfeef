package io.digitstream.streams.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.digitstream.accuracy.AccuracyWindow;
import io.digitstream.accuracy.WindowKind;
import io.digitstream.record.Json;
import io.digitstream.streams.Fixtures;
import io.digitstream.streams.StreamsSettings;
import io.digitstream.streams.accuracy.AccuracyQueries;
import io.digitstream.streams.accuracy.Peers;
import io.digitstream.streams.models.ModelStatus;
import io.digitstream.streams.models.ModelStatus.Divergence;
import io.digitstream.streams.models.ModelStatus.Handled;
import io.digitstream.streams.models.ModelStatus.Loaded;
import io.digitstream.streams.models.ModelStatus.Peer;
import io.digitstream.streams.monitor.AlertQueries;
import io.digitstream.streams.monitor.ImageKind;
import io.digitstream.streams.monitor.ImageList;
import io.digitstream.streams.monitor.PageImage;
import io.digitstream.streams.scoring.Quarantine;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The REST server over a fake backend: routes, status codes, formats, binding. */
class WebServerTest {
  private final HttpClient http = HttpClient.newHttpClient();
  private FakeBackend backend;
  private WebServer server;
  private URI url;

  @BeforeEach
  void start() {
    backend = new FakeBackend();
    server = WebServer.start(new HttpSettings("127.0.0.1", 0), backend);
    url = server.url();
  }

  @AfterEach
  void stop() {
    server.close();
    backend.metrics.close();
  }

  @Test
  void bindsTheLoopbackAddressUnlessConfiguredOtherwise() {
    HttpSettings defaults = StreamsSettings.load(null, Map.of(), Map.of()).http();
    assertThat(defaults.host()).isEqualTo("127.0.0.1");
    assertThat(defaults.port()).isEqualTo(8080);

    try (WebServer onDefaults =
        WebServer.start(new HttpSettings(defaults.host(), 0), new FakeBackend())) {
      assertThat(onDefaults.address().getAddress().isLoopbackAddress()).isTrue();
      assertThat(onDefaults.address().getPort()).isPositive();
    }
  }

  @Test
  void failsWithTheAddressAndTheKeysWhenThePortIsTaken() {
    HttpSettings taken = new HttpSettings("127.0.0.1", server.address().getPort());
    assertThatThrownBy(() -> WebServer.start(taken, backend))
        .isInstanceOf(HttpBindException.class)
        .hasMessageContaining("127.0.0.1:" + taken.port())
        .hasMessageContaining("digitstream.http.port");
  }

  @Test
  void reportsHealthAndReadinessFromTheKafkaStreamsState() throws Exception {
    assertThat(get("/health").statusCode()).isEqualTo(200);
    assertThat(get("/ready").statusCode()).isEqualTo(200);

    backend.state = KafkaStreams.State.REBALANCING;
    assertThat(get("/health").statusCode()).isEqualTo(200);
    HttpResponse<String> notReady = get("/ready");
    assertThat(notReady.statusCode()).isEqualTo(503);
    assertThat(notReady.body()).isEqualTo("{\"status\":\"NOT_READY\",\"state\":\"REBALANCING\"}");

    backend.state = KafkaStreams.State.ERROR;
    assertThat(get("/health").statusCode()).isEqualTo(503);
  }

  @Test
  void healthStaysUpAndSaysWhyWhenAModelAnnouncementWasRefused() throws Exception {
    backend.model =
        ModelStatus.serving(new Loaded("aaaaaaaaaaaa", "/models/a", 1L))
            .withLastAnnouncement(
                new Handled("bbbbbbbbbbbb", "active", "refused", "checksum mismatch", 2L));
    HttpResponse<String> health = get("/health");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body())
        .contains("\"status\":\"UP\"")
        .contains("\"active\":{\"version\":\"aaaaaaaaaaaa\"")
        .contains("\"shadow\":null")
        .contains("\"lastAnnouncement\":{\"version\":\"bbbbbbbbbbbb\"")
        .contains("\"outcome\":\"refused\"")
        .contains("\"reason\":\"checksum mismatch\"");
  }

  @Test
  void healthSaysDegradedWithHttp200AndTheVersionAndReasonOfAQuarantinedModel() throws Exception {
    backend.model =
        ModelStatus.serving(new Loaded("aaaaaaaaaaaa", "/models/a", 1L))
            .withProblems(
                List.of(new Quarantine.Entry("bbbbbbbbbbbb", "NaN on a batch of 64 images", 3L)),
                List.of());
    HttpResponse<String> health = get("/health");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body())
        .contains("\"status\":\"DEGRADED\"")
        .contains("\"quarantined\":[{\"version\":\"bbbbbbbbbbbb\"")
        .contains(
            "\"degraded\":[\"model bbbbbbbbbbbb is quarantined: NaN on a batch of 64 images\"]");
  }

  @Test
  void healthSaysDegradedWhenAnotherInstanceServesAnotherModelPastTheGracePeriod()
      throws Exception {
    ModelStatus serving = ModelStatus.serving(new Loaded("aaaaaaaaaaaa", "/models/a", 1L));
    backend.model =
        serving.withDivergence(
            new Divergence(List.of(new Peer("10.0.0.2:8080", "bbbbbbbbbbbb")), 5L, false));
    assertThat(get("/health").body()).contains("\"status\":\"UP\"");

    backend.model =
        serving.withDivergence(
            new Divergence(List.of(new Peer("10.0.0.2:8080", "bbbbbbbbbbbb")), 5L, true));
    HttpResponse<String> health = get("/health");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body())
        .contains("\"status\":\"DEGRADED\"")
        .contains(
            "instances disagree on the active model: this one serves aaaaaaaaaaaa,"
                + " 10.0.0.2:8080 serves bbbbbbbbbbbb");
  }

  @Test
  void answersThisInstancesModelsForTheOthers() throws Exception {
    HttpResponse<String> models = get("/api/models");
    assertThat(models.statusCode()).isEqualTo(200);
    assertThat(models.body())
        .isEqualTo(
            "{\"server\":\"127.0.0.1:1\",\"state\":\"RUNNING\",\"active\":\"3f9a1c0d2b7e\","
                + "\"shadow\":null}");
  }

  @Test
  void answersTheCumulativeMatrixOfAVersionAsDocumented() throws Exception {
    HttpResponse<String> response = get("/api/accuracy/" + FakeBackend.VERSION + "/cumulative");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValue("application/json; charset=utf-8");
    AccuracyWindow window = Json.MAPPER.readValue(response.body(), AccuracyWindow.class);
    assertThat(window.matrix()).isEqualTo(FakeBackend.matrix());
    assertThat(response.body())
        .startsWith(
            "{\"modelVersion\":\"3f9a1c0d2b7e\",\"kind\":\"cumulative\",\"windowStart\":"
                + FakeBackend.T0)
        .contains("\"matrix\":{\"count\":")
        .contains("\"precision\":[")
        .contains("\"recall\":[");
    assertThat(backend.localFlags).containsExactly(false);
  }

  @Test
  void answersTheNewestWindowsOfAKind() throws Exception {
    AccuracyQueries.WindowList list =
        Json.MAPPER.readValue(
            get("/api/accuracy/" + FakeBackend.VERSION + "/windows?kind=hopping&limit=3").body(),
            AccuracyQueries.WindowList.class);

    assertThat(list.kind()).isEqualTo(WindowKind.HOPPING);
    assertThat(list.windows()).hasSize(3);
  }

  @Test
  void answersFromLocalStateOnlyWhenAnotherInstanceForwardedTheRequest() throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(url.resolve("/api/accuracy"))
                .header(Peers.LOCAL_HEADER, "true")
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.body()).isEqualTo("{\"versions\":[\"3f9a1c0d2b7e\"]}");
    assertThat(backend.localFlags).containsExactly(true);
  }

  @Test
  void refusesBadRequestsWithAReason() throws Exception {
    assertThat(get("/api/accuracy/nope/cumulative").statusCode()).isEqualTo(404);
    assertThat(get("/api/accuracy/nope/cumulative").body())
        .isEqualTo("{\"error\":\"no pairs counted yet for model version 'nope'\"}");
    assertThat(get("/api/accuracy/" + FakeBackend.VERSION + "/windows?kind=weekly").body())
        .contains("unknown window kind 'weekly'");
    assertThat(get("/api/accuracy/" + FakeBackend.VERSION + "/windows?limit=0").statusCode())
        .isEqualTo(400);
    assertThat(get("/nowhere").statusCode()).isEqualTo(404);
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(url.resolve("/api/summary"))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET");
  }

  @Test
  void answersTheImagesOfARingNewestFirstWithTheirPixelsInBase64() throws Exception {
    backend.fillRings(40, 20);

    HttpResponse<String> response = get("/api/images?kind=misclassified&limit=3");

    assertThat(response.statusCode()).isEqualTo(200);
    ImageList list = Json.MAPPER.readValue(response.body(), ImageList.class);
    assertThat(list.kind()).isEqualTo(ImageKind.MISCLASSIFIED);
    // Every fourth of the 20 labelled images was misread: 16, 12, 8 are the newest.
    assertThat(list.images())
        .extracting(PageImage::id)
        .containsExactly("img-16", "img-12", "img-8");
    PageImage newest = list.images().get(0);
    assertThat(Base64.getDecoder().decode(newest.pixels())).isEqualTo(Fixtures.digits().image(16));
    assertThat(newest.trueDigit()).isEqualTo(Fixtures.digits().label(16));
    assertThat(newest.predictedDigit()).isEqualTo((Fixtures.digits().label(16) + 1) % 10);
    assertThat(response.body())
        .startsWith("{\"kind\":\"misclassified\",\"images\":[{\"id\":\"img-16\"")
        .contains("\"problems\":[]");
    assertThat(backend.localFlags).containsExactly(false);

    ImageList waiting = Json.MAPPER.readValue(get("/api/images?kind=ood").body(), ImageList.class);
    assertThat(waiting.images())
        .isNotEmpty()
        .allMatch(i -> i.trueDigit() == null && Boolean.TRUE.equals(i.outOfDistribution()))
        .allMatch(i -> Integer.parseInt(i.id().substring(4)) >= 20);
    assertThat(get("/api/images?kind=unconfident&limit=5").body())
        .contains("\"kind\":\"unconfident\"");
  }

  @Test
  void refusesAnUnknownImageKindOrLimit() throws Exception {
    HttpResponse<String> kind = get("/api/images?kind=blurry");
    assertThat(kind.statusCode()).isEqualTo(400);
    assertThat(kind.body())
        .isEqualTo(
            "{\"error\":\"kind must be one of misclassified, unconfident, ood, got 'blurry'\"}");
    assertThat(get("/api/images?kind=ood&limit=0").statusCode()).isEqualTo(400);
    assertThat(get("/api/images?limit=x").statusCode()).isEqualTo(400);
    assertThat(get("/api/images/more").statusCode()).isEqualTo(404);
    backend.unavailable = true;
    assertThat(get("/api/images").statusCode()).isEqualTo(503);
    assertThat(get("/api/alerts").statusCode()).isEqualTo(503);
  }

  @Test
  void answersTheImagesOfThisInstanceOnlyWhenAnotherInstanceAsks() throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(url.resolve("/api/images?kind=unconfident"))
                .header(Peers.LOCAL_HEADER, "true")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(backend.localFlags).containsExactly(true);
  }

  @Test
  void answersTheAlertsAsDocumented() throws Exception {
    backend.alerts = FakeBackend.sampleAlerts();

    HttpResponse<String> response = get("/api/alerts");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body())
        .startsWith(
            "{\"alerts\":[{\"modelVersion\":\"3f9a1c0d2b7e\",\"kind\":\"input-drift\","
                + "\"state\":\"firing\",\"value\":0.41,\"threshold\":0.25,");
    AlertQueries.AlertList list =
        Json.MAPPER.readValue(response.body(), AlertQueries.AlertList.class);
    assertThat(list.alerts()).isEqualTo(FakeBackend.sampleAlerts());
  }

  @Test
  void answers503WhileTheStateIsBeingRebalanced() throws Exception {
    backend.unavailable = true;

    HttpResponse<String> response = get("/api/summary");

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.body()).contains("rebalance in progress");
  }

  @Test
  void servesThePageWithItsScriptAndStyleFromTheApplication() throws Exception {
    HttpResponse<String> page = get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(page.body())
        .contains("<script src=\"app.js\"></script>")
        .doesNotContain("http://", "https://");
    assertThat(get("/app.js").body()).contains("api/summary");
    assertThat(get("/app.css").statusCode()).isEqualTo(200);
  }

  @Test
  void exportsOurMetersAndTheirDocumentedNamesInThePrometheusFormat() throws Exception {
    backend.metrics.batchScored(32, 25_000_000);
    backend.metrics.predicted(
        new io.digitstream.record.Prediction(
            "img-1", 7, 0.9, java.util.Collections.nCopies(10, 0.1), "v1", 1_000, 1_040),
        1_000,
        1_040);

    HttpResponse<String> response = get("/metrics");

    assertThat(response.headers().firstValue("Content-Type"))
        .hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(response.body())
        .contains("digitstream_images_scored_total 32.0")
        .contains("digitstream_predictions_total{digit=\"7\"} 1.0")
        .contains("digitstream_dead_letters_total{stage=\"deserialization\"}")
        .contains("digitstream_join_labels_total{outcome=\"late\"}")
        .contains("digitstream_join_predictions_total{outcome=\"unlabelled\"}")
        .contains("digitstream_batch_size_bucket")
        .contains("digitstream_scoring_latency_seconds_bucket")
        .contains("digitstream_end_to_end_latency_seconds_bucket");
  }

  @Test
  void summarisesEverythingThePageNeedsInOneAnswer() throws Exception {
    Summary summary = Json.MAPPER.readValue(get("/api/summary").body(), Summary.class);

    assertThat(summary.versions())
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.cumulative().matrix()).isEqualTo(FakeBackend.matrix());
              assertThat(v.rollingHistory()).hasSize(2);
            });
    assertThat(summary.instances()).hasSize(1);
    assertThat(summary.problems()).isEqualTo(List.of());
  }

  @Test
  void answersHealthWhileEveryQueryWaitsForAHungInstance() throws Exception {
    backend.summaryGate = new CountDownLatch(1);
    int held = WebServer.QUERY_THREADS + WebServer.QUERY_QUEUE;
    List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
    for (int i = 0; i < held; i++) {
      waiting.add(http.sendAsync(request("/api/summary"), HttpResponse.BodyHandlers.ofString()));
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                backend.summariesWaiting.get() == WebServer.QUERY_THREADS
                    && server.waitingQueries() == WebServer.QUERY_QUEUE);

    HttpResponse<String> health =
        http.send(
            HttpRequest.newBuilder(url.resolve("/health"))
                .timeout(Duration.ofSeconds(2))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(get("/ready").statusCode()).isEqualTo(200);
    HttpResponse<String> busy = get("/api/summary");
    assertThat(busy.statusCode()).isEqualTo(503);
    assertThat(busy.headers().firstValue("Retry-After")).contains("1");
    assertThat(busy.body()).contains("busy");

    backend.summaryGate.countDown();
    for (CompletableFuture<HttpResponse<String>> answer : waiting) {
      assertThat(answer.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void answersForwardedQueriesWithoutTheQueryPool() throws Exception {
    backend.summaryGate = new CountDownLatch(1);
    for (int i = 0; i < WebServer.QUERY_THREADS + WebServer.QUERY_QUEUE; i++) {
      http.sendAsync(request("/api/summary"), HttpResponse.BodyHandlers.ofString());
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> server.waitingQueries() > 0);
    // Another instance's question must not queue behind this instance's own fan-out.
    HttpResponse<String> forwarded =
        http.send(
            HttpRequest.newBuilder(url.resolve("/api/accuracy/" + FakeBackend.VERSION))
                .header(Peers.LOCAL_HEADER, "true")
                .timeout(Duration.ofSeconds(2))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    backend.summaryGate.countDown();
    assertThat(forwarded.statusCode()).isEqualTo(200);
  }

  @Test
  void refusesAHostHeaderThatIsNotOneOfItsNames() throws Exception {
    int port = server.address().getPort();
    assertThat(rawStatus(port, "attacker.example:" + port)).isEqualTo(421);
    assertThat(rawStatus(port, "localhost:" + port)).isEqualTo(200);
    assertThat(rawStatus(port, "127.0.0.1:" + port)).isEqualTo(200);
    assertThat(rawStatus(port, "[::1]:" + port)).isEqualTo(200);

    HttpSettings anyName = new HttpSettings("127.0.0.1", 0, List.of("*"));
    try (WebServer open = WebServer.start(anyName, new FakeBackend())) {
      int openPort = open.address().getPort();
      assertThat(rawStatus(openPort, "attacker.example:" + openPort)).isEqualTo(200);
    }
  }

  @Test
  void decodesAVersionInThePathOnce() throws Exception {
    get("/api/accuracy/v%2525x+1/cumulative");
    get("/api/accuracy/a%2Fb/windows?kind=tumbling&limit=1");

    assertThat(backend.versionsAsked).containsExactly("v%25x+1", "a/b");
    int port = server.address().getPort();
    assertThat(rawStatus(port, "localhost", "/api/accuracy/v%zz")).isEqualTo(400);
  }

  /** The status of GET /health with {@code host} as the Host header, which HttpClient fixes. */
  private static int rawStatus(int port, String host) throws Exception {
    return rawStatus(port, host, "/health");
  }

  private static int rawStatus(int port, String host, String path) throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      return Integer.parseInt(in.readLine().split(" ")[1]);
    }
  }

  private HttpRequest request(String path) {
    return HttpRequest.newBuilder(url.resolve(path)).GET().build();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(url.resolve(path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
