import { createAnthropicProvider } from '@tranche/emulator';
import { createAdapter } from '../compose-adapter';
import { adapterTestbed } from '../test-support/testbed';
import { describeUnreadableLines } from '../test-support/unreadable-lines';
import type { BatchContext } from '../types';
import { anthropicDescriptor } from './descriptor';

const chat: BatchContext = { jobId: 'job-1', model: 'claude-sonnet-4-6', kind: 'chat' };

const testbed = adapterTestbed({
  emulator: { port: 0, stepMs: 20, seed: 3, providers: [createAnthropicProvider] },
  adapter: (emu) =>
    createAdapter(anthropicDescriptor, { apiKey: 'test', baseURL: `${emu.url}/anthropic`, maxRetries: 2 }),
  context: chat,
});

describeUnreadableLines(testbed, { chat, truncatedKeepsId: true });
