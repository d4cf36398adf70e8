import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { pipeline, type Readable, Transform } from 'node:stream';
import type { JobInput } from '@tranche/client';
import { readCsvInputs } from './csv-reader.js';
import { InputFileError } from './input-file-error.js';
import { readJsonlInputs } from './jsonl-reader.js';

export type InputFormat = 'jsonl' | 'csv';

/** Where a job's inputs come from: a file (read again for a retried upload) or stdin (read once). */
export interface InputSource {
  name: string;
  /** The file's size, for the upload's progress; null for stdin. */
  totalBytes: number | null;
  /** Bytes of the file read so far (by the latest reading). */
  bytesRead(): number;
  /** A file yields a function (each call reads the file from the start); stdin the one reading it allows. */
  inputs: AsyncIterable<JobInput> | (() => AsyncIterable<JobInput>);
  /**
   * The error that ended the reading of the inputs, if one did. The upload stops with a network-level error then;
   * this one says what was wrong with the file.
   */
  failure(): InputFileError | null;
}

function formatOf(path: string, format: InputFormat | undefined): InputFormat {
  if (format) return format;
  if (path === '-') return 'jsonl';
  const extension = extname(path).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.jsonl' || extension === '.ndjson') return 'jsonl';
  throw new InputFileError(
    `${path}: cannot tell the format from "${extension || 'no extension'}"; name it .jsonl or .csv, or give --format jsonl|csv`,
  );
}

/** The inputs of `path` (`-` for stdin) as JSONL or CSV, streamed. */
export async function openInputSource(
  path: string,
  format?: InputFormat,
  stdin: Readable = process.stdin,
): Promise<InputSource> {
  const read = formatOf(path, format) === 'csv' ? readCsvInputs : readJsonlInputs;
  let bytes = 0;
  let failure: InputFileError | null = null;
  const counted = (stream: Readable) => {
    bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    // Either end closing closes the other: a read error reaches the reader, a reader that stops frees the file.
    pipeline(stream, counter, () => {});
    return counter;
  };
  async function* reading(stream: Readable, name: string): AsyncGenerator<JobInput> {
    try {
      yield* read(counted(stream), name);
    } catch (error) {
      failure =
        error instanceof InputFileError ? error : new InputFileError(`${name}: ${(error as Error).message}`);
      throw failure;
    }
  }
  if (path === '-')
    return {
      name: 'stdin',
      totalBytes: null,
      bytesRead: () => bytes,
      inputs: reading(stdin, 'stdin'),
      failure: () => failure,
    };
  const size = await stat(path).then(
    (stats) => {
      if (!stats.isFile()) throw new InputFileError(`${path}: not a file`);
      return stats.size;
    },
    (error: NodeJS.ErrnoException) => {
      throw new InputFileError(`${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
    },
  );
  return {
    name: path,
    totalBytes: size,
    bytesRead: () => bytes,
    inputs: () => reading(createReadStream(path), path),
    failure: () => failure,
  };
}
