package io.digitstream.streams.monitor;

import java.util.List;

/**
 * The answer of {@code GET /api/images}.
 *
 * @param kind which ring
 * @param images newest first (by image time)
 * @param problems instances that did not answer in time; empty when every instance answered
 */
public record ImageList(ImageKind kind, List<PageImage> images, List<String> problems) {
  public ImageList {
    images = List.copyOf(images);
    problems = problems == null ? List.of() : List.copyOf(problems);
  }

  /** The path that asks an instance for {@code limit} images of {@code kind}. */
  public static String path(ImageKind kind, int limit) {
    return "/api/images?kind=" + kind.label() + "&limit=" + limit;
  }
}
