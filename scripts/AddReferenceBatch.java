// Adds reference.json to model bundles written before reference batches existed, without touching
// network.zip or bundle.json (the version is a hash of configuration and weights only):
//   mvn -q -o -pl model dependency:build-classpath -Dmdep.outputFile=/tmp/model.classpath
//   java -cp "model/target/classes:common/target/classes:$(cat /tmp/model.classpath)" \
//     scripts/AddReferenceBatch.java trainer/src/test/resources/mnist-small BUNDLE...
// The reference images are the first 64 MNIST training images, as `train` writes them.
import io.digitstream.image.MnistDataset;
import io.digitstream.model.DigitClassifier;
import io.digitstream.model.ModelBundle;
import io.digitstream.model.ReferenceBatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

public class AddReferenceBatch {
  public static void main(String[] args) throws Exception {
    MnistDataset train = MnistDataset.load(Path.of(args[0]), MnistDataset.Split.TRAIN);
    List<byte[]> images = new ArrayList<>();
    for (int i = 0; i < ReferenceBatch.DEFAULT_SIZE; i++) {
      images.add(train.image(i));
    }
    for (int a = 1; a < args.length; a++) {
      ModelBundle bundle = ModelBundle.open(Path.of(args[a]));
      DigitClassifier classifier = new DigitClassifier(bundle.loadNetwork(), bundle.version());
      ModelBundle.writeReference(bundle.directory(), ReferenceBatch.record(classifier, images));
      // Read back through the same check every instance makes.
      DigitClassifier.load(ModelBundle.open(bundle.directory()));
      System.out.println("wrote " + bundle.directory().resolve(ModelBundle.REFERENCE_FILE));
    }
  }
}
