import { inputsNotAnArray } from '../intake/submit-job';
import { JsonJobParser } from './json-job-parser';
import { BodySpool } from './json-spool';

export interface JsonJobOptions {
  maxInputBytes: number;
  /**
   * Whether the fields read before `inputs` already make a valid job: then its inputs go to the intake as they
   * arrive. Otherwise (the fields come after the inputs, or the job is bad) the body is read to its end first.
   */
  headerReady(header: Record<string, unknown>): boolean;
}

/** A job and its inputs as `readNdjsonJob` gives them; `close` lets go of the body and removes its copy. */
export interface JsonJob {
  header: unknown;
  inputs: AsyncGenerator<unknown>;
  close(): Promise<void>;
}

/**
 * Thrown at the end of the inputs when fields of the job came after them, though those before already made a
 * job: the intake that took the inputs worked with a job that was not the whole one, and must be rolled back and
 * done again with `replay` (the whole job, its inputs read again from the copy of the body).
 */
export class JobFieldsAfterInputs extends Error {
  constructor(readonly replay: () => Promise<{ header: unknown; inputs: AsyncGenerator<unknown> }>) {
    super('fields of the job came after its inputs: the inputs are read again');
    this.name = 'JobFieldsAfterInputs';
  }
}

/** The inputs of a body read once more from its copy (the job's fields were all read the first time). */
async function* inputsFrom(chunks: AsyncIterable<Buffer>, maxInputBytes: number): AsyncGenerator<unknown> {
  const parser = new JsonJobParser(maxInputBytes);
  for await (const chunk of chunks) {
    parser.write(chunk);
    yield* parser.take();
  }
  parser.end();
}

/**
 * A job sent as one JSON object, read as it streams in (see JsonJobParser): when the fields before `inputs`
 * make a job, it is returned as soon as the inputs begin, and they are handed to the intake one at a time as
 * they arrive, as an NDJSON body's are. The body is copied as it is read (BodySpool), for the two cases
 * where its inputs must be read again once the whole job is known: fields after `inputs` that were not known
 * when the inputs began (read first, then replayed from the copy), and fields after `inputs` when those before
 * already made a job (`JobFieldsAfterInputs`, thrown by the inputs once the body ended).
 */
export async function readJsonJob(body: AsyncIterable<Buffer>, options: JsonJobOptions): Promise<JsonJob> {
  const { maxInputBytes } = options;
  const source = body[Symbol.asyncIterator]();
  const spool = new BodySpool();
  const parser = new JsonJobParser(maxInputBytes);
  const close = async () => {
    await source.return?.();
    await spool.remove();
  };
  /** Reads one more chunk; false once the body ended (and it was a whole JSON document). */
  const readMore = async (): Promise<boolean> => {
    const next = await source.next();
    if (next.done) {
      parser.end();
      await spool.finish();
      return false;
    }
    await spool.write(next.value);
    parser.write(next.value);
    return true;
  };
  const replay = async () => ({ header: parser.header, inputs: inputsFrom(spool.chunks(), maxInputBytes) });

  try {
    while (!parser.inputsBegan && (await readMore()));
    if (!parser.inputsBegan) throw inputsNotAnArray(parser.header, parser.inputsValue);
    if (!options.headerReady(parser.header)) {
      parser.keepInputs = false;
      parser.take();
      while (await readMore());
      return { ...(await replay()), close };
    }
  } catch (error) {
    await close();
    throw error;
  }
  async function* inputs(): AsyncGenerator<unknown> {
    do yield* parser.take();
    while (await readMore());
    if (parser.fieldsAfterInputs) throw new JobFieldsAfterInputs(replay);
  }
  return { header: { ...parser.header }, inputs: inputs(), close };
}
