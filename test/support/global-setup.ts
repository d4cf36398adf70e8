import { prepareTemplateDatabase } from '@tranche/db/testing';

export default async function setup(): Promise<() => Promise<void>> {
  return prepareTemplateDatabase();
}
