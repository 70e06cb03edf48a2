// The corpus-model vectors' spread over the instance's papers (their mean and covariance), for the
// direction that tells a reader's liked papers apart from the papers around them: Fisher's linear
// discriminant, w = (S + ridge I)^-1 (mean of the liked vectors - the corpus mean). A plain cosine with the
// liked papers' mean counts every direction of the vector space alike; most of them are what every
// paper of the listing shares (that it is about language models, say), and the discriminant weighs
// the directions in which the liked papers stand out from the rest, against how much papers vary in them.

/** Share of the covariance's mean variance added to its diagonal (chosen with RANK_WEIGHTS in the lab). */
export const RIDGE = 0.1;

export class VectorStats {
  private constructor(
    readonly dim: number,
    /** the corpus mean */
    readonly mean: Float64Array,
    /** the lower Cholesky factor of covariance + ridge, row-major dim x dim */
    private readonly chol: Float64Array,
  ) {}

  /** The statistics of `vectors` (all of `dim` floats); null when there are fewer than two. */
  static of(vectors: Iterable<Float32Array>, dim: number, ridge = RIDGE): VectorStats | null {
    const mean = new Float64Array(dim);
    const cov = new Float64Array(dim * dim);
    const x = new Float64Array(dim);
    let n = 0;
    // Welford's update of the mean and the lower triangle of the scatter matrix.
    for (const v of vectors) {
      if (v.length !== dim) continue;
      n++;
      for (let a = 0; a < dim; a++) {
        x[a] = v[a] - mean[a];
        mean[a] += x[a] / n;
      }
      for (let a = 0; a < dim; a++) {
        const da = v[a] - mean[a];
        const row = a * dim;
        for (let b = 0; b <= a; b++) cov[row + b] += da * x[b];
      }
    }
    if (n < 2) return null;
    let trace = 0;
    for (let a = 0; a < dim; a++) trace += cov[a * dim + a] / n;
    const add = ridge * (trace / dim) + 1e-9;
    for (let a = 0; a < dim; a++) for (let b = 0; b <= a; b++) cov[a * dim + b] = cov[a * dim + b] / n + (a === b ? add : 0);
    // Cholesky, in place into L (lower triangle).
    const L = new Float64Array(dim * dim);
    for (let a = 0; a < dim; a++)
      for (let b = 0; b <= a; b++) {
        let s = cov[a * dim + b];
        for (let k = 0; k < b; k++) s -= L[a * dim + k] * L[b * dim + k];
        L[a * dim + b] = a === b ? Math.sqrt(Math.max(s, 1e-12)) : s / L[b * dim + b];
      }
    return new VectorStats(dim, mean, L);
  }

  /** (S + ridge I)^-1 (mean of `liked` - the corpus mean); null without liked vectors of this dimension. */
  direction(liked: Float32Array[]): Float32Array | null {
    const dim = this.dim;
    const own = liked.filter((v) => v.length === dim);
    if (!own.length) return null;
    const rhs = new Float64Array(dim);
    for (const v of own) for (let d = 0; d < dim; d++) rhs[d] += v[d] / own.length;
    for (let d = 0; d < dim; d++) rhs[d] -= this.mean[d];
    const L = this.chol;
    const y = new Float64Array(dim);
    for (let a = 0; a < dim; a++) {
      let s = rhs[a];
      for (let k = 0; k < a; k++) s -= L[a * dim + k] * y[k];
      y[a] = s / L[a * dim + a];
    }
    const w = new Float32Array(dim);
    const xs = new Float64Array(dim);
    for (let a = dim - 1; a >= 0; a--) {
      let s = y[a];
      for (let k = a + 1; k < dim; k++) s -= L[k * dim + a] * xs[k];
      xs[a] = s / L[a * dim + a];
      w[a] = xs[a];
    }
    return w;
  }
}
