/**
 * An error message made fit to store and show (a job's blocker in its view and in /health, the reason a provider
 * refused a batch): it may quote what a provider answered, so anything that looks like a credential is masked and
 * the text is kept short. (Errors that could quote result content never get here: see keep-trying.ts.)
 */

const MAX_LENGTH = 300;
const MASK = '[redacted]';

// Credential shapes providers echo back ("Incorrect API key provided: sk-...") or that a URL may carry.
const CREDENTIAL_PATTERNS: RegExp[] = [
  /\bsk-[A-Za-z0-9_*-]{6,}/g, // OpenAI and Anthropic keys, masked or not
  /\bya29\.[A-Za-z0-9_.-]+/g, // Google OAuth access tokens
  /\bAIza[A-Za-z0-9_-]{20,}/g, // Google API keys
  /\b((?:Bearer|Basic)\s+)[A-Za-z0-9_.~+/=-]+/gi,
  /([?&](?:key|api_key|apikey|access_token|token|sig|signature)=)[^&\s"']+/gi,
  /(\/\/)[^/\s:@]+:[^/\s@]+(?=@)/g, // user:password@ in a URL
];

/** The values in the environment that are secrets (keys, tokens, passwords, and the passwords inside URLs). */
export function secretsOf(env: Record<string, unknown>): string[] {
  const secrets: string[] = [];
  // A list (REDIS_CLUSTER_NODES, parsed) is looked at entry by entry.
  const entries = Object.entries(env).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).map((one): [string, unknown] => [name, one]),
  );
  for (const [name, value] of entries) {
    if (typeof value !== 'string' || value.length < 6) continue;
    if (/KEY|SECRET|TOKEN|PASSWORD/i.test(name)) secrets.push(value);
    if (/_URL$|_NODES$/.test(name)) {
      try {
        const password = decodeURIComponent(new URL(value).password);
        if (password.length >= 4) secrets.push(password);
      } catch {
        // not a URL: nothing to take from it
      }
    }
  }
  return secrets;
}

/** `message` with every known secret and credential-shaped string masked, and cut to a few hundred characters. */
export function safeMessage(message: string, secrets: readonly string[]): string {
  let text = message;
  // Longest first, so a secret containing another is masked whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) text = text.split(secret).join(MASK);
  for (const pattern of CREDENTIAL_PATTERNS) {
    // A pattern with a group keeps what the group matched (`key=`, `Bearer `, `//`) in front of the mask.
    text = text.replace(pattern, (_match, prefix: unknown) =>
      typeof prefix === 'string' ? `${prefix}${MASK}` : MASK,
    );
  }
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 1)}…` : text;
}
