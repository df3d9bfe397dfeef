package io.digitstream.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.MaxPooling2D;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A trained convolutional {@link MultiLayerNetwork} compiled, for inference only, into a fixed list
 * of libnd4j operations: the candidate replacement for {@code network.output(...)} in {@code
 * DigitClassifier}, measured by the benchmarks.
 *
 * <p>What it does differently from DL4J's layer-by-layer forward pass, and why:
 *
 * <ul>
 *   <li>Batch normalisation is folded into the preceding convolution's weights and bias (w·γ/σ,
 *       (b−μ)·γ/σ+β), so it costs nothing; DL4J runs it as five broadcast passes plus a copy of the
 *       permuted convolution output.
 *   <li>Convolutions run as libnd4j's {@code conv2d} op, which the oneDNN builds of nd4j-native
 *       hand to oneDNN; DL4J 1.0.0-M2.1's own convolution layer never reaches that op on CPU (its
 *       oneDNN helper is disabled by default and probes a renamed native method).
 *   <li>ReLU before max pooling is applied after it (they commute), on a quarter of the values.
 *   <li>Input and output arrays are reused while the batch size stays the same; op contexts are
 *       built once.
 * </ul>
 *
 * <p>Layers it understands: convolution (not grouped), batch normalisation right after a
 * convolution with identity activation, ReLU/identity activation layers, max pooling, dense and a
 * softmax output layer, in NCHW or NHWC. It can execute an NCHW-trained network in NHWC: the
 * single-channel input has the same memory order in both, and the dense weights after the flatten
 * are permuted once. Not thread-safe; one instance per thread, like the network.
 */
public final class FoldedNetwork {
  private final List<Step> steps;
  private final CNN2DFormat layout;
  private final long[] inputShape;
  private int cachedBatch = -1;
  private INDArray input;
  private INDArray inputView;

  private FoldedNetwork(List<Step> steps, CNN2DFormat layout, long[] inputShape) {
    this.steps = steps;
    this.layout = layout;
    this.inputShape = inputShape;
  }

  /**
   * Compiles {@code network}, whose input is {@code channels × height × width} in the network's own
   * format, to run internally in {@code layout}.
   *
   * @throws IllegalArgumentException if the network has a layer this class does not handle
   */
  public static FoldedNetwork compile(
      MultiLayerNetwork network, int channels, int height, int width, CNN2DFormat layout) {
    Compiler c = new Compiler(network, layout, channels, height, width);
    return new FoldedNetwork(c.compile(), layout, new long[] {channels, height, width});
  }

  /** The layout operations run in. */
  public CNN2DFormat layout() {
    return layout;
  }

  /** A short description of each operation, in order. */
  public List<String> describe() {
    return steps.stream().map(Step::toString).toList();
  }

  /**
   * Class probabilities for {@code n} images given as NCHW floats, the same input as {@code
   * DigitClassifier.output}. For one channel NCHW and NHWC coincide; several channels are
   * transposed on the way in.
   */
  public float[][] output(float[] nchw, int n) {
    long perImage = inputShape[0] * inputShape[1] * inputShape[2];
    if (nchw.length != n * perImage) {
      throw new IllegalArgumentException(
          "expected " + n * perImage + " input values for " + n + " images, got " + nchw.length);
    }
    if (input == null || input.size(0) != n) {
      input = free(input);
      // Reused like the step outputs: no off-heap allocation per call, which would otherwise
      // pile up until a GC and, at tens of thousands of images per second, hit javacpp's limit.
      input =
          Nd4j.createUninitialized(
              DataType.FLOAT, new long[] {n, inputShape[0], inputShape[1], inputShape[2]}, 'c');
      inputView =
          layout == CNN2DFormat.NHWC && inputShape[0] == 1
              ? input.reshape('c', n, inputShape[1], inputShape[2], inputShape[0])
              : input;
    }
    new FloatPointer(input.data().addressPointer()).put(nchw, 0, nchw.length);
    INDArray in = inputView;
    if (layout == CNN2DFormat.NHWC && inputShape[0] > 1) {
      in = input.permute(0, 2, 3, 1).dup('c');
    }
    return Matrices.rows(forward(in));
  }

