package io.digitstream.streams;

import io.digitstream.accuracy.ConfusionMatrix;
import io.digitstream.image.MnistDataset;
import io.digitstream.model.DigitClassifier;
import io.digitstream.record.Codec;
import io.digitstream.record.DigitImage;
import io.digitstream.record.DigitLabel;
import io.digitstream.record.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Images with their labels as records, reference matrices, and a small HTTP client. */
final class AccuracyFixtures {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private AccuracyFixtures() {}

  /** The repository's root: tests run in the module directory. */
  static Path repositoryRoot() {
    Path here = Path.of("").toAbsolutePath();
    return Files.isDirectory(here.resolve("streams-app")) ? here : here.getParent();
  }

  /** The full MNIST test set, which the build fetches into data/mnist before the tests. */
  static MnistDataset mnistTestSet() {
    Path dir = repositoryRoot().resolve("data/mnist");
    try {
      return MnistDataset.load(dir, MnistDataset.Split.TEST);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "the MNIST test set is needed in " + dir + " (./digitstream fetch-mnist)", e);
    }
  }

  /**
   * {@link #imagesAndLabels(String, String, String, MnistDataset, int)} to the images and labels
   * topics of {@code settings}.
   */
  static List<ProducerRecord<String, byte[]>> imagesAndLabels(
      StreamsSettings settings, String prefix, MnistDataset data, int count) {
    return imagesAndLabels(
        settings.topics().names().images(),
        settings.topics().names().labels(),
        prefix,
        data,
        count);
  }

  /**
   * Image {@code i} of {@code data} then its label, for each i, keyed by id {@code prefix + i}:
   * labels are sent right after their images, so they usually reach the join first.
   */
  static List<ProducerRecord<String, byte[]>> imagesAndLabels(
      String imagesTopic, String labelsTopic, String prefix, MnistDataset data, int count) {
    List<ProducerRecord<String, byte[]>> records = new ArrayList<>(2 * count);
    for (int i = 0; i < count; i++) {
      String id = prefix + i;
      int n = i % data.size();
      DigitImage image = new DigitImage(id, data.image(n), data.name());
      records.add(new ProducerRecord<>(imagesTopic, id, Codec.images().encode(image)));
      records.add(
          new ProducerRecord<>(
              labelsTopic, id, Codec.labels().encode(new DigitLabel(id, data.label(n)))));
    }
    return records;
  }

  /** The matrix of {@code classifier} on the first {@code count} images, the way evaluate does. */
  static ConfusionMatrix reference(DigitClassifier classifier, MnistDataset data, int count) {
    long[][] counts = new long[10][10];
    int batch = 256;
    for (int start = 0; start < count; start += batch) {
      int end = Math.min(count, start + batch);
      List<byte[]> images = new ArrayList<>();
      for (int i = start; i < end; i++) {
        images.add(data.image(i % data.size()));
      }
      float[][] p = classifier.probabilities(images);
      for (int i = start; i < end; i++) {
        counts[data.label(i % data.size())][
            DigitClassifier.Classification.of(p[i - start]).digit()]++;
      }
    }
    return ConfusionMatrix.of(counts);
  }

  /** GETs {@code path} from {@code base}; returns status and body. */
  static HttpResponse<String> get(URI base, String path) {
    try {
      return HTTP.send(
          HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** GETs {@code path} as JSON of {@code type}, failing unless the answer is 200. */
  static <T> T getJson(URI base, String path, Class<T> type) {
    HttpResponse<String> response = get(base, path);
    if (response.statusCode() != 200) {
      throw new AssertionError(
          "GET " + path + " answered " + response.statusCode() + ": " + response.body());
    }
    try {
      return Json.MAPPER.readValue(response.body(), type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
