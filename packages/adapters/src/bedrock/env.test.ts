import { describe, expect, it } from 'vitest';
import { UNLISTED_MODEL_LIMIT } from '../anthropic/output-limits';
import { providerEnvSchema } from '../providers';
import { bedrockDescriptor } from './descriptor';
import { bedrockEmulatorEnv, bedrockEnvSchema, bedrockOptionsFromEnv } from './env';
import { clientRequestTokenOf, jobNameOf } from './naming';
import { bedrockMaxTokens, claudeApiId } from './output-limits';

const parse = (env: Record<string, string>) => bedrockOptionsFromEnv(bedrockEnvSchema.parse(env));

describe('bedrockOptionsFromEnv', () => {
  it('names the first missing variable: the role, the bucket, the region', () => {
    expect(parse({})).toEqual({ missing: 'BEDROCK_ROLE_ARN' });
    expect(parse({ BEDROCK_ROLE_ARN: 'arn:aws:iam::123456789012:role/r' })).toEqual({
      missing: 'BEDROCK_S3_BUCKET',
    });
    expect(parse({ BEDROCK_ROLE_ARN: 'arn:aws:iam::123456789012:role/r', BEDROCK_S3_BUCKET: 'bkt' })).toEqual(
      {
        missing: 'AWS_REGION',
      },
    );
  });

  it('leaves credentials and endpoints to the SDK when the settings hold none', () => {
    expect(
      parse({
        AWS_REGION: 'eu-west-1',
        BEDROCK_ROLE_ARN: 'arn:aws:iam::123456789012:role/r',
        BEDROCK_S3_BUCKET: 's3://my-bucket/',
      }),
    ).toEqual({
      options: {
        region: 'eu-west-1',
        roleArn: 'arn:aws:iam::123456789012:role/r',
        bucket: 'my-bucket',
        prefix: undefined,
        bedrockEndpoint: undefined,
        s3Endpoint: undefined,
        forcePathStyle: false,
        credentials: undefined,
      },
    });
  });

  it('passes the emulator’s keys, endpoints and path-style addressing to the clients', () => {
    const env = bedrockEmulatorEnv('http://127.0.0.1:4010');
    expect(env).toEqual({
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'emulator',
      AWS_SECRET_ACCESS_KEY: 'emulator-not-a-secret',
      AWS_ENDPOINT_URL_BEDROCK: 'http://127.0.0.1:4010/bedrock',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4010/s3',
      BEDROCK_ROLE_ARN: 'arn:aws:iam::000000000000:role/tranche-emulator',
      BEDROCK_S3_BUCKET: 'tranche-emulator',
      BEDROCK_S3_FORCE_PATH_STYLE: 'true',
    });
    expect(parse({ ...env, BEDROCK_S3_PREFIX: '/batches/tranche/', AWS_SESSION_TOKEN: 'session' })).toEqual({
      options: {
        region: 'us-east-1',
        roleArn: 'arn:aws:iam::000000000000:role/tranche-emulator',
        bucket: 'tranche-emulator',
        prefix: 'batches/tranche',
        bedrockEndpoint: 'http://127.0.0.1:4010/bedrock',
        s3Endpoint: 'http://127.0.0.1:4010/s3',
        forcePathStyle: true,
        credentials: {
          accessKeyId: 'emulator',
          secretAccessKey: 'emulator-not-a-secret',
          sessionToken: 'session',
        },
      },
    });
  });

  it('refuses half a key pair rather than fall back to other credentials', () => {
    const base = {
      AWS_REGION: 'us-east-1',
      BEDROCK_ROLE_ARN: 'arn:aws:iam::123456789012:role/r',
      BEDROCK_S3_BUCKET: 'bkt',
    };
    expect(parse({ ...base, AWS_ACCESS_KEY_ID: 'AKID' })).toEqual({ missing: 'AWS_SECRET_ACCESS_KEY' });
    expect(parse({ ...base, AWS_SECRET_ACCESS_KEY: 'secret' })).toEqual({ missing: 'AWS_ACCESS_KEY_ID' });
  });

  it('validates what the API would refuse later: role ARN, bucket name, prefix characters, URLs, the flag', () => {
    for (const bad of [
      { BEDROCK_ROLE_ARN: 'my-role' },
      { BEDROCK_S3_BUCKET: 'My_Bucket' },
      { BEDROCK_S3_PREFIX: 'has space' },
      { BEDROCK_S3_PREFIX: 'a=b' },
      { AWS_ENDPOINT_URL_S3: 'localhost:4566' },
      { BEDROCK_S3_FORCE_PATH_STYLE: 'yes' },
    ])
      expect(bedrockEnvSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });

  it('is read by the workers, and the demo calls it real once a role and a bucket are set', () => {
    expect(providerEnvSchema.parse({ BEDROCK_S3_BUCKET: 's3://b-1' }).BEDROCK_S3_BUCKET).toBe('b-1');
    expect(bedrockDescriptor.env.realWhen).toEqual(['BEDROCK_ROLE_ARN', 'BEDROCK_S3_BUCKET']);
    expect(bedrockDescriptor.limits).toEqual({
      maxRequests: 50_000,
      maxBytes: 1_000_000_000,
      minRequests: 100,
    });
  });
});

describe('job names and tokens', () => {
  it('fit the API’s patterns and lengths, and are the same for a chunk on every attempt', () => {
    const key = '0b4c6a34-0a8e-4a63-9f50-3a1f3b55a0de_r12_c3_q2';
    expect(jobNameOf(key)).toBe('tranche-0b4c6a34-0a8e-4a63-9f50-3a1f3b55a0de.r12.c3.q2');
    expect(clientRequestTokenOf(key)).toBe(clientRequestTokenOf(key));
    expect(clientRequestTokenOf(key)).not.toBe(clientRequestTokenOf(`${key}0`));
    const long = `${'x'.repeat(70)}_r0_c1`;
    for (const name of [jobNameOf(key), jobNameOf(long)]) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9+\-.]){0,63}$/);
    }
    expect(clientRequestTokenOf(key)).toMatch(/^[a-zA-Z0-9]{1,256}(-*[a-zA-Z0-9]){0,256}$/);
  });
});

describe('max_tokens ceilings', () => {
  it('reads the Claude model behind a Bedrock id, its profiles and ARNs, and gives its synchronous limit', () => {
    for (const id of [
      'anthropic.claude-sonnet-4-5-20250929-v1:0',
      'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'global.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0',
    ]) {
      expect(claudeApiId(id), id).toBe('claude-sonnet-4-5-20250929');
      expect(bedrockMaxTokens(id).tokens, id).toBe(64_000);
    }
    expect(claudeApiId('amazon.titan-embed-text-v2:0')).toBeNull();
    expect(bedrockMaxTokens('anthropic.claude-3-5-haiku-20241022-v1:0')).toMatchObject({
      tokens: UNLISTED_MODEL_LIMIT,
      reason: expect.stringContaining("not in Tranche's table"),
    });
  });
});
