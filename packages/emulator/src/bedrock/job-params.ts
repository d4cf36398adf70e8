import { isRecord } from '../anthropic/message-params';
import { bedrockError, validation } from './errors';
import { type ResolvedModel, resolveModel } from './models';

export interface JobParams {
  jobName: string;
  roleArn: string;
  modelId: string;
  model: ResolvedModel;
  inputDataConfig: { s3InputDataConfig: { s3Uri: string; s3InputFormat?: 'JSONL'; s3BucketOwner?: string } };
  outputDataConfig: {
    s3OutputDataConfig: { s3Uri: string; s3EncryptionKeyId?: string; s3BucketOwner?: string };
  };
  clientRequestToken: string | null;
  timeoutDurationInHours: number;
  tags: Array<{ key: string; value: string }>;
  vpcConfig: { subnetIds: string[]; securityGroupIds: string[] } | null;
  modelInvocationType: 'InvokeModel';
  /** The parameters that make two creates "the same" for `clientRequestToken` (every member but the token). */
  fingerprint: string;
}

/** Bedrock's reading when a create sets no timeout: UNCONFIRMED; 24 hours is the common reading. */
export const DEFAULT_TIMEOUT_HOURS = 24;

const JOB_NAME = /^[a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9+\-.]){0,63}$/;
const ROLE_ARN = /^arn:aws(-[^:]+)?:iam::([0-9]{12})?:role\/.+$/;
const S3_URI = /^s3:\/\/[a-z0-9][-.a-z0-9]{1,61}(?:\/[-!_*'().a-z0-9A-Z]+(?:\/[-!_*'().a-z0-9A-Z]+)*)?\/?$/;
const TOKEN = /^[a-zA-Z0-9]{1,256}(-*[a-zA-Z0-9]){0,256}$/;
const TAG_TEXT = /^[a-zA-Z0-9\s._:/=+@-]*$/;
const ACCOUNT = /^[0-9]{12}$/;

/**
 * Checks a CreateModelInvocationJob body the way the API's model does, answering every violation at once in AWS's
 * wording ("1 validation error detected: Value … at '…' failed to satisfy constraint: …"), then the checks the
 * service adds (the model is one it knows).
 */
export function parseJobParams(body: unknown): JobParams {
  if (!isRecord(body))
    throw bedrockError('SerializationException', 'The request body must be a JSON object.');
  const problems: string[] = [];
  const at = (path: string, value: unknown, constraint: string) =>
    problems.push(`Value ${describe(value)} at '${path}' failed to satisfy constraint: ${constraint}`);
  const required = (path: string, value: unknown) => {
    if (value === undefined || value === null) at(path, null, 'Member must not be null');
    return value !== undefined && value !== null;
  };
  const text = (
    path: string,
    value: unknown,
    min: number,
    max: number,
    pattern?: RegExp,
  ): value is string => {
    if (typeof value !== 'string') {
      at(path, value, 'Member must be a string');
      return false;
    }
    if (value.length < min || value.length > max) {
      at(
        path,
        value,
        `Member must have length ${min === max ? `${min}` : `between ${min} and ${max}`}, inclusive`,
      );
      return false;
    }
    if (pattern && !pattern.test(value)) {
      at(
        path,
        value,
        `Member must satisfy regular expression pattern: ${pattern.source.replace(/^\^|\$$/g, '')}`,
      );
      return false;
    }
    return true;
  };

  const { jobName, roleArn, modelId, inputDataConfig, outputDataConfig } = body;
  if (required('jobName', jobName)) text('jobName', jobName, 1, 63, JOB_NAME);
  if (required('roleArn', roleArn)) text('roleArn', roleArn, 0, 2048, ROLE_ARN);
  if (required('modelId', modelId)) text('modelId', modelId, 1, 2048);

  const input = isRecord(inputDataConfig) ? inputDataConfig.s3InputDataConfig : undefined;
  if (required('inputDataConfig', inputDataConfig)) {
    if (!isRecord(input)) at('inputDataConfig.s3InputDataConfig', input ?? null, 'Member must not be null');
    else {
      if (required('inputDataConfig.s3InputDataConfig.s3Uri', input.s3Uri))
        text('inputDataConfig.s3InputDataConfig.s3Uri', input.s3Uri, 1, 1024, S3_URI);
      if (input.s3InputFormat !== undefined && input.s3InputFormat !== 'JSONL')
        at(
          'inputDataConfig.s3InputDataConfig.s3InputFormat',
          input.s3InputFormat,
          'Member must satisfy enum value set: [JSONL]',
        );
      if (input.s3BucketOwner !== undefined)
        text('inputDataConfig.s3InputDataConfig.s3BucketOwner', input.s3BucketOwner, 12, 12, ACCOUNT);
    }
  }
  const output = isRecord(outputDataConfig) ? outputDataConfig.s3OutputDataConfig : undefined;
  if (required('outputDataConfig', outputDataConfig)) {
    if (!isRecord(output))
      at('outputDataConfig.s3OutputDataConfig', output ?? null, 'Member must not be null');
    else {
      if (required('outputDataConfig.s3OutputDataConfig.s3Uri', output.s3Uri))
        text('outputDataConfig.s3OutputDataConfig.s3Uri', output.s3Uri, 1, 1024, S3_URI);
      if (output.s3EncryptionKeyId !== undefined)
        text('outputDataConfig.s3OutputDataConfig.s3EncryptionKeyId', output.s3EncryptionKeyId, 1, 2048);
      if (output.s3BucketOwner !== undefined)
        text('outputDataConfig.s3OutputDataConfig.s3BucketOwner', output.s3BucketOwner, 12, 12, ACCOUNT);
    }
  }

  const token = body.clientRequestToken;
  if (token !== undefined) text('clientRequestToken', token, 1, 256, TOKEN);
  const hours = body.timeoutDurationInHours;
  if (
    hours !== undefined &&
    !(Number.isInteger(hours) && (hours as number) >= 24 && (hours as number) <= 168)
  ) {
    at('timeoutDurationInHours', hours, 'Member must have value between 24 and 168, inclusive');
  }
  const tags = parseTags(body.tags, at);
  const vpcConfig = parseVpc(body.vpcConfig, at);
  const invocationType = body.modelInvocationType;
  if (invocationType !== undefined && invocationType !== 'InvokeModel' && invocationType !== 'Converse') {
    at('modelInvocationType', invocationType, 'Member must satisfy enum value set: [InvokeModel, Converse]');
  }
  if (problems.length > 0) {
    const count = problems.length === 1 ? '1 validation error' : `${problems.length} validation errors`;
    throw validation(`${count} detected: ${problems.join('; ')}`);
  }

  // The model's checks pass; now the service's own.
  const model = resolveModel(modelId as string);
  if (!model) throw validation('The provided model identifier is invalid.');
  if (invocationType === 'Converse') {
    // Converse record bodies are not emulated; Tranche sends InvokeModel bodies.
    throw validation('The emulator supports modelInvocationType InvokeModel only.');
  }
  const s3Input = input as Record<string, unknown>;
  const s3Output = output as Record<string, unknown>;
  const params: Omit<JobParams, 'fingerprint'> = {
    jobName: jobName as string,
    roleArn: roleArn as string,
    modelId: modelId as string,
    model,
    inputDataConfig: {
      s3InputDataConfig: {
        s3Uri: s3Input.s3Uri as string,
        ...(s3Input.s3InputFormat === undefined ? {} : { s3InputFormat: 'JSONL' as const }),
        ...(s3Input.s3BucketOwner === undefined ? {} : { s3BucketOwner: s3Input.s3BucketOwner as string }),
      },
    },
    outputDataConfig: {
      s3OutputDataConfig: {
        s3Uri: s3Output.s3Uri as string,
        ...(s3Output.s3EncryptionKeyId === undefined
          ? {}
          : { s3EncryptionKeyId: s3Output.s3EncryptionKeyId as string }),
        ...(s3Output.s3BucketOwner === undefined ? {} : { s3BucketOwner: s3Output.s3BucketOwner as string }),
      },
    },
    clientRequestToken: (token as string | undefined) ?? null,
    timeoutDurationInHours: (hours as number | undefined) ?? DEFAULT_TIMEOUT_HOURS,
    tags,
    vpcConfig,
    modelInvocationType: 'InvokeModel',
  };
  const { clientRequestToken: _token, model: _model, ...compared } = params;
  return { ...params, fingerprint: stableJson({ ...compared, timeoutGiven: hours !== undefined }) };
}

