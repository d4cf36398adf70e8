import { prepareTemplateDatabase } from '@tranche/db/testing';
import { faultTableMarkdown, resetFaultRows } from './fault-table';

/** The template database every stack clones, and the fault table printed once every case has run. */
export default async function setup(): Promise<() => Promise<void>> {
  resetFaultRows();
  const dropTemplate = await prepareTemplateDatabase();
  return async () => {
    console.log(
      `\nFault table (copy into RELIABILITY.md with the machine and the date):\n\n${faultTableMarkdown()}\n`,
    );
    await dropTemplate();
  };
}
