import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { IvfVectorIndex, type IvfOptions } from './ivf-index.js';

// Builds an IVF index on a worker thread, so that a web process keeps answering (lexical, or the
// previous index plus an exact scan of new rows) during the minutes k-means takes at 1M vectors.

interface Job {
  dim: number;
  vectors: Float32Array;
  opts: IvfOptions;
}

interface Built {
  centroids: Float32Array;
  offsets: Int32Array;
  order: Int32Array;
}

/**
 * Build on a worker thread. `vectors` on a SharedArrayBuffer is shared with it, any other array is
 * copied; the lists come back without a copy, and the index reads the caller's `vectors`.
 */
export function buildIvfInWorker(dim: number, vectors: Float32Array, opts: IvfOptions = {}): Promise<IvfVectorIndex> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { dim, vectors, opts } satisfies Job });
    worker.once('message', (b: Built) => resolve(new IvfVectorIndex(dim, b.centroids, b.offsets, b.order, vectors)));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`search: the IVF build thread exited with code ${code}`));
    });
  });
}

if (!isMainThread && parentPort && (workerData as Job | undefined)?.vectors) {
  const { dim, vectors, opts } = workerData as Job;
  const ivf = IvfVectorIndex.build(dim, vectors, opts);
  const out: Built = { centroids: ivf.centroids, offsets: ivf.offsets, order: ivf.order };
  parentPort.postMessage(out, [out.centroids.buffer, out.offsets.buffer, out.order.buffer] as ArrayBuffer[]);
}
