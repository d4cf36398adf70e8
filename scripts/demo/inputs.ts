import type { JobSubmission as JobSpec } from '@tranche/client';

const WORDS = [
  'contract',
  'invoice',
  'clause',
  'amount',
  'party',
  'date',
  'term',
  'notice',
  'payment',
  'liability',
  'delivery',
  'warranty',
  'renewal',
  'supplier',
  'penalty',
  'schedule',
];

const NOTES = [
  'Invoice #{n} from Acme Logistics: {k} pallets delivered to the Lyon warehouse, payment due in 30 days.',
  'Amendment {n} to the service contract: the notice period goes from 60 to {k} days.',
  'Customer email: order {n} arrived with {k} damaged items, asking for a refund or a replacement.',
  'Meeting notes: the supplier agreed to a {k}% discount if we sign the renewal before the end of month {n}.',
  'Payslip {n}: gross salary {k}00 EUR, including overtime and a transport allowance.',
  'Lease {n}: office of {k}0 m2, three-year term, rent indexed yearly.',
];

/** Deterministic filler of exactly `bytes` ASCII characters, different for every `seed`. */
export function documentText(seed: number, bytes: number): string {
  const parts = [`Document ${seed}. `];
  let length = parts[0]!.length;
  let n = seed + 1;
  while (length < bytes) {
    n = (n * 1_103_515_245 + 12_345) & 0x7fffffff;
    const word = `${WORDS[n % WORDS.length]}${n % 11 === 0 ? '.\n' : ' '}`;
    parts.push(word);
    length += word.length;
  }
  return parts.join('').slice(0, bytes);
}

function note(i: number): string {
  const template = NOTES[i % NOTES.length]!;
  return template.replace('{n}', String(1000 + i)).replace('{k}', String(2 + ((i * 7) % 40)));
}

export interface DemoInputs {
  inputs: JobSpec['inputs'];
  heavy: number;
  duplicates: number;
  bytes: number;
}

/**
 * `count` inputs: about one in fifteen (at most 20) is a heavy 60-100 KB document, the rest are short notes, and
 * the last one in fifty repeats an earlier note word for word (so the job shows duplicates collapsing).
 */
export function demoInputs(count: number): DemoInputs {
  const heavy = Math.min(20, Math.floor(count / 15));
  const duplicates = Math.floor(count / 50);
  const inputs: JobSpec['inputs'] = [];
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    let prompt: string;
    let id: string;
    if (i < heavy) {
      id = `doc-${i}`;
      const size = 60_000 + ((i * 7_919) % 40_000);
      prompt = `Classify this document and summarise it in one sentence.\n\n${documentText(i, size)}`;
    } else if (i >= count - duplicates) {
      // Same text as an earlier short note: one request, reported as a duplicate.
      const original = heavy + (i - (count - duplicates)) * 3;
      id = `note-${i}-repeats-${original}`;
      prompt = `Classify this note and summarise it in one sentence: ${note(original)}`;
    } else {
      id = `note-${i}`;
      prompt = `Classify this note and summarise it in one sentence: ${note(i)}`;
    }
    bytes += prompt.length;
    inputs.push({ id, prompt });
  }
  return { inputs, heavy, duplicates, bytes };
}

export const OUTPUT_SCHEMA = {
  type: 'object',
  properties: {
    category: { type: 'string', enum: ['invoice', 'contract', 'correspondence', 'payroll', 'other'] },
    summary: { type: 'string' },
  },
  required: ['category', 'summary'],
  additionalProperties: false,
};

export function demoJob(options: {
  provider: string;
  model: string;
  inputs: JobSpec['inputs'];
  owner: string;
  runId: string;
}): JobSpec {
  return {
    provider: options.provider as JobSpec['provider'],
    model: options.model,
    inputs: options.inputs,
    defaults: {
      system: 'You sort business documents. Answer with their category and a one-sentence summary.',
      params: { max_tokens: 120 },
    },
    output: { name: 'classification', schema: OUTPUT_SCHEMA },
    metadata: {
      project: 'demo',
      owner: options.owner,
      environment: 'demo',
      run_id: options.runId,
      tags: { source: 'pnpm-demo' },
    },
  };
}
