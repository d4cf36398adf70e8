import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { EmulatorContext } from '../core/provider';
import type { EmulatorHandle } from '../server';
import { S3ObjectStore } from './object-store';
import { createS3Provider } from './provider';

/** S3 alone, for the S3 tests. */
export const s3Only = (ctx: EmulatorContext) =>
  createS3Provider(ctx, new S3ObjectStore(ctx.blobs, ctx.clock), { statsProvider: 'bedrock' });

/** An S3 client pointed at the emulator the way the adapter points it: path-style under `/s3`. */
export function s3Client(emu: EmulatorHandle, config: S3ClientConfig = {}): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint: `${emu.url}/s3`,
    forcePathStyle: true,
    credentials: { accessKeyId: 'emulator', secretAccessKey: 'emulator-not-a-secret' },
    ...config,
  });
}

export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string>;
}

/** Records the requests a client sends as they go out (after checksums and signing), to prove what the wire held. */
export function recordRequests(client: S3Client): SeenRequest[] {
  const seen: SeenRequest[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as SeenRequest & { hostname?: string };
      seen.push({
        method: request.method,
        path: request.path,
        query: { ...request.query },
        headers: { ...request.headers },
      });
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'recordRequests' },
  );
  return seen;
}
