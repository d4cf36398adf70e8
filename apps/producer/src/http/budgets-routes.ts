import type { BudgetList } from '@tranche/contracts';
import express, { Router } from 'express';
import type { TrancheService } from '../tranche-service';
import { callerOf } from './auth';

/** Monthly budgets per project, enforced when a job is submitted. */
export function budgetsRouter(service: TrancheService): Router {
  const router = Router();
  router.get('/budgets', async (_req, res) => {
    res.json({ budgets: await service.listBudgets(callerOf(res)) } satisfies BudgetList);
  });
  router.get('/budgets/:project', async (req, res) => {
    res.json(await service.getBudget(callerOf(res), req.params.project));
  });
  router.put('/budgets/:project', express.json({ limit: '16kb' }), async (req, res) => {
    res.json(await service.setBudget(callerOf(res), req.params.project, req.body));
  });
  router.delete('/budgets/:project', async (req, res) => {
    await service.deleteBudget(callerOf(res), req.params.project);
    res.status(204).end();
  });
  return router;
}
