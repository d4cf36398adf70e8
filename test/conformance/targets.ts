import type { Provider } from '@tranche/adapters';

export interface ConformanceTarget {
  provider: Provider;
  model: string;
}

/** A new provider joins the suite with one line here (and its adapter and emulator routes). */
export const TARGETS: ConformanceTarget[] = [{ provider: 'openai', model: 'gpt-4o-mini' }];
