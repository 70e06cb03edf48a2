/**
 * Results computed from a record's text, kept by the record's id while that text is the same (the
 * inputs are compared with ===; none: kept by the id alone), the least recently asked for dropped
 * past `limit`. For what every page or API response computes for each of its papers (their key
 * phrases, their one-line summary) and for SQLite's prepared statements (by their SQL).
 */
export class KeptResults<T> {
  private readonly kept = new Map<string, { inputs: readonly unknown[]; value: T }>();

  constructor(private readonly limit: number) {}

  get(id: string, inputs: readonly unknown[], compute: () => T): T {
    const hit = this.kept.get(id);
    this.kept.delete(id);
    if (hit && hit.inputs.length === inputs.length && hit.inputs.every((x, i) => x === inputs[i])) {
      this.kept.set(id, hit);
      return hit.value;
    }
    const value = compute();
    this.kept.set(id, { inputs, value });
    if (this.kept.size > this.limit) this.kept.delete(this.kept.keys().next().value as string);
    return value;
  }

  get size(): number {
    return this.kept.size;
  }
}
