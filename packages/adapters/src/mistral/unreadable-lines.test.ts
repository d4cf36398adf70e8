import { createMistralProvider } from '@tranche/emulator';
import { createAdapter } from '../compose-adapter';
import { adapterTestbed } from '../test-support/testbed';
import { describeUnreadableLines } from '../test-support/unreadable-lines';
import type { BatchContext } from '../types';
import { mistralDescriptor } from './descriptor';

const chat: BatchContext = { jobId: 'job-1', model: 'mistral-small-latest', kind: 'chat' };
const FAST_RETRY = { initialIntervalMs: 5, maxIntervalMs: 50, exponent: 1.5, maxElapsedMs: 10_000 };

const testbed = adapterTestbed({
  emulator: { port: 0, stepMs: 20, seed: 5, providers: [createMistralProvider] },
  adapter: (emu) =>
    createAdapter(mistralDescriptor, {
      apiKey: 'test',
      serverURL: `${emu.url}/mistral`,
      retry: FAST_RETRY,
      // These faults break lines of a result file; inline outputs come in one JSON answer, which has no such lines.
      inline: { maxRequests: 0, maxBytes: 0 },
    }),
  context: chat,
});

describeUnreadableLines(testbed, { chat, truncatedKeepsId: true });
