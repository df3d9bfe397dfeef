package io.digitstream.model;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

class NetworkArchiveTest {
  private static final byte[] CONF = "{}".getBytes(StandardCharsets.UTF_8);

  @Test
  void admitsTheEntriesModelSerializerWritesForOurNetworks() throws IOException {
    assertThatCode(
            () ->
                NetworkArchive.check(
                    zip("configuration.json", CONF, "coefficients.bin", new byte[100]), "net"))
        .doesNotThrowAnyException();
  }

  @Test
  void refusesAnEntryThatDl4jWouldJavaDeserialise() throws IOException {
    ByteArrayOutputStream object = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(object)) {
      out.writeObject(new ArrayList<>(java.util.List.of("gadget")));
    }
    byte[] zip =
        zip(
            "configuration.json",
            CONF,
            "coefficients.bin",
            new byte[4],
            "preprocessor.bin",
            object.toByteArray());

    assertThatThrownBy(() -> NetworkArchive.check(zip, "net"))
        .isInstanceOf(ModelBundleException.class)
        .hasMessageContaining("'preprocessor.bin'");
  }

  @Test
  void refusesAnyOtherEntryAndDuplicates() throws IOException {
    assertThatThrownBy(
            () -> NetworkArchive.check(zip("configuration.json", CONF, "objects/x", CONF), "net"))
        .hasMessageContaining("'objects/x'");
    assertThatThrownBy(
            () ->
                NetworkArchive.check(zip("configuration.json", CONF, "normalizer.bin", CONF), "n"))
        .hasMessageContaining("'normalizer.bin'");
    assertThatThrownBy(() -> NetworkArchive.check(zip("coefficients.bin", CONF), "net"))
        .hasMessageContaining("no configuration.json");
    assertThatThrownBy(() -> NetworkArchive.check("not a zip".getBytes(), "net"))
        .isInstanceOf(ModelBundleException.class);
  }

  @Test
  void refusesAZipBomb() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream out = new ZipOutputStream(bytes)) {
      out.putNextEntry(new ZipEntry("configuration.json"));
      out.write(CONF);
      out.putNextEntry(new ZipEntry("coefficients.bin"));
      byte[] zeros = new byte[1 << 20];
      for (long written = 0; written <= NetworkArchive.MAX_UNCOMPRESSED_BYTES; ) {
        out.write(zeros);
        written += zeros.length;
      }
    }
    byte[] bomb = bytes.toByteArray();

    assertThatThrownBy(() -> NetworkArchive.check(bomb, "net"))
        .isInstanceOf(ModelBundleException.class)
        .hasMessageContaining("unpacks to more than");
  }

  private static byte[] zip(Object... nameAndBytes) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream out = new ZipOutputStream(bytes)) {
      for (int i = 0; i < nameAndBytes.length; i += 2) {
        out.putNextEntry(new ZipEntry((String) nameAndBytes[i]));
        out.write((byte[]) nameAndBytes[i + 1]);
      }
    }
    return bytes.toByteArray();
  }
}
