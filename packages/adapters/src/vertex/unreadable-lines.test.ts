import { createGoogleProviders } from '@tranche/emulator';
import { createAdapter } from '../compose-adapter';
import { adapterTestbed } from '../test-support/testbed';
import { describeUnreadableLines } from '../test-support/unreadable-lines';
import type { BatchContext } from '../types';
import { vertexDescriptor } from './descriptor';

const chat: BatchContext = { jobId: 'job-1', model: 'gemini-2.5-flash', kind: 'chat' };

const testbed = adapterTestbed({
  emulator: { stepMs: 20, seed: 11, providers: [createGoogleProviders] },
  adapter: (emu) =>
    createAdapter(vertexDescriptor, {
      project: 'test-proj',
      location: 'us-central1',
      bucket: 'tranche-test',
      baseUrl: `${emu.url}/vertex`,
      gcsApiEndpoint: `${emu.url}/gcs`,
      accessToken: 'test-token',
      retries: { attempts: 4, initialDelayMs: 5, maxDelayMs: 20 },
    }),
  context: chat,
});

describeUnreadableLines(testbed, { chat, truncatedKeepsId: true });