  /**
   * The output activations for an input already in this network's {@link #layout}. The array is
   * reused by the next call: copy what you keep.
   */
  public INDArray forward(INDArray input) {
    return forwardTimed(input, null);
  }

  /** {@link #forward}, adding each step's nanoseconds to {@code nanos} when it is not null. */
  public INDArray forwardTimed(INDArray input, long[] nanos) {
    int n = (int) input.size(0);
    if (n != cachedBatch) {
      // Output buffers depend on the batch size; a stream's batch size changes rarely.
      steps.forEach(Step::release);
      cachedBatch = n;
    }
    INDArray x = input;
    for (int i = 0; i < steps.size(); i++) {
      long t0 = nanos == null ? 0 : System.nanoTime();
      x = steps.get(i).apply(x);
      if (nanos != null) {
        nanos[i] += System.nanoTime() - t0;
      }
    }
    return x;
  }

  /**
   * Frees an array's off-heap memory now. Batch sizes change with every partial batch in a stream;
   * left to the garbage collector, the old buffers pile up faster than a large heap collects them
   * and hit javacpp's physical-memory limit.
   */
  private static INDArray free(INDArray array) {
    if (array != null && array.closeable()) {
      array.close();
    }
    return null;
  }

  /** One operation of the compiled network. */
  private interface Step {
    INDArray apply(INDArray x);

    /** Drops buffers sized for the previous batch. */
    default void release() {}
  }

  /** libnd4j conv2d with bias, weights [oC, iC, kH, kW]. */
  private static final class ConvStep implements Step {
    private final INDArray weights;
    private final INDArray bias;
    private final int[] kernel;
    private final int[] stride;
    private final int[] pad;
    private final int[] dilation;
    private final boolean same;
    private final boolean nhwc;
    private final OpContext context = Nd4j.getExecutioner().buildContext();
    private final CustomOp op = new Conv2D();
    private INDArray out;

    ConvStep(ConvolutionLayer conf, INDArray weights, INDArray bias, boolean nhwc) {
      this.weights = weights;
      this.bias = bias;
      this.kernel = conf.getKernelSize();
      this.stride = conf.getStride();
      this.pad = conf.getPadding();
      this.dilation = conf.getDilation();
      this.same = conf.getConvolutionMode() == ConvolutionMode.Same;
      this.nhwc = nhwc;
      context.setIArguments(
          kernel[0],
          kernel[1],
          stride[0],
          stride[1],
          same ? 0 : pad[0],
          same ? 0 : pad[1],
          dilation[0],
          dilation[1],
          same ? 1 : 0,
          nhwc ? 1 : 0,
          1); // weights format 1: [oC, iC, kH, kW], DL4J's own order
    }

    @Override
    public INDArray apply(INDArray x) {
      if (out == null) {
        long n = x.size(0);
        long h = x.size(nhwc ? 1 : 2);
        long w = x.size(nhwc ? 2 : 3);
        long oh = outSize(h, kernel[0], stride[0], pad[0], dilation[0], same);
        long ow = outSize(w, kernel[1], stride[1], pad[1], dilation[1], same);
        long oc = weights.size(0);
        long[] shape = nhwc ? new long[] {n, oh, ow, oc} : new long[] {n, oc, oh, ow};
        out = Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
      }
      context.setInputArray(0, x);
      context.setInputArray(1, weights);
      context.setInputArray(2, bias);
      context.setOutputArray(0, out);
      Nd4j.exec(op, context);
      return out;
    }

    @Override
    public void release() {
      out = free(out);
    }

