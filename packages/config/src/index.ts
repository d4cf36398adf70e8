export { createLogger, type Logger } from './logger';
export { ConfigError, parseEnv } from './parse-env';
export {
  type BaseEnv,
  baseEnvSchema,
  type ChunkCapsEnv,
  chunkCapsEnvSchema,
  envFlag,
  type PricingEnv,
  pricingEnvSchema,
  url,
} from './schemas';
