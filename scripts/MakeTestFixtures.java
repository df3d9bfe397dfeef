// Regenerates the small committed test fixtures from the full MNIST files:
//   java -cp common/target/classes scripts/MakeTestFixtures.java data/mnist
// Writes a 2,000/500-image MNIST subset (gzipped IDX) and sample digit pictures drawn the way a
// person would photograph them: dark ink on light paper, larger, off-centre.
import io.digitstream.image.Idx;
import io.digitstream.image.MnistDataset;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

public class MakeTestFixtures {
  public static void main(String[] args) throws Exception {
    Path data = Path.of(args.length > 0 ? args[0] : "data/mnist");
    Path small = Path.of("trainer/src/test/resources/mnist-small");
    Path samples = Path.of("trainer/src/test/resources/samples");
    Files.createDirectories(small);
    Files.createDirectories(samples);
    MnistDataset train = MnistDataset.load(data, MnistDataset.Split.TRAIN);
    MnistDataset test = MnistDataset.load(data, MnistDataset.Split.TEST);
    subset(train, 2000, small, "train");
    subset(test, 500, small, "t10k");
    boolean[] done = new boolean[10];
    for (int i = 0; i < test.size(); i++) {
      int label = test.label(i);
      if (done[label]) continue;
      done[label] = true;
      BufferedImage paper = onPaper(test.image(i));
      String name = String.format("%d-mnist-test-%05d", label, i);
      ImageIO.write(paper, label % 2 == 0 ? "png" : "jpg", samples.resolve(name + (label % 2 == 0 ? ".png" : ".jpg")).toFile());
    }
    Files.writeString(samples.resolve("not-an-image.png"), "this file is text, not a picture\n");
  }

  static void subset(MnistDataset d, int n, Path dir, String prefix) throws Exception {
    byte[] data = new byte[n * 784];
    byte[] labels = new byte[n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(d.image(i), 0, data, i * 784, 784);
      labels[i] = (byte) d.label(i);
    }
    Idx.writeImages(dir.resolve(prefix + "-images-idx3-ubyte.gz"), new Idx.Images(n, 28, 28, data));
    Idx.writeLabels(dir.resolve(prefix + "-labels-idx1-ubyte.gz"), labels);
  }

  /** Dark ink on a light, slightly grey page, five times larger and off-centre. */
  static BufferedImage onPaper(byte[] px) {
    BufferedImage digit = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        int ink = px[y * 28 + x] & 0xFF;
        int v = 235 - ink * 215 / 255;
        digit.setRGB(x, y, new Color(v, v, v).getRGB());
      }
    }
    BufferedImage page = new BufferedImage(200, 170, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = page.createGraphics();
    g.setColor(new Color(235, 235, 235));
    g.fillRect(0, 0, 200, 170);
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
    g.drawImage(digit, 50, 15, 140, 140, null);
    g.dispose();
    return page;
  }
}
