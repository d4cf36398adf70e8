import express, { Router } from 'express';
import type { TrancheService } from '../tranche-service';

/** Monthly budgets per project, enforced when a job is submitted. */
export function budgetsRouter(service: TrancheService): Router {
  const router = Router();
  router.get('/budgets', async (_req, res) => {
    res.json({ budgets: await service.listBudgets() });
  });
  router.get('/budgets/:project', async (req, res) => {
    res.json(await service.getBudget(req.params.project));
  });
  router.put('/budgets/:project', express.json({ limit: '16kb' }), async (req, res) => {
    res.json(await service.setBudget(req.params.project, req.body));
  });
  router.delete('/budgets/:project', async (req, res) => {
    await service.deleteBudget(req.params.project);
    res.status(204).end();
  });
  return router;
}
