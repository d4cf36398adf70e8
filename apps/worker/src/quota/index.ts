import { learnedBudgets } from '@tranche/db';
import type { WorkerContext } from '../context';
import type { WorkerEnv } from '../env';
import { type NamedBudget, QuotaBook } from './quota-book';

const books = new WeakMap<WorkerEnv, QuotaBook>();

/** The quota budgets `env` sets, read once per settings object. */
export function quotasOf(env: WorkerEnv): QuotaBook {
  let book = books.get(env);
  if (!book) {
    book = new QuotaBook(env);
    books.set(env, book);
  }
  return book;
}

/**
 * Every budget a chunk of this provider and model must fit in: the configured ones (quota-book.ts) and the limit the
 * provider itself stated in the last day when it refused a batch for its queue being full.
 */
export async function budgetsFor(
  ctx: WorkerContext,
  provider: string,
  model: string,
): Promise<NamedBudget[]> {
  const stated = await learnedBudgets(ctx.sql, provider, model);
  return [
    ...quotasOf(ctx.env).budgetsFor(provider, model),
    ...stated.map((budget) => ({ ...budget, source: `stated by ${provider}` })),
  ];
}

export { chunkCaps, type NamedBudget, QuotaBook } from './quota-book';
