/**
 * A deterministic scheduler for simulations: simulated code awaits `tick(owner)` at each point where a real
 * run would wait (a git call, a tool, GitHub), and the simulation decides, from its seeded random source,
 * which waiting party goes next. Time is simulated too (`clock(owner)`): it moves a little with each step and
 * jumps to the next timer when nothing else can run. A killed owner's waits are dropped: it never runs again.
 * A stalled owner (a suspended machine) runs nothing until it resumes; then its clock has moved on, but its
 * timers fire as late as the stall was long (Node's timers count time the process ran, not the wall clock).
 */
import type { Clock } from "../../src/index.js";
import type { Random } from "./delivery-world.js";

interface Waiting {
  readonly owner: string;
  readonly resolve: () => void;
}

interface Timer extends Waiting {
  readonly at: number;
  readonly reject: (reason: unknown) => void;
}

export class Scheduler {
  now = 0;
  private waiting: Waiting[] = [];
  private timers: Timer[] = [];
  private readonly killed = new Set<string>();
  private readonly stalled = new Map<string, { readonly until: number; readonly duration: number }>();

  constructor(
    private readonly random: Random,
    private readonly maxStepMs = 200,
  ) {}

  tick(owner: string): Promise<void> {
    if (this.killed.has(owner)) return new Promise(() => undefined);
    return new Promise((resolve) => this.waiting.push({ owner, resolve }));
  }

  clock(owner: string): Clock {
    return {
      now: () => new Date(Date.UTC(2026, 11, 1) + this.now),
      sleep: (milliseconds, signal) =>
        new Promise<void>((resolve, reject) => {
          if (signal?.aborted) return reject(signal.reason);
          if (this.killed.has(owner)) return;
          const timer: Timer = { owner, at: this.now + milliseconds, resolve, reject };
          this.timers.push(timer);
          signal?.addEventListener(
            "abort",
            () => {
              this.timers = this.timers.filter((other) => other !== timer);
              reject(signal.reason);
            },
            { once: true },
          );
        }),
    };
  }

  kill(owner: string): void {
    this.killed.add(owner);
    this.stalled.delete(owner);
    this.waiting = this.waiting.filter((entry) => entry.owner !== owner);
    this.timers = this.timers.filter((entry) => entry.owner !== owner);
  }

  /** Suspends an owner for `durationMs`: nothing of it runs, and its timers are pushed back by as much. */
  stall(owner: string, durationMs: number): void {
    if (!this.stalled.has(owner)) this.stalled.set(owner, { until: this.now + durationMs, duration: durationMs });
  }

  private resumeStalled(): void {
    for (const [owner, stall] of this.stalled) {
      if (stall.until > this.now) continue;
      this.stalled.delete(owner);
      this.timers = this.timers.map((timer) =>
        timer.owner === owner ? { ...timer, at: timer.at + stall.duration } : timer,
      );
    }
  }

  private running(entry: Waiting): boolean {
    return !this.stalled.has(entry.owner);
  }

  /** Lets whatever was resolved run until it waits again (simulated code does no real I/O). */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  }

  /** Moves one waiting party (or time, to the next timer); false when nothing waits at all. */
  step(): boolean {
    this.now += this.random.below(this.maxStepMs);
    this.resumeStalled();
    const due = this.timers.filter((timer) => timer.at <= this.now && this.running(timer));
    if (due.length > 0) {
      this.timers = this.timers.filter((timer) => !due.includes(timer));
      due.forEach((timer) => timer.resolve());
      return true;
    }
    const ready = this.waiting.filter((entry) => this.running(entry));
    if (ready.length > 0) {
      const entry = ready[this.random.below(ready.length)]!;
      this.waiting = this.waiting.filter((other) => other !== entry);
      entry.resolve();
      return true;
    }
    const next = [
      ...this.timers.filter((timer) => this.running(timer)).map((timer) => timer.at),
      ...[...this.stalled.values()].map((stall) => stall.until),
    ];
    if (next.length > 0) {
      this.now = Math.max(this.now, Math.min(...next));
      return this.step();
    }
    return false;
  }
}
