/**
 * The simulation's time: a fake `Clock` and `Sleep` for runScheduler. A sleep first waits for the
 * runs the scheduler started (they are real processes in real time; the fake clock stands still
 * while they run), then moves the clock to the wake-up time the scheduler asked for. Crossing a
 * day's scheduled run time is a tick: `beforeDay` runs first (advance the demo, set the day's
 * faults), so the scheduler wakes to a world one day older and starts the job. When the day's
 * run is over, `afterDay` runs (checks, an operator's retry). After the last day the scheduler
 * is stopped through its abort signal, as SIGTERM stops `moh-etl schedule`.
 */
import type { Clock, Sleep } from '../../../src/schedule/index.js';

export interface SimDays {
  /** The scheduled run time of each day, day 1 first. */
  due: readonly Date[];
  beforeDay(day: number): Promise<void>;
  afterDay(day: number): Promise<void>;
  /** Resolves when no run the scheduler started is going. */
  idle(): Promise<void>;
}

export class SimTime {
  readonly stop = new AbortController();
  readonly clock: Clock;
  #now: number;
  /** The next day to begin (1-based); the day whose run time was reached last; the last one checked. */
  #next = 1;
  #reached = 0;
  #checked = 0;
  /** Sleeps taken, and how many moved the clock past a day. */
  sleeps = 0;

  constructor(
    start: Date,
    private readonly days: SimDays,
  ) {
    this.#now = start.getTime();
    this.clock = { now: () => new Date(this.#now) };
  }

  readonly sleep: Sleep = async (ms) => {
    this.sleeps++;
    await this.days.idle();
    if (this.#reached > this.#checked) {
      this.#checked = this.#reached;
      await this.days.afterDay(this.#reached);
    }
    if (this.stop.signal.aborted) return;
    const target = this.#now + ms;
    const due = this.days.due[this.#next - 1];
    if (!due) {
      this.stop.abort('the simulation is over');
      return;
    }
    if (target >= due.getTime()) {
      await this.days.beforeDay(this.#next);
      this.#reached = this.#next++;
    }
    this.#now = target;
  };
}
