import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { HttpError } from './http-error';
import { LineCounter } from './line-counter';

export interface ReceivedFile {
  path: string;
  filename: string;
  mimeType: string;
  bytes: number;
  lines: number;
  /** The file was longer than `maxFileBytes`; what is on disk is cut short (at `maxFileBytes + 1`). */
  truncated: boolean;
}

export interface MultipartUpload {
  fields: Map<string, string>;
  file: ReceivedFile | null;
}

export interface MultipartOptions {
  fileField: string;
  newPath(): string;
  maxFileBytes: number;
}

/** Streams the one file part straight to disk; other parts are read as text fields. */
export function receiveMultipart(req: IncomingMessage, options: MultipartOptions): Promise<MultipartUpload> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        // busboy flags a file that reaches `fileSize`, not one that passes it: one byte of slack
        // lets a file of exactly `maxFileBytes` through.
        limits: { fileSize: options.maxFileBytes + 1, files: 1, fields: 50, fieldSize: 1024 * 1024 },
      });
    } catch (error) {
      reject(new HttpError(400, `Invalid multipart body: ${(error as Error).message}`));
      return;
    }

    const fields = new Map<string, string>();
    let file: ReceivedFile | null = null;
    let writing: Promise<void> = Promise.resolve();
    let settled = false;

    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      req.resume();
      const path = file?.path;
      void writing
        .catch(() => undefined)
        .then(() => (path ? rm(path, { force: true }) : undefined))
        .finally(() => reject(error));
    };

    parser.on('field', (name, value) => fields.set(name, value));
    parser.on('file', (name, stream, info) => {
      if (name !== options.fileField || file) {
        stream.resume();
        return;
      }
      const received: ReceivedFile = {
        path: options.newPath(),
        filename: info.filename ?? 'upload',
        mimeType: info.mimeType,
        bytes: 0,
        lines: 0,
        truncated: false,
      };
      file = received;
      stream.on('limit', () => {
        received.truncated = true;
      });
      const counter = new LineCounter();
      writing = pipeline(stream, counter, createWriteStream(received.path)).then(() => {
        received.bytes = counter.bytes;
        received.lines = counter.lines;
      });
      writing.catch(fail);
    });
    parser.on('error', (error) =>
      fail(new HttpError(400, `Invalid multipart body: ${(error as Error).message}`)),
    );
    parser.on('close', () => {
      writing.then(() => {
        if (settled) return;
        settled = true;
        resolve({ fields, file });
      }, fail);
    });
    req.on('close', () => {
      if (!req.complete) fail(new Error('client disconnected during upload'));
    });
    req.pipe(parser);
  });
}
