import { createOpenAIProvider } from '@tranche/emulator';
import { createAdapter } from '../compose-adapter';
import { adapterTestbed } from '../test-support/testbed';
import { describeUnreadableLines } from '../test-support/unreadable-lines';
import type { BatchContext } from '../types';
import { openAIDescriptor } from './descriptor';

const chat: BatchContext = { jobId: 'job-1', model: 'gpt-4o-mini', kind: 'chat' };

const testbed = adapterTestbed({
  emulator: { port: 0, stepMs: 20, seed: 9, providers: [createOpenAIProvider] },
  adapter: (emu) =>
    createAdapter(openAIDescriptor, { apiKey: 'test', baseURL: emu.openaiBaseUrl, maxRetries: 2 }),
  context: chat,
});

describeUnreadableLines(testbed, { chat, truncatedKeepsId: true });
