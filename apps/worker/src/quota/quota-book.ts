import { DESCRIPTORS, type InFlightQuota, PROVIDERS, type ProviderDescriptor } from '@tranche/adapters';
import type { QuotaBudget, QuotaScope, QuotaUnit } from '@tranche/db';
import { z } from 'zod';

const UNITS: readonly QuotaUnit[] = ['tokens', 'requests', 'batches'];

const limits = z
  .strictObject({
    tokens: z.number().int().positive().optional(),
    requests: z.number().int().positive().optional(),
    batches: z.number().int().positive().optional(),
  })
  .refine((l) => UNITS.some((unit) => l[unit] !== undefined), 'set tokens, requests or batches');

export type QuotaLimits = z.infer<typeof limits>;

const KEY = new RegExp(`^(${PROVIDERS.join('|')})(/.+)?$`);

/**
 * PROVIDER_QUOTAS: a JSON object of budgets. `"openai/gpt-4o-mini": {"tokens": 2000000}` holds that model's batches
 * to 2M estimated input tokens in flight; `"openai/*"` gives every other model of the provider a budget of its own;
 * `"anthropic": {"requests": 100000}` is one budget shared by all of the provider's models. Units: `tokens`
 * (estimated input tokens), `requests`, `batches`.
 */
export const providerQuotasSchema = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `not JSON: ${(error as Error).message}` });
      return z.NEVER;
    }
  })
  .pipe(
    z.record(z.string(), limits).superRefine((quotas, ctx) => {
      for (const key of Object.keys(quotas)) {
        if (KEY.test(key)) continue;
        const message = `a key is a provider (${PROVIDERS.join(', ')}), provider/model or provider/*`;
        ctx.addIssue({ code: 'custom', path: [key], message });
      }
    }),
  );

export type ProviderQuotas = z.infer<typeof providerQuotasSchema>;

/** PROVIDER_QUOTAS, and the usage tier variables the providers' descriptors name. */
export interface QuotaSettings {
  PROVIDER_QUOTAS?: ProviderQuotas | undefined;
  readonly [tierVariable: string]: unknown;
}

/** A budget and where it comes from (for logs and the job view). */
export interface NamedBudget extends QuotaBudget {
  source: string;
}

// `models/gemini-2.5-flash` (the Gemini API takes a model by its resource name too), `publishers/google/models/…`.
const RESOURCE_PATH = /^(?:projects\/[^/]+\/locations\/[^/]+\/)?(?:publishers\/[^/]+\/)?models\//;
// What may follow a listed name in a version of it: a date or version number (`-2024-08-06`, `-001`), or a preview
// of it, bare or dated (`-preview-09-2025`). A word other than `preview` names another model (`-mini`, `-lite`,
// `-preview-tts`), whose budget is not this one's.
const VERSION_SUFFIX = /^(?:\d|preview(?:$|-\d))/;

/**
 * The listed name the model is, or is a version of (`gpt-4o-2024-08-06` is `gpt-4o`, `gpt-4o-mini` is not;
 * `gemini-2.5-flash-preview-09-2025` is `gemini-2.5-flash`, `gemini-2.5-flash-lite` is not); a fine-tuned
 * `ft:gpt-4o-mini:org::id` is its base model. Names are compared without their resource path. The longest listed
 * name that fits wins: a list holding both a model and its preview (`gemini-3-pro`, `gemini-3-pro-preview`), or a
 * model and one of its snapshots, must not give a different budget depending on the order it was written in.
 */
function listedFamily(model: string, names: readonly string[]): string | null {
  const bare = (name: string) => name.trim().replace(RESOURCE_PATH, '');
  const base = bare(model).replace(/^ft:/, '').split(':')[0]!;
  let found: { name: string; listed: string } | null = null;
  for (const name of names) {
    const listed = bare(name);
    const fits =
      base === listed ||
      (base.startsWith(`${listed}-`) && VERSION_SUFFIX.test(base.slice(listed.length + 1)));
    if (fits && (found === null || listed.length > found.listed.length)) found = { name, listed };
  }
  return found?.name ?? null;
}