type Violation = (path: string, value: unknown, constraint: string) => void;

function parseTags(value: unknown, at: Violation): JobParams['tags'] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    at('tags', value, 'Member must be a list');
    return [];
  }
  if (value.length > 200)
    at('tags', `[${value.length} tags]`, 'Member must have length less than or equal to 200');
  const tags: JobParams['tags'] = [];
  for (const [index, tag] of value.entries()) {
    const key = isRecord(tag) ? tag.key : undefined;
    const text = isRecord(tag) ? tag.value : undefined;
    if (typeof key !== 'string' || key.length < 1 || key.length > 128 || !TAG_TEXT.test(key)) {
      at(
        `tags.${index + 1}.member.key`,
        key ?? null,
        'Member must have length between 1 and 128, inclusive, and satisfy regular expression pattern: [a-zA-Z0-9\\s._:/=+@-]*',
      );
      continue;
    }
    if (typeof text !== 'string' || text.length > 256 || !TAG_TEXT.test(text)) {
      at(
        `tags.${index + 1}.member.value`,
        text ?? null,
        'Member must have length less than or equal to 256, and satisfy regular expression pattern: [a-zA-Z0-9\\s._:/=+@-]*',
      );
      continue;
    }
    tags.push({ key, value: text });
  }
  return tags;
}

function parseVpc(value: unknown, at: Violation): JobParams['vpcConfig'] {
  if (value === undefined) return null;
  const list = (path: string, items: unknown, max: number): string[] => {
    if (
      !Array.isArray(items) ||
      items.length < 1 ||
      items.length > max ||
      !items.every((i) => typeof i === 'string')
    ) {
      at(path, items ?? null, `Member must have length between 1 and ${max}, inclusive`);
      return [];
    }
    return items as string[];
  };
  if (!isRecord(value)) {
    at('vpcConfig', value, 'Member must be a structure');
    return null;
  }
  return {
    subnetIds: list('vpcConfig.subnetIds', value.subnetIds, 16),
    securityGroupIds: list('vpcConfig.securityGroupIds', value.securityGroupIds, 5),
  };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `'${value}'`;
  return `'${JSON.stringify(value)}'`;
}

/** JSON with object keys sorted, so equal parameters give equal text whatever their order. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => value[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${stableJson(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
