/**
 * `pnpm exec tsx bench/tokens.ts`: how long one token count of a long text holds the event loop, whole (what
 * gpt-tokenizer does with the text as it is) and as Tranche's estimator counts it (slices of at most
 * TOKENIZER_SLICE_CHARS characters). Prints one line per text and size; asserts nothing.
 */
import { createRequire } from 'node:module';
import { cpus, totalmem } from 'node:os';
import { pathToFileURL } from 'node:url';
import { DESCRIPTORS } from '../packages/adapters/src/providers';
import { loadTokenEstimator, TOKENIZER_SLICE_CHARS } from '../packages/pricing/src/estimate-tokens';

interface Encoding {
  countTokens(text: string, options: { disallowedSpecial: Set<string> }): number;
}

const PLAIN = { disallowedSpecial: new Set<string>() };
/** Whole-text counts above this size are skipped: they take minutes. */
const WHOLE_MAX_BYTES = 80 * 1024;

/** gpt-tokenizer as @tranche/pricing resolves it (the bench package does not depend on it). */
async function wholeTextEncoding(): Promise<Encoding> {
  const require = createRequire(new URL('../packages/pricing/package.json', import.meta.url));
  return (await import(pathToFileURL(require.resolve('gpt-tokenizer/encoding/o200k_base')).href)) as Encoding;
}

function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x80000000;
  };
}

const TEXTS: Record<string, (bytes: number) => string> = {
  'one repeated character': (bytes) => 'a'.repeat(bytes),
  'letters without spaces': (bytes) => {
    const next = seeded(1);
    return Array.from({ length: bytes }, () => String.fromCharCode(97 + Math.floor(next() * 26))).join('');
  },
  'random bytes (latin1)': (bytes) => {
    const next = seeded(2);
    return Buffer.from(Array.from({ length: bytes }, () => Math.floor(next() * 256))).toString('latin1');
  },
  prose: (bytes) => {
    const words = ['contract', 'invoice', 'clause', 'amount', 'party', 'date', 'term', 'notice', 'payment'];
    const next = seeded(3);
    let text = '';
    while (text.length < bytes) text += `${words[Math.floor(next() * words.length)]} `;
    return text.slice(0, bytes);
  },
};

const SIZES_KB = [10, 20, 40, 80, 1024];

function timed(fn: () => number): { tokens: number; ms: number } {
  const started = performance.now();
  const tokens = fn();
  return { tokens, ms: Math.round(performance.now() - started) };
}

const whole = await wholeTextEncoding();
const estimator = await loadTokenEstimator(DESCRIPTORS.openai.estimate, 'gpt-4o-mini', 'embedding');
console.log(
  `machine: ${cpus().length} cores (${cpus()[0]?.model}), ${Math.round(totalmem() / 2 ** 30)} GiB; node ${process.version}; ${new Date().toISOString()}; o200k_base; slices of ${TOKENIZER_SLICE_CHARS} characters`,
);
for (const [name, make] of Object.entries(TEXTS)) {
  for (const kb of SIZES_KB) {
    const text = make(kb * 1024);
    // gpt-tokenizer remembers the pieces it has merged: the whole text is one piece the slices never were.
    const sliced = timed(() => estimator.inputTokens({ text }));
    const wholeCount = text.length <= WHOLE_MAX_BYTES ? timed(() => whole.countTokens(text, PLAIN)) : null;
    console.log(
      JSON.stringify({
        text: name,
        kb,
        whole_ms: wholeCount?.ms ?? null,
        whole_tokens: wholeCount?.tokens ?? null,
        sliced_ms: sliced.ms,
        sliced_tokens: sliced.tokens,
      }),
    );
  }
}
