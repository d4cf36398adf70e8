import type postgres from 'postgres';
import { clientFor } from '../support/client';
import type { Stack } from '../support/stack';

/** What one fault case left behind, measured from Postgres, the API and the emulator after the job ended. */
export interface FaultFigures {
  inputs: number;
  /** Inputs not final (pending, submitted), or failed with no reason. */
  lost: number;
  /** Result lines beyond one per input sent, or a custom id answered twice in one job's results. */
  duplicates: number;
  /** Requests the provider received beyond the attempts Postgres counted (a chunk sent twice). */
  sentTwice: number;
  /** Results whose cost is not counted exactly once in the rollups. */
  costsMiscounted: number;
}

/** Every input ends succeeded or failed with a reason, nothing is answered or sent twice, every cost counts once. */
export async function measure(stack: Stack, jobIds: string[], provider = 'openai'): Promise<FaultFigures> {
  const figures: FaultFigures = { inputs: 0, lost: 0, duplicates: 0, sentTwice: 0, costsMiscounted: 0 };
  for (const jobId of jobIds) {
    const [counts] = await stack.sql<{ inputs: number; lost: number; attempts: number }[]>`
      select count(*)::int as inputs,
        count(*) filter (where state in ('pending', 'submitted')
                          or (state = 'failed' and (last_error is null or last_error->>'message' is null)))::int as lost,
        coalesce(sum(attempts), 0)::int as attempts
      from inputs where job_id = ${jobId}`;
    const [job] = await stack.sql<
      { input_count: number }[]
    >`select input_count from jobs where id = ${jobId}`;
    const lines = await Array.fromAsync(clientFor(stack).results(jobId));
    const expectedLines = job?.input_count ?? 0;
    const customIdsAnswered = new Map<string, number>();
    for (const line of lines) {
      const id = String(line.id ?? line.custom_id);
      customIdsAnswered.set(id, (customIdsAnswered.get(id) ?? 0) + 1);
    }
    figures.inputs += expectedLines;
    figures.lost += (counts?.lost ?? 0) + Math.max(0, expectedLines - lines.length);
    figures.duplicates +=
      Math.max(0, lines.length - expectedLines) +
      [...customIdsAnswered.values()].reduce((sum, n) => sum + (n - 1), 0);
  }
  figures.sentTwice = Math.max(
    0,
    (await requestsReceived(stack, provider)) - (await attemptsCounted(stack.sql)),
  );
  figures.costsMiscounted = await costsMiscounted(stack.sql);
  return figures;
}

async function requestsReceived(stack: Stack, provider: string): Promise<number> {
  return stack.emulator.stats()[provider]?.requests ?? 0;
}

/** Every attempt of every input Postgres planned into a batch: what the provider may rightly have received. */
async function attemptsCounted(sql: postgres.Sql): Promise<number> {
  const [row] = await sql<{ n: number }[]>`select coalesce(sum(attempts), 0)::int as n from inputs`;
  return row?.n ?? 0;
}

/**
 * The rollups the cost views read (kept by triggers in the statement that writes results) against the results
 * themselves: a cost counted twice, or lost, shows as a difference.
 */
async function costsMiscounted(sql: postgres.Sql): Promise<number> {
  const rows = await sql<{ project: string }[]>`
    with by_results as (
      select j.project, j.model, count(*) as n, coalesce(sum(r.cost_usd), 0) as cost
      from results r join jobs j on j.id = r.job_id group by j.project, j.model),
    by_totals as (
      select project, model, coalesce(sum(results), 0) as n, coalesce(sum(cost_usd), 0) as cost
      from result_totals group by project, model)
    select coalesce(r.project, t.project) as project
    from by_results r full join by_totals t on t.project = r.project and t.model = r.model
    where r.n is distinct from t.n or r.cost is distinct from t.cost`;
  return rows.length;
}
