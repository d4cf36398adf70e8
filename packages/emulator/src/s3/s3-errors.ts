import { randomBytes } from 'node:crypto';
import { HttpError } from '../core/http-error';
import { el, XML_DECLARATION } from './xml';

/** An S3 error: its `Code` (the SDK names the thrown error by it) and the resource it concerns. */
export class S3Error extends HttpError {
  constructor(
    status: number,
    readonly code: string,
    message: string,
    readonly resource: { key?: string; bucket?: string; uploadId?: string } = {},
  ) {
    super(status, message, { code });
  }
}

export function s3Error(
  status: number,
  code: string,
  message: string,
  resource: S3Error['resource'] = {},
): S3Error {
  return new S3Error(status, code, message, resource);
}

export const noSuchKey = (bucket: string, key: string) =>
  s3Error(404, 'NoSuchKey', 'The specified key does not exist.', { key, bucket });

export const noSuchUpload = (uploadId: string) =>
  s3Error(
    404,
    'NoSuchUpload',
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    { uploadId },
  );

/** What S3 answers for an injected status, by status. */
export function codeForStatus(status: number): { code: string; message: string } {
  switch (status) {
    case 400:
      return { code: 'InvalidRequest', message: 'Invalid Request' };
    case 403:
      return { code: 'AccessDenied', message: 'Access Denied' };
    case 404:
      return { code: 'NoSuchKey', message: 'The specified key does not exist.' };
    case 409:
      return { code: 'OperationAborted', message: 'A conflicting conditional operation is in progress.' };
    case 412:
      return {
        code: 'PreconditionFailed',
        message: 'At least one of the pre-conditions you specified did not hold',
      };
    case 429:
    case 503:
      return { code: 'SlowDown', message: 'Please reduce your request rate.' };
    default:
      return status >= 500
        ? { code: 'InternalError', message: 'We encountered an internal error. Please try again.' }
        : { code: 'InvalidRequest', message: 'Invalid Request' };
  }
}

export function newRequestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

/** `<Error><Code>…</Code><Message>…</Message>…<RequestId>…</RequestId></Error>`, without a namespace, as S3 sends it. */
export function errorXml(
  code: string,
  message: string,
  requestId: string,
  resource: S3Error['resource'] = {},
) {
  return `${XML_DECLARATION}<Error>${el('Code', code)}${el('Message', message)}${el('Key', resource.key)}${el(
    'BucketName',
    resource.bucket,
  )}${el('UploadId', resource.uploadId)}${el('RequestId', requestId)}<HostId>emulator</HostId></Error>`;
}
