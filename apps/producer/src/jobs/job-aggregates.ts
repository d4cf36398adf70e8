import {
  isTerminal,
  type JobCost,
  type JobRow,
  type JobUsage,
  jobTotals,
  type Reconciliation,
  reconcile,
  type Sql,
} from '@tranche/db';

export interface JobAggregates {
  reconciliation: Reconciliation;
  usage: JobUsage;
  cost: JobCost;
}

interface Entry {
  aggregates: Promise<JobAggregates>;
  computedAt: number;
  /** Computed after the job had ended: its inputs and results no longer change, so neither does this. */
  final: boolean;
}

/** Finished jobs whose sums are kept: a client's last look at a job it waited for, and the dashboard's recent jobs. */
const MAX_KEPT = 2_000;

/**
 * A job's counts by outcome and its summed tokens and cost: what its view adds up over every input and result.
 * At 100,000 inputs that is about 0.4 s of Postgres's CPU, and clients waiting for a job ask every second or
 * faster (the client's `wait`, the dashboard, scripts), several of them for the same job. So the sums of a running
 * job are computed at most once per `refreshMs` per API process, callers arriving meanwhile sharing the last
 * answer (or the one being computed); the job's row and batches, read on each request, stay current. Once a job
 * has ended its sums are final: computed once more after the end, then kept.
 */
export class JobAggregatesCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly refreshMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** `job` is the row as just read: its status says whether sums computed now are final. */
  get(sql: Sql, job: Pick<JobRow, 'id' | 'status' | 'duplicates' | 'input_count'>): Promise<JobAggregates> {
    const entry = this.entries.get(job.id);
    const now = this.now();
    if (entry && (entry.final || (!isTerminal(job.status) && now - entry.computedAt < this.refreshMs))) {
      return entry.aggregates;
    }
    const aggregates = compute(sql, job);
    const fresh: Entry = { aggregates, computedAt: now, final: isTerminal(job.status) };
    // Re-inserted, so the map's order is oldest first: what is dropped when it is full.
    this.entries.delete(job.id);
    this.entries.set(job.id, fresh);
    aggregates.catch(() => {
      if (this.entries.get(job.id) === fresh) this.entries.delete(job.id);
    });
    this.dropOldest();
    return aggregates;
  }

  private dropOldest() {
    for (const id of this.entries.keys()) {
      if (this.entries.size <= MAX_KEPT) return;
      this.entries.delete(id);
    }
  }
}

async function compute(
  sql: Sql,
  job: Pick<JobRow, 'id' | 'duplicates' | 'input_count'>,
): Promise<JobAggregates> {
  const [reconciliation, { usage, cost }] = await Promise.all([reconcile(sql, job), jobTotals(sql, job.id)]);
  return { reconciliation, usage, cost };
}
