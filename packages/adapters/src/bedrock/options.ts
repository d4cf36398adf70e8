/** What the Bedrock transport needs, read from the environment by `bedrockOptionsFromEnv` (env.ts). */
export interface BedrockOptions {
  /** `AWS_REGION`: where the jobs run; the bucket should be in the same region. */
  region: string;
  /** `BEDROCK_ROLE_ARN`: the service role Bedrock assumes to read the input and write the output in S3. */
  roleArn: string;
  /** `BEDROCK_S3_BUCKET`: where request files go and where Bedrock writes results. */
  bucket: string;
  /** `BEDROCK_S3_PREFIX` (default `tranche`): Tranche's folder in the bucket; cleanup never deletes outside it. */
  prefix?: string | undefined;
  /** `AWS_ENDPOINT_URL_BEDROCK`: the control plane's endpoint; unset, the SDK's (its own variable or the region's). */
  bedrockEndpoint?: string | undefined;
  /** `AWS_ENDPOINT_URL_S3`. */
  s3Endpoint?: string | undefined;
  /** `BEDROCK_S3_FORCE_PATH_STYLE`: `{endpoint}/{bucket}/{key}` instead of `{bucket}.{endpoint}/{key}`. */
  forcePathStyle?: boolean | undefined;
  /**
   * `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, when given in the settings; unset, the SDK's
   * default credential chain (environment, SSO, profiles, web identity, container and instance roles).
   */
  credentials?:
    | { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined }
    | undefined;
  /** Attempts per read or upload call, the first included (the SDK's standard retry mode; default 3). */
  maxAttempts?: number | undefined;
  /** Multipart upload part size (default 8 MiB; S3's minimum is 5 MiB). A smaller file goes up in one PUT. */
  uploadPartBytes?: number | undefined;
  /** Parts sent at once (default 4): the upload holds up to this many parts in memory. */
  uploadQueueSize?: number | undefined;
}
