import type { components } from './generated/openapi.js';

/** The API's own types, generated from its OpenAPI document (scripts/generate-types.ts). */
type Schemas = components['schemas'];

/** A job as sent in one JSON body: the header's fields and every input. */
export type JobSubmission = Schemas['JobSubmission'];
/** A job without its inputs: the first line of an NDJSON submit. */
export type JobHeader = Schemas['JobHeader'];
export type JobInput = Schemas['JobInput'];
export type SubmitResponse = Schemas['SubmitResponse'];
export type DryRunResponse = Schemas['DryRunResponse'];
export type JobView = Schemas['JobView'];
export type BatchView = Schemas['BatchView'];
/** One line of a job's results. */
export type JobResult = Schemas['JobResult'];
export type JobList = Schemas['JobList'];
export type JobSummary = Schemas['JobSummary'];
export type JobFailures = Schemas['JobFailures'];
export type CostSummary = Schemas['CostSummary'];
export type BudgetView = Schemas['BudgetView'];
export type BudgetList = Schemas['BudgetList'];
export type BudgetInput = Schemas['BudgetInput'];
export type ApiKey = Schemas['ApiKey'];
export type KeyList = Schemas['KeyList'];
export type NewKey = Schemas['NewKey'];
export type CreatedKey = Schemas['CreatedKey'];
export type Me = Schemas['Me'];
export type WebhookSecret = Schemas['WebhookSecret'];
/** The body of a job's webhook (`options.webhook_url`), once `verifyWebhook` checked its signature. */
export type JobFinishedEvent = Schemas['JobFinishedEvent'];
export type Health = Schemas['Health'];
/** Every error's body: `{error: {type, message, ...}}`. */
export type ApiErrorBody = Schemas['Error'];

export type JobStatus = JobView['status'];

/** One problem of a 400: the field at fault (`inputs[12].messages`) and what is wrong with it. */
export type FieldProblem = Schemas['Problem'];
/** Why a job does not fit its project's budget (a 402): the budget this month and the job's worst case. */
export type BudgetRefusal = Schemas['BudgetRefusal'];
