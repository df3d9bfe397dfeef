package io.digitstream.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileFailureTest {
  private static final Path FILE = Path.of("scans", "7.png");

  @TempDir Path dir;

  @Test
  void anImageFileExceptionIsBadInputWithItsReason() {
    FileFailure f = FileFailure.of(FILE, new ImageFileException(FILE, "not an image"));

    assertThat(f.kind()).isEqualTo(FileFailure.Kind.BAD_INPUT);
    assertThat(f.reason()).isEqualTo("not an image");
    assertThat(f.line()).isEqualTo("error: " + FILE + ": not an image");
    assertThat(f.kind().label()).isEqualTo("bad-input");
  }

  @Test
  void anyOtherExceptionIsAnInternalErrorNamingTheFileNeverBadInput() {
    FileFailure npe = FileFailure.of(FILE, new NullPointerException("pixels"));
    FileFailure bounds = FileFailure.of(FILE, new ArrayIndexOutOfBoundsException(462));
    FileFailure argument = FileFailure.of(FILE, new IllegalArgumentException("odd"));

    assertThat(npe.kind()).isEqualTo(FileFailure.Kind.INTERNAL);
    assertThat(npe.line())
        .isEqualTo("internal error: " + FILE + ": java.lang.NullPointerException: pixels");
    assertThat(bounds.internal()).isTrue();
    assertThat(argument.internal()).isTrue();
    assertThat(npe.kind().label()).isEqualTo("internal");
  }

  @Test
  void runningOutOfMemoryIsInternalAndSaysSo() {
    FileFailure f = FileFailure.of(FILE, new OutOfMemoryError("Java heap space"));

    assertThat(f.internal()).isTrue();
    assertThat(f.reason()).contains("out of memory");
  }

  @Test
  void aDecoderThatThrowsOnACorruptFileIsBadInput() throws Exception {
    // A PNG cut off after its header: ImageIO's own exception becomes an ImageFileException.
    Path full = dir.resolve("full.png");
    ImageIO.write(new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB), "png", full.toFile());
    Path cut = Files.write(dir.resolve("cut.png"), Arrays.copyOf(Files.readAllBytes(full), 60));

    FileFailure f = FileFailure.of(cut, catchThrowable(() -> MnistPreprocessor.fromFile(cut)));

    assertThat(f.kind()).isEqualTo(FileFailure.Kind.BAD_INPUT);
    assertThat(f.reason()).contains("cannot be decoded as PNG");
  }
}
