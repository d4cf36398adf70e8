import { ALL_DESCRIPTORS, PROVIDERS, type Provider } from '@tranche/adapters';

export function isDemoProvider(name: string): name is Provider {
  return (PROVIDERS as readonly string[]).includes(name);
}

/** `a, b, c or d`. */
export function inWords(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/** Every provider the demo runs, by name: `openai, anthropic, mistral or vertex`. */
export const PROVIDER_CHOICES = inWords(PROVIDERS);

/** Each provider's default model, in the providers' order. */
export const DEFAULT_MODELS = ALL_DESCRIPTORS.map((d) => d.demo.chatModel).join(', ');

/** What makes the demo use each real provider: `OPENAI_API_KEY, …, or GOOGLE_CLOUD_PROJECT + VERTEX_GCS_BUCKET`. */
export const REAL_PROVIDER_VARIABLES = inWords(ALL_DESCRIPTORS.map((d) => d.env.realWhen.join(' + ')));
