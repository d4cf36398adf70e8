import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  countPromptTokens,
  countTokens,
  type EmulatorHandle,
  type EmulatorOptions,
  echoText,
  type FaultConfig,
  type ModelMessage,
  startEmulator,
} from '@tranche/emulator';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type {
  BatchAdapter,
  BatchContext,
  BatchRef,
  NormalizedResult,
  PollResult,
  Provider,
  SubmitRequest,
  SubmitResult,
  UnifiedRequest,
  Usage,
} from '../types';

/** Requests as a test lists them, each with its custom id. */
export type Inputs = Array<[customId: string, request: UnifiedRequest]>;

/** Question number `i`, after a terse system prompt; `padding` lengthens the question. */
export function question(i: number, padding = ''): UnifiedRequest {
  return {
    system: 'You are terse.',
    messages: [{ role: 'user', content: `Question number ${i}?${padding}` }],
  };
}

/** `count` questions with the ids `${prefix}-0`, `${prefix}-1`, … */
export function numbered(count: number, prefix = 'q', padding = ''): Inputs {
  return Array.from({ length: count }, (_, i): [string, UnifiedRequest] => [
    `${prefix}-${i}`,
    question(i, padding),
  ]);
}

export function byId(results: NormalizedResult[]): Map<string, NormalizedResult> {
  return new Map(results.map((result) => [result.customId, result]));
}

/** A chat request's prompt as the emulator's model reads it: the system prompt first, then the messages. */
export function promptOf(request: UnifiedRequest): ModelMessage[] {
  const system = request.system === undefined ? [] : [{ role: 'system', text: request.system }];
  return [...system, ...(request.messages ?? []).map(({ role, content }) => ({ role, text: content }))];
}

/**
 * The result the emulator's model gives a chat request when nothing is injected: its prompt echoed, the usage
 * counted from the prompt and the answer, nothing cached. `raw` is what the provider's own usage object must match.
 */
export function echoedResult(
  customId: string,
  request: UnifiedRequest,
  finishReason: string,
  raw: Usage['raw'],
): NormalizedResult {
  const prompt = promptOf(request);
  const text = echoText(prompt);
  return {
    customId,
    status: 'succeeded',
    output: { text, finishReason },
    usage: {
      inputTokens: countPromptTokens(prompt),
      outputTokens: countTokens(text),
      cachedTokens: 0,
      cacheWriteTokens: 0,
      raw,
    },
  };
}

/** A submitted batch once it ended: the reference to fetch and clean up with, its last poll, its results. */
export interface EndedRun {
  ref: BatchRef & { inputFileId?: string | null };
  poll: PollResult;
  results: NormalizedResult[];
}

export interface AdapterTestbedOptions<A extends BatchAdapter> {
  /** How to start the emulator: at least the providers the adapter calls. */
  emulator: EmulatorOptions;
  /** The adapter under test, made once the emulator listens. */
  adapter: (emu: EmulatorHandle) => A;
  /** The context chunks are written for when a test names none. */
  context: BatchContext;
}

/** An adapter against an emulator of its provider, and the steps a test takes a chunk through. */
export interface AdapterTestbed<A extends BatchAdapter> {
  readonly emu: EmulatorHandle;
  readonly adapter: A;
  /**
   * Encodes the inputs like the worker does and writes them as one chunk's request file. Without a `chunkKey`,
   * each chunk gets a key of its own.
   */
  writeChunk(inputs: Inputs, context?: BatchContext, chunkKey?: string): Promise<SubmitRequest>;
  /** Writes the chunk and submits it. */
  submit(inputs: Inputs, context?: BatchContext, chunkKey?: string): Promise<SubmitResult>;
  /** Polls until `done` holds, adding each phase it sees to `seen` once; gives up (throws) after 15 s. */
  pollUntil(ref: BatchRef, done: (poll: PollResult) => boolean, seen?: string[]): Promise<PollResult>;
  /** Polls until the batch ended, adding each phase it sees to `seen` once; gives up (throws) after 15 s. */
  waitEnded(ref: BatchRef, seen?: string[]): Promise<PollResult>;
  /** Cancels the batch, polls it, and cancels it again (which must be harmless): what the poll between said. */
  cancelTwice(ref: BatchRef): Promise<PollResult>;
  /** Every result `fetchResults` yields for the batch, in its order. */
  collect(ref: BatchRef, context?: BatchContext, from?: BatchAdapter): Promise<NormalizedResult[]>;
  /** Waits for a submitted batch to end and collects its results (fetched through `from` when given). */
  waitAndCollect(submitted: SubmitResult, context?: BatchContext, from?: BatchAdapter): Promise<EndedRun>;
  /** Writes, submits, waits for the end and collects the results. */
  run(inputs: Inputs, context?: BatchContext, chunkKey?: string): Promise<EndedRun>;
  /** The faults the emulator still holds: an injected fault with `times` is used up by the calls it hits. */
  faultsLeft(): Promise<FaultConfig>;
  /** Changes the switches of a provider's emulation (`POST /<provider>/_emulator/options`). */
  setProviderOptions(provider: Provider, options: Record<string, unknown>): Promise<void>;
}

