// One webhook receiver for every test that checks what the worker POSTs: the worker's own tests keep it.
export {
  deriveProjectSecret,
  type ReceivedWebhook,
  signedWith,
  startWebhookReceiver,
  verifyWebhook,
  type WebhookReceiver,
} from '@tranche/worker/test-support/webhook-receiver';
