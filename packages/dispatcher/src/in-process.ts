/**
 * The in-process dispatcher, Gantry's embedded default: runs a plan's jobs on this machine, each as soon
 * as the jobs it `needs` have succeeded, with a parallelism limit. A failed job skips its dependents
 * (transitively); an abort (Ctrl-C) starts nothing new and reports the rest as `not-started`. The job
 * runner is injected (normally `@gantry/executor`'s `executeJob`), so this package stays free of the
 * executor and its tools.
 */
import { setMaxListeners } from "node:events";
import { planDocumentSchema, type Job, type PlanDocument } from "@gantry/classifier";
import { validateDocument, type DocumentSpec } from "@gantry/documents";
import { runByNeeds, type NodeStatus } from "./run-by-needs.js";

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

/** The plan to dispatch: `gantry plan --json`'s document, its jobs' `needs` checked (no unknown job, no cycle). */
export const dispatchPlanDocument = {
  kind: "Plan",
  schema: planDocumentSchema,
  code: "DISPATCH_PLAN_INVALID",
  hint: "pass the document `gantry plan --json` printed, unchanged",
} as const satisfies DocumentSpec<typeof planDocumentSchema>;

export async function dispatchInProcess<R>(
  planInput: PlanDocument,
  options: InProcessDispatchOptions<R>,
): Promise<InProcessDispatch<R>> {
  const plan = validateDocument(planInput, dispatchPlanDocument, "plan");
  const controller = new AbortController();
  // Every job's tools listen to this one signal; many parallel listeners are expected, not a leak.
  setMaxListeners(0, controller.signal);
  const forward = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) forward();
  options.signal?.addEventListener("abort", forward, { once: true });

  const byId = new Map(plan.jobs.map((job) => [job.id, job]));
  const outcomes = new Map<string, DispatchedJob<R>>();
  try {
    // The plan's schema checked it: every need is a job of the plan, and there is no cycle.
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
        outcomes.set(id, {
          job: byId.get(id)!,
          status: "skipped",
          result: null,
          reason: `job ${because} did not succeed`,
        });
        options.onJobSkipped?.(byId.get(id)!, byId.get(because)!);
      },
    });
    const jobs = plan.jobs.map(
      (job) =>
        outcomes.get(job.id) ?? {
          job,
          status: statuses.get(job.id) ?? "not-started",
          result: null,
          reason: controller.signal.aborted ? "interrupted before it started" : "never started",
        },
    );
    const interrupted = controller.signal.aborted;
    return { jobs, interrupted, succeeded: !interrupted && jobs.every((job) => job.status === "succeeded") };
  } finally {
    options.signal?.removeEventListener("abort", forward);
  }
}
