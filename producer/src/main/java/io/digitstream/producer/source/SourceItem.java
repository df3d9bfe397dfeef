package io.digitstream.producer.source;

/**
 * One input of an {@link ImageSource}: an image ready to publish, an input that was refused, or one
 * that digitstream itself failed on.
 */
public sealed interface SourceItem permits LabelledImage, BadInput, InternalFailure {}
