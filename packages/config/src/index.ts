export { ConfigError, parseEnv } from './parse-env';
export { baseEnvSchema, providerEnvSchema, type BaseEnv, type ProviderEnv } from './schemas';
