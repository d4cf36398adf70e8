import type { KeyList, Me } from '@tranche/contracts';
import type { Sql } from '@tranche/db';
import express, { Router } from 'express';
import { createKey, listKeys, revokeKey } from '../auth/key-admin';
import { rotateProjectSecret } from '../webhooks/rotate-secret';
import { callerOf } from './auth';

/** Keys (admins), the caller's own identity (anyone), and the projects' webhook secrets (admins). */
export function keysRouter(sql: Sql, webhookSecretsKey: string | undefined): Router {
  const router = Router();
  router.get('/me', (_req, res) => {
    const { keyId, name, role, projects } = callerOf(res);
    res.json({ key_id: keyId, name, role, projects } satisfies Me);
  });
  router.post('/keys', express.json({ limit: '16kb' }), async (req, res) => {
    res.status(201).json(await createKey(sql, callerOf(res), req.body));
  });
  router.get('/keys', async (_req, res) => {
    res.json({ keys: await listKeys(sql, callerOf(res)) } satisfies KeyList);
  });
  router.delete('/keys/:id', async (req, res) => {
    await revokeKey(sql, callerOf(res), req.params.id);
    res.status(204).end();
  });
  router.post('/projects/:project/webhook-secret', async (req, res) => {
    res
      .status(201)
      .json(await rotateProjectSecret(sql, callerOf(res), webhookSecretsKey, req.params.project));
  });
  return router;
}
