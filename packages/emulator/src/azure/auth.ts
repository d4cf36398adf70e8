import type { RequestHandler } from 'express';
import { type AzureTokens, COGNITIVE_SERVICES, looksLikeJwt } from './identity';

/** Azure's answer to a request without a valid key (its `code` is the status, as a string). */
export const AZURE_ACCESS_DENIED = {
  error: {
    code: '401',
    message:
      'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an ' +
      'active subscription and use a correct regional API endpoint for your resource.',
  },
};

/** Azure's answer to a Bearer token it does not take: a body of another shape than the key's refusal. */
export const AZURE_TOKEN_REFUSED = {
  statusCode: 401,
  message: `Unauthorized. Access token is missing, invalid, audience is incorrect (${COGNITIVE_SERVICES}), or have expired.`,
};

/**
 * Azure OpenAI takes a key in an `api-key` header (the REST reference), a key as `Authorization: Bearer` (Microsoft's
 * v1 examples with the plain OpenAI client), or a Microsoft Entra ID token as `Authorization: Bearer`. Keys are not
 * checked here: any non-empty one passes. A token (a Bearer value shaped as a JWT) must be one the emulator's
 * managed identity endpoint issued, unaltered and not expired.
 */
export function requireAzureAuth(tokens: AzureTokens): RequestHandler {
  return (req, res, next) => {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '')?.[1];
    if (bearer !== undefined && looksLikeJwt(bearer)) {
      if (tokens.accepts(bearer)) next();
      else res.status(401).json(AZURE_TOKEN_REFUSED);
      return;
    }
    if (bearer === undefined && (req.get('api-key') ?? '').trim() === '') {
      res.status(401).json(AZURE_ACCESS_DENIED);
      return;
    }
    next();
  };
}
