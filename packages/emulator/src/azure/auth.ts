import type { RequestHandler } from 'express';

/** Azure's answer to a request without a valid key (its `code` is the status, as a string). */
export const AZURE_ACCESS_DENIED = {
  error: {
    code: '401',
    message:
      'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an ' +
      'active subscription and use a correct regional API endpoint for your resource.',
  },
};

/**
 * Azure OpenAI takes the key in an `api-key` header (the REST reference) or, through the OpenAI clients, as
 * `Authorization: Bearer` (a key or an Entra token): any non-empty one is accepted here.
 */
export const requireAzureKey: RequestHandler = (req, res, next) => {
  const apiKey = req.get('api-key') ?? '';
  const bearer = /^Bearer\s+\S/i.test(req.get('authorization') ?? '');
  if (apiKey.trim() === '' && !bearer) {
    res.status(401).json(AZURE_ACCESS_DENIED);
    return;
  }
  next();
};
