package io.digitstream.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Copies ND4J matrices to Java arrays without a native call per row. */
public final class Matrices {
  private Matrices() {}

  /**
   * The rows of a matrix as {@code float[][]}. {@code INDArray.toFloatMatrix()} does {@code
   * getRow(i).dup()} for every row, one native op and one allocation each; one bulk copy of the
   * whole buffer and a Java split costs the same as a single row.
   */
  public static float[][] rows(INDArray matrix) {
    int rows = matrix.rows();
    int columns = matrix.columns();
    INDArray dense =
        matrix.ordering() == 'c' && !matrix.isView() && matrix.offset() == 0
            ? matrix
            : matrix.dup('c');
    float[] flat = dense.data().asFloat();
    float[][] result = new float[rows][columns];
    for (int i = 0; i < rows; i++) {
      System.arraycopy(flat, i * columns, result[i], 0, columns);
    }
    return result;
  }
}
