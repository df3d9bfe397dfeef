package io.digitstream.bench;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;

/**
 * Counts the floating-point operations of one image's forward pass from a network's layer shapes.
 *
 * <p>Only multiply-accumulates are counted, two FLOPs each, because they are what a GEMM or
 * convolution kernel spends its time on and what sgemm GFLOPS are quoted in:
 *
 * <ul>
 *   <li>convolution: 2·kh·kw·cin·cout·oh·ow (grouped forms below)
 *   <li>depthwise convolution: 2·kh·kw·cin·multiplier·oh·ow
 *   <li>separable convolution: the depthwise part plus the 1×1 pointwise part
 *       2·cin·multiplier·cout·oh·ow
 *   <li>dense and output layers: 2·nIn·nOut
 * </ul>
 *
 * <p>Bias additions, batch normalisation, activations, pooling and softmax are element-wise or
 * reductions: they are listed with zero FLOPs here (for LeNet they would add under 2 %), although
 * they can still cost time, which the layer profile shows.
 */
public final class FlopCounter {
  private FlopCounter() {}

  /** One layer's share: its index, its kind, its output shape and its counted FLOPs per image. */
  public record LayerFlops(int index, String kind, String output, long flops) {}

  /** FLOPs per image of every layer, for networks fed {@code input} (one image per example). */
  public static List<LayerFlops> perLayer(MultiLayerConfiguration conf, InputType input) {
    List<InputType> outputs = conf.getLayerActivationTypes(input);
    List<LayerFlops> result = new ArrayList<>();
    for (int i = 0; i < conf.getConfs().size(); i++) {
      Layer layer = conf.getConf(i).getLayer();
      InputType out = outputs.get(i);
      result.add(
          new LayerFlops(i, layer.getClass().getSimpleName(), describe(out), flops(layer, out)));
    }
    return result;
  }

  /** Total FLOPs per image: the sum of {@link #perLayer}. */
  public static long total(MultiLayerConfiguration conf, InputType input) {
    return perLayer(conf, input).stream().mapToLong(LayerFlops::flops).sum();
  }

  static long flops(Layer layer, InputType output) {
    // Subclasses first: depthwise and separable convolutions extend ConvolutionLayer.
    if (layer instanceof DepthwiseConvolution2D d) {
      long[] k = kernel(d);
      return 2L * k[0] * k[1] * d.getNIn() * d.getDepthMultiplier() * spatial(output);
    }
    if (layer instanceof SeparableConvolution2D s) {
      long[] k = kernel(s);
      long depthwise = 2L * k[0] * k[1] * s.getNIn() * s.getDepthMultiplier() * spatial(output);
      long pointwise = 2L * s.getNIn() * s.getDepthMultiplier() * s.getNOut() * spatial(output);
      return depthwise + pointwise;
    }
    if (layer instanceof ConvolutionLayer c) {
      long[] k = kernel(c);
      return 2L * k[0] * k[1] * c.getNIn() * c.getNOut() * spatial(output);
    }
    // BatchNormalization is a FeedForwardLayer too, but element-wise: only real weight matrices.
    if (layer instanceof DenseLayer || layer instanceof BaseOutputLayer) {
      FeedForwardLayer f = (FeedForwardLayer) layer;
      return 2L * f.getNIn() * f.getNOut();
    }
    return 0;
  }

  private static long[] kernel(ConvolutionLayer c) {
    return new long[] {c.getKernelSize()[0], c.getKernelSize()[1]};
  }

  private static long spatial(InputType output) {
    InputType.InputTypeConvolutional conv = (InputType.InputTypeConvolutional) output;
    return conv.getHeight() * conv.getWidth();
  }

  private static String describe(InputType type) {
    if (type instanceof InputType.InputTypeConvolutional c) {
      return c.getHeight() + "x" + c.getWidth() + "x" + c.getChannels();
    }
    if (type instanceof InputType.InputTypeFeedForward f) {
      return Long.toString(f.getSize());
    }
    return type.toString();
  }
}