    @Override
    public String toString() {
      return String.format(
          "conv2d %dx%d /%d %s -> %d channels, bias (batch norm folded in)",
          kernel[0], kernel[1], stride[0], same ? "same" : "valid", weights.size(0));
    }
  }

  /** libnd4j maxpool2d. */
  private static final class MaxPoolStep implements Step {
    private final int[] kernel;
    private final int[] stride;
    private final int[] pad;
    private final boolean same;
    private final boolean nhwc;
    private final OpContext context = Nd4j.getExecutioner().buildContext();
    private final CustomOp op = new MaxPooling2D();
    private INDArray out;

    MaxPoolStep(SubsamplingLayer conf, boolean nhwc) {
      this.kernel = conf.getKernelSize();
      this.stride = conf.getStride();
      this.pad = conf.getPadding();
      this.same = conf.getConvolutionMode() == ConvolutionMode.Same;
      this.nhwc = nhwc;
      int[] dilation = conf.getDilation();
      context.setIArguments(
          kernel[0],
          kernel[1],
          stride[0],
          stride[1],
          same ? 0 : pad[0],
          same ? 0 : pad[1],
          dilation[0],
          dilation[1],
          same ? 1 : 0,
          0,
          nhwc ? 1 : 0);
    }

    @Override
    public INDArray apply(INDArray x) {
      if (out == null) {
        long n = x.size(0);
        long c = x.size(nhwc ? 3 : 1);
        long oh = outSize(x.size(nhwc ? 1 : 2), kernel[0], stride[0], pad[0], 1, same);
        long ow = outSize(x.size(nhwc ? 2 : 3), kernel[1], stride[1], pad[1], 1, same);
        long[] shape = nhwc ? new long[] {n, oh, ow, c} : new long[] {n, c, oh, ow};
        out = Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
      }
      context.setInputArray(0, x);
      context.setOutputArray(0, out);
      Nd4j.exec(op, context);
      return out;
    }

    @Override
    public void release() {
      out = free(out);
    }

    @Override
    public String toString() {
      return "maxpool2d " + kernel[0] + "x" + kernel[1] + " /" + stride[0];
    }
  }

  /** In-place ReLU. */
  private static final class ReluStep implements Step {
    @Override
    public INDArray apply(INDArray x) {
      return Transforms.relu(x, false);
    }

    @Override
    public String toString() {
      return "relu (in place)";
    }
  }

  /** Row-major reshape to [n, features], as DL4J's CnnToFeedForwardPreProcessor does. */
  private static final class FlattenStep implements Step {
    @Override
    public INDArray apply(INDArray x) {
      return x.reshape('c', x.size(0), x.length() / x.size(0));
    }

    @Override
    public String toString() {
      return "flatten";
    }
  }

  /** x·W + b, then ReLU, softmax or nothing. */
  private static final class DenseStep implements Step {
    private final INDArray weights;
    private final INDArray bias;
    private final IActivation activation;
    private INDArray out;

    DenseStep(INDArray weights, INDArray bias, IActivation activation) {
      this.weights = weights;
      this.bias = bias;
      this.activation = activation;
    }

    @Override
    public INDArray apply(INDArray x) {
      if (out == null) {
        out =
            Nd4j.createUninitialized(DataType.FLOAT, new long[] {x.size(0), weights.size(1)}, 'c');
      }
      x.mmuli(weights, out);
      out.addiRowVector(bias);
      if (activation instanceof ActivationReLU) {
        Transforms.relu(out, false);
      } else if (activation instanceof ActivationSoftmax) {
        Transforms.softmax(out, false);
      }
      return out;
    }

    @Override
    public void release() {
      out = free(out);
    }

    @Override
    public String toString() {
      return "dense " + weights.size(0) + "x" + weights.size(1) + " + bias, " + activation;
    }
  }

  static long outSize(long in, int k, int s, int p, int d, boolean same) {
    if (same) {
      return (in + s - 1) / s;
    }
    long effective = (long) d * (k - 1) + 1;
    return (in + 2L * p - effective) / s + 1;
  }

