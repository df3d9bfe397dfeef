package io.digitstream.producer.source;

/** One input of an {@link ImageSource}: an image ready to publish or an input that was refused. */
public sealed interface SourceItem permits LabelledImage, BadInput {}
