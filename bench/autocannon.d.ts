// The few parts of autocannon's API the web bench uses (the package ships no types).
declare module 'autocannon' {
  interface Histogram {
    average: number;
    mean: number;
    p50: number;
    p90: number;
    p99: number;
    max: number;
  }
  interface Result {
    requests: Histogram & { total: number };
    latency: Histogram;
    throughput: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
    duration: number;
  }
  function autocannon(options: {
    url: string;
    connections?: number;
    duration?: number;
    pipelining?: number;
    headers?: Record<string, string>;
    /** each request's path (etc.) set by setupRequest: distinct URLs from one run */
    requests?: { setupRequest?: (req: { path: string; method: string }) => { path: string; method: string } }[];
  }): Promise<Result>;
  export default autocannon;
}
