/**
 * Per-run counts of a compiled transform: rows in and out, and per column the values it nulled,
 * could not match or could not recognise. Counts only, never values. A step declares a counter at
 * compile time and increments a plain array slot per value (no map lookup, no object per row).
 */
export class TransformCounters {
  readonly counts: number[] = [];
  readonly #index = new Map<string, number>();

  /** The slot of counter `name`; declaring a name twice shares the slot (two steps, one column). */
  declare(name: string): number {
    let index = this.#index.get(name);
    if (index === undefined) {
      index = this.counts.length;
      this.counts.push(0);
      this.#index.set(name, index);
    }
    return index;
  }

  /** Every declared counter with its count, zeros included (the shape does not depend on the data). */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, index] of this.#index) out[name] = this.counts[index]!;
    return out;
  }
}
