/**
 * A deterministic scheduler for simulations: simulated code awaits `tick(owner)` at each point where a real
 * run would wait (a git call, a tool, GitHub), and the simulation decides, from its seeded random source,
 * which waiting party goes next. Time is simulated too (`clock(owner)`): it moves a little with each step and
 * jumps to the next timer when nothing else can run. A killed owner's waits are dropped: it never runs again.
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

  constructor(private readonly random: Random, private readonly maxStepMs = 200) {}

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
    this.waiting = this.waiting.filter((entry) => entry.owner !== owner);
    this.timers = this.timers.filter((entry) => entry.owner !== owner);
  }

  /** Lets whatever was resolved run until it waits again (simulated code does no real I/O). */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  }

  /** Moves one waiting party (or time, to the next timer); false when nothing waits at all. */
  step(): boolean {
    this.now += this.random.below(this.maxStepMs);
    const due = this.timers.filter((timer) => timer.at <= this.now);
    if (due.length > 0) {
      this.timers = this.timers.filter((timer) => timer.at > this.now);
      due.forEach((timer) => timer.resolve());
      return true;
    }
    if (this.waiting.length > 0) {
      const [entry] = this.waiting.splice(this.random.below(this.waiting.length), 1);
      entry!.resolve();
      return true;
    }
    if (this.timers.length > 0) {
      this.now = Math.min(...this.timers.map((timer) => timer.at));
      return this.step();
    }
    return false;
  }
}