  /** Walks the layers once, folding and reordering as it goes. */
  private static final class Compiler {
    private final MultiLayerNetwork network;
    private final CNN2DFormat layout;
    private final List<Step> steps = new ArrayList<>();
    // The shape of the activations as the trained network sees them, for re-ordering dense rows.
    private long channels;
    private long height;
    private long width;
    private CNN2DFormat trainedFormat;
    private boolean flattened;

    Compiler(
        MultiLayerNetwork network, CNN2DFormat layout, long channels, long height, long width) {
      this.network = network;
      this.layout = layout;
      this.channels = channels;
      this.height = height;
      this.width = width;
    }

    List<Step> compile() {
      int count = network.getnLayers();
      for (int i = 0; i < count; i++) {
        Layer conf = network.getLayer(i).conf().getLayer();
        Map<String, INDArray> params = network.getLayer(i).paramTable();
        if (conf instanceof ConvolutionLayer conv && conv.getClass() == ConvolutionLayer.class) {
          Layer next = i + 1 < count ? network.getLayer(i + 1).conf().getLayer() : null;
          boolean foldNext =
              next instanceof BatchNormalization
                  && conv.getActivationFn() instanceof ActivationIdentity;
          addConv(conv, params, foldNext ? (BatchNormalization) next : null, foldNext ? i + 1 : -1);
          if (foldNext) {
            i++;
          }
          addActivation(conv.getActivationFn(), conf);
        } else if (conf instanceof ActivationLayer a) {
          addActivation(a.getActivationFn(), conf);
        } else if (conf instanceof SubsamplingLayer pool
            && pool.getClass() == SubsamplingLayer.class
            && pool.getPoolingType() == PoolingType.MAX) {
          addMaxPool(pool);
        } else if (conf instanceof DenseLayer || conf instanceof BaseOutputLayer) {
          addDense(conf, params);
        } else {
          throw new IllegalArgumentException(
              "layer " + i + " (" + conf.getClass().getSimpleName() + ") is not supported");
        }
      }
      return steps;
    }

    private void addConv(
        ConvolutionLayer conv, Map<String, INDArray> params, BatchNormalization bn, int bnIndex) {
      trainedFormat = conv.getCnn2dDataFormat();
      long oc = conv.getNOut();
      float[] w = Nd4j.toFlattened('c', params.get("W")).toFloatVector();
      float[] b = conv.hasBias() ? params.get("b").toFloatVector() : new float[Math.toIntExact(oc)];
      if (bn != null) {
        fold(w, b, bn, network.getLayer(bnIndex).paramTable());
      }
      INDArray weights =
          Nd4j.create(
              w,
              new long[] {oc, conv.getNIn(), conv.getKernelSize()[0], conv.getKernelSize()[1]},
              'c');
      steps.add(
          new ConvStep(conv, weights, Nd4j.create(b, new long[] {oc}), layout == CNN2DFormat.NHWC));
      boolean same = conv.getConvolutionMode() == ConvolutionMode.Same;
      height =
          outSize(
              height,
              conv.getKernelSize()[0],
              conv.getStride()[0],
              conv.getPadding()[0],
              conv.getDilation()[0],
              same);
      width =
          outSize(
              width,
              conv.getKernelSize()[1],
              conv.getStride()[1],
              conv.getPadding()[1],
              conv.getDilation()[1],
              same);
      channels = oc;
    }