/**
 * The budgets of in-flight work per provider and model: the operator's PROVIDER_QUOTAS over the published defaults
 * of the usage tier the operator names (the tier variable of the provider's descriptor, `OPENAI_USAGE_TIER`). For
 * each unit of one model: its own `provider/model` entry, else the tier's figure, else the `provider/*` entry; plus
 * the provider-wide entry.
 * Nothing configured: no budget (a provider that refuses a batch for its queue being full still gets it resent).
 */
export class QuotaBook {
  private readonly quotas: ProviderQuotas;

  constructor(private readonly settings: QuotaSettings) {
    this.quotas = settings.PROVIDER_QUOTAS ?? {};
  }

  budgetsFor(provider: string, model: string): NamedBudget[] {
    const budgets: NamedBudget[] = [];
    const modelKeys = Object.keys(this.quotas)
      .filter((key) => key.startsWith(`${provider}/`) && key !== `${provider}/*`)
      .map((key) => key.slice(provider.length + 1));
    const own = listedFamily(model, modelKeys);
    const tier = this.tierFigures(provider, model);
    for (const unit of UNITS) {
      const perModel =
        (own !== null ? this.entry(`${provider}/${own}`, unit, 'model') : null) ??
        tier[unit] ??
        this.entry(`${provider}/*`, unit, 'model');
      if (perModel) budgets.push(perModel);
      const shared = this.entry(provider, unit, 'provider') ?? tier.shared?.[unit];
      if (shared) budgets.push(shared);
    }
    return budgets;
  }

  private entry(key: string, unit: QuotaUnit, scope: QuotaScope): NamedBudget | null {
    const limit = this.quotas[key]?.[unit];
    return limit === undefined ? null : { scope, unit, limit, source: `PROVIDER_QUOTAS ${key}` };
  }

  /** The published figures of the tier the operator named, per model and provider-wide. */
  private tierFigures(
    provider: string,
    model: string,
  ): Partial<Record<QuotaUnit, NamedBudget>> & { shared?: Partial<Record<QuotaUnit, NamedBudget>> } {
    const descriptor = descriptorNamed(provider);
    const quota = descriptor?.limits.inFlight;
    const tier = quota ? this.settings[quota.tierVariable] : undefined;
    if (!descriptor || !quota || typeof tier !== 'number') return {};
    const published = publishedFigure(quota, tier, model);
    if (!published) return {};
    const source = `${descriptor.label} tier ${tier}${published.family === null ? '' : ` ${published.family}`}`;
    const budget: NamedBudget = { scope: published.scope, unit: quota.unit, limit: published.limit, source };
    return budget.scope === 'model' ? { [budget.unit]: budget } : { shared: { [budget.unit]: budget } };
  }
}

function descriptorNamed(provider: string): ProviderDescriptor | null {
  return Object.hasOwn(DESCRIPTORS, provider) ? DESCRIPTORS[provider as keyof typeof DESCRIPTORS] : null;
}

/** A provider's published figure for one tier and model, and the model family it is listed under (if per model). */
function publishedFigure(
  quota: InFlightQuota,
  tier: number,
  model: string,
): { scope: QuotaScope; limit: number; family: string | null } | null {
  const { figures } = quota;
  if (figures.scope === 'provider') {
    const limit = figures.byTier[tier - 1];
    return limit === undefined ? null : { scope: 'provider', limit, family: null };
  }
  const family = listedFamily(model, Object.keys(figures.byFamily));
  const limit = family ? figures.byFamily[family]?.[tier - 1] : undefined;
  return limit === undefined ? null : { scope: 'model', limit, family };
}

/** The most one chunk may hold so that it fits its budgets at all (planning splits chunks to fit). */
export function chunkCaps(budgets: readonly QuotaBudget[]): { maxTokens?: number; maxRequests?: number } {
  const tightest = (unit: QuotaUnit) => {
    const found = budgets.filter((b) => b.unit === unit).map((b) => b.limit);
    return found.length > 0 ? Math.min(...found) : undefined;
  };
  const maxTokens = tightest('tokens');
  const maxRequests = tightest('requests');
  return {
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(maxRequests !== undefined ? { maxRequests } : {}),
  };
}
