/**
 * Extractions side by side, loads alone. Sources share the process's memory, and the two phases
 * that use most of it are not alike: an extraction holds Arrow builders, a Parquet encoder and V8
 * garbage that a collection has not reclaimed yet; a load holds an embedded DuckDB whose memory
 * limit is sized from what the process has left (load/memory-budget.ts). A load started while
 * another source extracts is sized against memory the extraction then takes back, so a load waits
 * for running extractions to finish, and no extraction starts while a load waits or runs
 * (a readers–writer gate that prefers writers, so loads are never starved by a stream of sources).
 * Measured on the national-day benchmark: see docs/ARCHITECTURE.md, "Memory of the national day".
 */

type Waiter = () => void;

export class PhaseGate {
  #shared = 0;
  #exclusive = false;
  readonly #sharedWaiting: Waiter[] = [];
  readonly #exclusiveWaiting: Waiter[] = [];

  /** Runs `fn` beside other shared holders, once no exclusive holder runs or waits. */
  async shared<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#exclusive || this.#exclusiveWaiting.length > 0)
      await new Promise<void>((resolve) => this.#sharedWaiting.push(resolve));
    else this.#shared++;
    try {
      return await fn();
    } finally {
      this.#shared--;
      this.#next();
    }
  }

  /** Runs `fn` alone: after every shared holder has finished, before any other waiting holder. */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#exclusive || this.#shared > 0)
      await new Promise<void>((resolve) => this.#exclusiveWaiting.push(resolve));
    else this.#exclusive = true;
    try {
      return await fn();
    } finally {
      this.#exclusive = false;
      this.#next();
    }
  }

  /** Hands the gate on: a waiting exclusive holder first, else every waiting shared holder. */
  #next(): void {
    if (this.#exclusive || this.#shared > 0) return;
    const writer = this.#exclusiveWaiting.shift();
    if (writer) {
      this.#exclusive = true;
      writer();
      return;
    }
    const readers = this.#sharedWaiting.splice(0);
    this.#shared += readers.length;
    for (const r of readers) r();
  }
}
