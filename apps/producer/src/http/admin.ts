import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { TrancheQueues } from '@tranche/queues';
import type { Router } from 'express';

export const BULL_BOARD_PATH = '/admin/queues';

export function bullBoardRouter(queues: TrancheQueues): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({ queues: queues.all().map((q) => new BullMQAdapter(q)), serverAdapter });
  return serverAdapter.getRouter();
}
