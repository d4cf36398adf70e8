/**
 * What an `openai` client pointed at another provider's copy of OpenAI's API (Azure OpenAI, Groq) must set itself.
 * Left unset, the SDK reads them from the environment: a worker that also serves OpenAI has `OPENAI_ORG_ID` and
 * `OPENAI_PROJECT_ID` (sent as `OpenAI-Organization`/`OpenAI-Project` headers), and maybe `OPENAI_ADMIN_KEY` or
 * `OPENAI_WEBHOOK_SECRET`, none of which is the other provider's. Its `baseURL` must always be given too, or the SDK
 * falls back to `OPENAI_BASE_URL`, then to OpenAI itself, with the other provider's credentials.
 */
export const NOT_OPENAI_SETTINGS = {
  organization: null,
  project: null,
  adminAPIKey: null,
  webhookSecret: null,
} as const;