const GIVE_UP_AFTER_MS = 15_000;
const POLL_EVERY_MS = 10;

function ready<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('the adapter testbed is used before its beforeAll ran');
  return value;
}

/**
 * Starts the emulator and makes the adapter before the file's tests, resets the emulator before each test, and
 * stops it (and removes the chunk files) after them. Call it at the top of a test file.
 */
export function adapterTestbed<A extends BatchAdapter>(options: AdapterTestbedOptions<A>): AdapterTestbed<A> {
  let emu: EmulatorHandle | undefined;
  let adapter: A | undefined;
  let dir: string | undefined;
  let chunkSeq = 0;

  beforeAll(async () => {
    emu = await startEmulator(options.emulator);
    adapter = options.adapter(emu);
    dir = await mkdtemp(join(tmpdir(), `${adapter.provider}-adapter-`));
  });
  afterAll(async () => {
    await emu?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    ready(emu).resetAll();
  });

  async function writeChunk(
    inputs: Inputs,
    context = options.context,
    chunkKey?: string,
  ): Promise<SubmitRequest> {
    const seq = chunkSeq++;
    const lines = inputs.map(([customId, request]) => ready(adapter).encodeLine(customId, request, context));
    const filePath = join(ready(dir), `chunk-${seq}.jsonl`);
    const text = `${lines.join('\n')}\n`;
    await writeFile(filePath, text);
    return {
      context,
      chunkKey: chunkKey ?? `chunk-${seq}`,
      filePath,
      requestCount: lines.length,
      bytes: Buffer.byteLength(text),
    };
  }

  async function submit(inputs: Inputs, context = options.context, chunkKey?: string) {
    return ready(adapter).submit(await writeChunk(inputs, context, chunkKey));
  }

  async function pollUntil(
    ref: BatchRef,
    done: (poll: PollResult) => boolean,
    seen: string[] = [],
  ): Promise<PollResult> {
    const deadline = Date.now() + GIVE_UP_AFTER_MS;
    for (;;) {
      const poll = await ready(adapter).poll(ref);
      if (seen.at(-1) !== poll.phase) seen.push(poll.phase);
      if (done(poll)) return poll;
      if (Date.now() > deadline)
        throw new Error(`batch ${ref.providerBatchId} stuck in ${poll.providerStatus}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS));
    }
  }

  async function waitEnded(ref: BatchRef, seen: string[] = []): Promise<PollResult> {
    return pollUntil(ref, (poll) => poll.phase === 'ended', seen);
  }

  async function cancelTwice(ref: BatchRef): Promise<PollResult> {
    await ready(adapter).cancel(ref);
    const poll = await ready(adapter).poll(ref);
    await ready(adapter).cancel(ref);
    return poll;
  }

  async function collect(
    ref: BatchRef,
    context = options.context,
    from: BatchAdapter = ready(adapter),
  ): Promise<NormalizedResult[]> {
    const results: NormalizedResult[] = [];
    for await (const result of from.fetchResults(ref, context)) results.push(result);
    return results;
  }

  async function waitAndCollect(
    submitted: SubmitResult,
    context = options.context,
    from: BatchAdapter = ready(adapter),
  ): Promise<EndedRun> {
    const poll = await waitEnded(submitted);
    const ref = { ...submitted, outputFileId: poll.outputFileId, errorFileId: poll.errorFileId };
    return { ref, poll, results: await collect(ref, context, from) };
  }

  async function run(inputs: Inputs, context = options.context, chunkKey?: string): Promise<EndedRun> {
    return waitAndCollect(await submit(inputs, context, chunkKey), context);
  }

  async function faultsLeft(): Promise<FaultConfig> {
    const response = await fetch(`${ready(emu).url}/_emulator/faults`);
    if (!response.ok) throw new Error(`GET /_emulator/faults: ${response.status}`);
    return (await response.json()) as FaultConfig;
  }

  async function setProviderOptions(provider: Provider, switches: Record<string, unknown>): Promise<void> {
    const response = await fetch(`${ready(emu).url}/${provider}/_emulator/options`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(switches),
    });
    if (!response.ok) throw new Error(`POST /${provider}/_emulator/options: ${response.status}`);
  }

  return {
    get emu() {
      return ready(emu);
    },
    get adapter() {
      return ready(adapter);
    },
    writeChunk,
    submit,
    pollUntil,
    waitEnded,
    cancelTwice,
    collect,
    waitAndCollect,
    run,
    faultsLeft,
    setProviderOptions,
  };
}
