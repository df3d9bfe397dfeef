package io.digitstream.producer.source;

/**
 * Where images to publish come from: MNIST IDX files ({@link IdxSource}) or image files on disk
 * ({@link FileTreeSource}). Iterating yields each selected input once, in a fixed order, as a
 * {@link LabelledImage} or, when an input cannot be used, as a {@link BadInput} (or an {@link
 * InternalFailure} when the fault is digitstream's). Work per input (decoding a file) happens
 * lazily during iteration, so a large tree streams.
 */
public interface ImageSource extends Iterable<SourceItem> {

  /** A short name for summaries, for example {@code mnist-test} or {@code files:digits}. */
  String name();

  /** How many inputs iteration yields, images and bad inputs together. */
  int size();
}
