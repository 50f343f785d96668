/**
 * The in-process dispatcher, Gantry's embedded default: runs a plan's jobs on this machine, each as soon
 * as the jobs it `needs` have succeeded, with a parallelism limit. A failed job skips its dependents
 * (transitively); an abort (Ctrl-C) starts nothing new and reports the rest as `not-started`. The job
 * runner is injected (normally `@gantry/executor`'s `executeJob`), so this package stays free of the
 * executor and its tools.
 */
import { setMaxListeners } from "node:events";
import { CycleFound, planDocumentSchema, runByNeeds, topologicalOrder, type Job, type NodeStatus, type PlanDocument } from "@gantry/classifier";
import { GantryError } from "@gantry/errors";

export type DispatchedJobStatus = NodeStatus;

export interface DispatchedJob<R> {
  job: Job;
  status: DispatchedJobStatus;
  /** What the runner returned; null when the job never ran or the runner threw. */
  result: R | null;
  /** Why a job did not run or did not finish, in one line. */
  reason: string | null;
}

export interface InProcessDispatch<R> {
  jobs: DispatchedJob<R>[];
  interrupted: boolean;
  succeeded: boolean;
}

export interface InProcessDispatchOptions<R> {
  /** Runs one job; receives the run's abort signal, which it should pass on to its tools. */
  runJob: (job: Job, context: { signal: AbortSignal }) => Promise<R>;
  /** Whether a runner's result counts as success (dependents only run after success). */
  isSuccess: (result: R) => boolean;
  /** Jobs running at once; default 4. */
  parallelism?: number;
  signal?: AbortSignal;
  onJobSkipped?: (job: Job, because: Job) => void;
}

/** Checks that every `needs` names a job of the plan and that the needs form no cycle. */
export function validateJobGraph(plan: PlanDocument): void {
  const ids = new Set(plan.jobs.map((job) => job.id));
  if (ids.size !== plan.jobs.length) {
    const duplicate = plan.jobs.find((job, index) => plan.jobs.findIndex((other) => other.id === job.id) !== index)!;
    throw new GantryError("DISPATCH_DUPLICATE_JOB", `plan: jobs: two jobs have the id "${duplicate.id}"`, { hint: "plan again with `gantry plan`; job ids are unique", exitCode: 20 });
  }
  plan.jobs.forEach((job, index) => {
    job.needs.forEach((need, needIndex) => {
      if (!ids.has(need)) {
        throw new GantryError("DISPATCH_UNKNOWN_NEED", `plan: field "jobs[${index}].needs[${needIndex}]": job "${job.id}" needs "${need}", which is not in the plan`, {
          hint: "plan again with `gantry plan`, or remove the job from `needs`",
          exitCode: 20,
        });
      }
    });
  });
  const needsOf = new Map(plan.jobs.map((job) => [job.id, job.needs]));
  const cycle = (ids: string[]) => new GantryError("DISPATCH_CYCLE", `plan: jobs need each other in a cycle: ${ids.join(" -> ")}`, { hint: "plan again with `gantry plan`", exitCode: 20 });
  // `topologicalOrder` ignores a node's edge to itself; a job that needs itself can never start.
  const selfNeeding = plan.jobs.find((job) => job.needs.includes(job.id));
  if (selfNeeding) throw cycle([selfNeeding.id, selfNeeding.id]);
  try {
    topologicalOrder([...needsOf.keys()], (id) => needsOf.get(id)!);
  } catch (error) {
    if (!(error instanceof CycleFound)) throw error;
    throw cycle(error.cycle as string[]);
  }
}

export async function dispatchInProcess<R>(planInput: PlanDocument, options: InProcessDispatchOptions<R>): Promise<InProcessDispatch<R>> {
  const parsed = planDocumentSchema.safeParse(planInput);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new GantryError("DISPATCH_PLAN_INVALID", `plan: field "${issue.path.join(".") || "(document)"}": ${issue.message}`, {
      hint: "pass the document `gantry plan --json` printed",
      exitCode: 20,
    });
  }
  const plan = parsed.data;
  validateJobGraph(plan);
  const controller = new AbortController();
  // Every job's tools listen to this one signal; many parallel listeners are expected, not a leak.
  setMaxListeners(0, controller.signal);
  const forward = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) forward();
  options.signal?.addEventListener("abort", forward, { once: true });

  const byId = new Map(plan.jobs.map((job) => [job.id, job]));
  const outcomes = new Map<string, DispatchedJob<R>>();
  try {
    // `validateJobGraph` above: every need is a job of the plan, and there is no cycle.
    const statuses = await runByNeeds(new Map(plan.jobs.map((job) => [job.id, job.needs])), {
      parallelism: options.parallelism ?? 4,
      signal: controller.signal,
      run: async (id) => {
        const job = byId.get(id)!;
        try {
          const result = await options.runJob(job, { signal: controller.signal });
          const status = options.isSuccess(result) ? "succeeded" : "failed";
          outcomes.set(id, { job, status, result, reason: null });
          return status;
        } catch (error) {
          outcomes.set(id, { job, status: "failed", result: null, reason: (error as Error)?.message ?? String(error) });
          return "failed";
        }
      },
      onSkip: (id, because) => {
        outcomes.set(id, { job: byId.get(id)!, status: "skipped", result: null, reason: `job ${because} did not succeed` });
        options.onJobSkipped?.(byId.get(id)!, byId.get(because)!);
      },
    });
    const jobs = plan.jobs.map(
      (job) => outcomes.get(job.id) ?? { job, status: statuses.get(job.id) ?? "not-started", result: null, reason: controller.signal.aborted ? "interrupted before it started" : "never started" },
    );
    const interrupted = controller.signal.aborted;
    return { jobs, interrupted, succeeded: !interrupted && jobs.every((job) => job.status === "succeeded") };
  } finally {
    options.signal?.removeEventListener("abort", forward);
  }
}