    /** Scales each output channel's weights and shifts its bias so that BN(conv(x)) = conv'(x). */
    private static void fold(
        float[] w, float[] b, BatchNormalization bn, Map<String, INDArray> params) {
      int oc = b.length;
      int perChannel = w.length / oc;
      float[] mean = params.get("mean").toFloatVector();
      double[] variance = new double[oc];
      if (bn.isUseLogStd()) {
        float[] log10std = params.get("log10stdev").toFloatVector();
        for (int c = 0; c < oc; c++) {
          double std = Math.pow(10, log10std[c]);
          variance[c] = std * std;
        }
      } else {
        float[] var = params.get("var").toFloatVector();
        for (int c = 0; c < oc; c++) {
          variance[c] = var[c];
        }
      }
      float[] gamma = bn.isLockGammaBeta() ? null : params.get("gamma").toFloatVector();
      float[] beta = bn.isLockGammaBeta() ? null : params.get("beta").toFloatVector();
      for (int c = 0; c < oc; c++) {
        double g = gamma == null ? bn.getGamma() : gamma[c];
        double bt = beta == null ? bn.getBeta() : beta[c];
        double scale = g / Math.sqrt(variance[c] + bn.getEps());
        for (int j = 0; j < perChannel; j++) {
          w[c * perChannel + j] = (float) (w[c * perChannel + j] * scale);
        }
        b[c] = (float) ((b[c] - mean[c]) * scale + bt);
      }
    }

    private void addActivation(IActivation activation, Layer conf) {
      if (activation instanceof ActivationIdentity) {
        return;
      }
      if (!(activation instanceof ActivationReLU)) {
        throw new IllegalArgumentException(
            "activation " + activation + " of " + conf.getClass().getSimpleName() + " unsupported");
      }
      steps.add(new ReluStep());
    }

    private void addMaxPool(SubsamplingLayer pool) {
      Step pooling = new MaxPoolStep(pool, layout == CNN2DFormat.NHWC);
      // max(relu(x)) = relu(max(x)): pool first, then ReLU touches a quarter of the values.
      if (!steps.isEmpty() && steps.get(steps.size() - 1) instanceof ReluStep relu) {
        steps.set(steps.size() - 1, pooling);
        steps.add(relu);
      } else {
        steps.add(pooling);
      }
      boolean same = pool.getConvolutionMode() == ConvolutionMode.Same;
      height =
          outSize(
              height, pool.getKernelSize()[0], pool.getStride()[0], pool.getPadding()[0], 1, same);
      width =
          outSize(
              width, pool.getKernelSize()[1], pool.getStride()[1], pool.getPadding()[1], 1, same);
    }

    private void addDense(Layer conf, Map<String, INDArray> params) {
      IActivation activation =
          conf instanceof DenseLayer d
              ? d.getActivationFn()
              : ((BaseOutputLayer) conf).getActivationFn();
      if (!(activation instanceof ActivationReLU
          || activation instanceof ActivationSoftmax
          || activation instanceof ActivationIdentity)) {
        throw new IllegalArgumentException("dense activation " + activation + " unsupported");
      }
      INDArray w = params.get("W").dup('c');
      if (!flattened) {
        steps.add(new FlattenStep());
        flattened = true;
        CNN2DFormat trained = trainedFormat == null ? CNN2DFormat.NCHW : trainedFormat;
        if (trained != layout) {
          w = reorderRows(w, trained);
        }
      }
      INDArray b = params.get("b");
      INDArray bias =
          b == null ? Nd4j.zeros(DataType.FLOAT, 1, w.size(1)) : b.dup().reshape(1, w.size(1));
      steps.add(new DenseStep(w, bias, activation));
    }

    /** Dense weight rows follow the trained layout's flatten order; re-index them for ours. */
    private INDArray reorderRows(INDArray w, CNN2DFormat trained) {
      long[] shape =
          trained == CNN2DFormat.NCHW
              ? new long[] {channels, height, width, w.size(1)}
              : new long[] {height, width, channels, w.size(1)};
      int[] permutation =
          trained == CNN2DFormat.NCHW ? new int[] {1, 2, 0, 3} : new int[] {2, 0, 1, 3};
      return w.reshape('c', shape).permute(permutation).dup('c').reshape('c', w.shape());
    }
  }
}
