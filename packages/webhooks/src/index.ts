// Receivers' side, for tests and examples: verifying is standardwebhooks' own `new Webhook(secret).verify(...)`.
export { Webhook, WebhookVerificationError } from 'standardwebhooks';
export {
  NonPublicAddressError,
  postWebhook,
  WebhookError,
  type WebhookRequest,
  webhookOrigin,
} from './post';
export {
  deriveProjectSecret,
  newSalt,
  type ProjectSalts,
  projectSigningSecrets,
  ROTATION_GRACE_MS,
} from './project-secret';
export {
  checkWebhookUrl,
  describeAddress,
  ipLiteral,
  isPublicAddress,
  type WebhookUrlPolicy,
} from './public-address';
export { type SignedMessage, type StandardHeaders, standardHeaders } from './sign';
