import type { DryRunInput, DryRunResponse } from '@tranche/contracts';
import { budgetStatus, succeededCustomIds } from '@tranche/db';
import { decimalToPico, picoToDecimal } from '@tranche/pricing';
import { budgetRefusal } from './budget-check';
import { lineOverhead, planChunkSummary } from './chunk-plan';
import type { InputEstimate } from './job-estimate';
import { acceptable, assertValid, type IntakeDeps, prepareIntake } from './submit-job';

/** At most this many `per_input` lines in a dry run's answer: the totals always cover every input. */
export const PER_INPUT_LIMIT = 10_000;

/** Distinct requests looked up together to see whether a replay of the run would skip them. */
const REPLAY_LOOKUP_PAGE = 1000;

export type { DryRunInput, DryRunResponse };

interface PendingRequest {
  customId: string;
  index: number;
  id: string | null;
  withoutMaxTokens: boolean;
  bytes: number;
  estimate: InputEstimate;
}

const difference = (a: string | null, b: string | null) =>
  a === null || b === null ? null : picoToDecimal(decimalToPico(a) - decimalToPico(b));

/**
 * Everything a submit of this job would do up to the provider call, without doing it: the same validation (and
 * the same 400), token estimates, the worst-case cost, the chunks the submit worker would plan, and whether the
 * project's budget would take the job. Nothing is written to Postgres and nothing is queued.
 */
export async function dryRunJob(
  deps: IntakeDeps,
  rawHeader: unknown,
  inputs: AsyncIterable<unknown> | Iterable<unknown>,
): Promise<DryRunResponse> {
  const prepared = await prepareIntake(deps, rawHeader, inputs, 'dry_run');
  const { spec, job, normalizer, estimate } = prepared;
  // A fresh run id has no earlier results: only a run the caller names can be a replay.
  const replay = spec.metadata.run_id !== undefined;
  const requestBytes: number[] = [];
  const perInput: DryRunInput[] = [];
  let skippedDone = 0;
  let pending: PendingRequest[] = [];

  const flush = async () => {
    const done = replay
      ? await succeededCustomIds(
          deps.sql,
          pending.map((p) => p.customId),
        )
      : new Set();
    for (const request of pending) {
      if (done.has(request.customId)) {
        skippedDone += 1;
        continue;
      }
      estimate.addEstimate(request.estimate, request.withoutMaxTokens);
      requestBytes.push(request.bytes);
      if (perInput.length < PER_INPUT_LIMIT + 1) {
        perInput.push({
          index: request.index,
          id: request.id,
          input_tokens: request.estimate.inputTokens,
          max_output_tokens: request.estimate.maxOutputTokens,
        });
      }
    }
    pending = [];
  };

  for await (const raw of inputs) {
    const row = normalizer.add(raw);
    if (normalizer.full) break; // refused by assertValid: the rest is not read
    if (!acceptable(prepared, row)) continue;
    pending.push({
      customId: row.customId,
      index: row.seq,
      id: row.callerId,
      withoutMaxTokens: row.request.params?.max_tokens === undefined,
      bytes: Buffer.byteLength(row.requestJson),
      estimate: estimate.estimate(row.request),
    });
    if (pending.length >= REPLAY_LOOKUP_PAGE) await flush();
  }
  assertValid(prepared);
  await flush();

  const totals = estimate.totals();
  const output = spec.output ? { name: spec.output.name ?? 'output', schema: spec.output.schema } : undefined;
  const overhead = lineOverhead(spec.provider, {
    jobId: job.id,
    model: spec.model,
    kind: spec.kind,
    ...(output ? { output } : {}),
    // The chat API picks the line's shape, hence its overhead (intake took it for chat jobs only).
    ...(spec.kind === 'chat' && spec.options?.chat_api ? { chatApi: spec.options.chat_api } : {}),
  });
  const plan = planChunkSummary(spec.provider, requestBytes, overhead, deps.chunkCaps);
  const status = await budgetStatus(deps.sql, job.project);
  let budget: DryRunResponse['budget'] = null;
  if (status) {
    const refused = budgetRefusal(
      { project: job.project, provider: spec.provider, model: spec.model, totals },
      status,
    );
    const fits = refused === null;
    const refusal = refused ? refused.message : null;
    budget = { ...status, fits, refusal };
  }
  return {
    dry_run: true,
    provider: spec.provider,
    model: spec.model,
    inputs: normalizer.count,
    distinct_inputs: normalizer.distinct,
    duplicates: normalizer.duplicates,
    skipped_done: skippedDone,
    to_send: totals.requests,
    tokenizer: totals.tokenizer,
    tokens: { input: totals.inputTokens, max_output: totals.maxOutputTokens },
    max_output_default: {
      tokens: totals.defaultMaxOutputTokens,
      source: totals.defaultMaxOutputSource,
      inputs_without_max_tokens: totals.withoutMaxTokens,
    },
    per_input: perInput.slice(0, PER_INPUT_LIMIT),
    per_input_truncated: perInput.length > PER_INPUT_LIMIT,
    cost: {
      priced: totals.priced,
      price_version: totals.priceVersion,
      input_batch_usd: totals.inputBatchUsd,
      worst_case_batch_usd: totals.worstCaseBatchUsd,
      worst_case_sync_usd: totals.worstCaseSyncUsd,
      worst_case_savings_usd: difference(totals.worstCaseSyncUsd, totals.worstCaseBatchUsd),
    },
    chunks: plan.chunks,
    chunk_limits: { max_requests: plan.limits.maxRequests, max_bytes: plan.limits.maxBytes },
    budget,
  };
}
