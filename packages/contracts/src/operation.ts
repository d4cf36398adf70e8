import type { ZodObject, ZodType } from 'zod';

/** One documented answer of an operation: its status's description, body and headers. */
export interface OperationResponse {
  description: string;
  /** The body's media type; absent for an answer without a body (e.g. 204). */
  contentType?: string;
  schema?: ZodType;
  /** The same answer in other media types, by content type (e.g. `text/csv` for `?format=csv`). */
  otherContent?: Record<string, ZodType>;
  /** Response headers by name, each a zod schema (its `.meta({ description })` is the header's description). */
  headers?: Record<string, ZodType>;
}

/** One request body the operation accepts, by media type. */
export interface OperationBody {
  contentType: string;
  schema: ZodType;
  description?: string;
}

/**
 * One route of the HTTP API, described once: the document is generated from these,
 * and the contract test checks that the Express app has exactly these routes.
 */
export interface Operation {
  method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI style path, e.g. '/v1/jobs/{id}'. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  query?: ZodObject;
  params?: ZodObject;
  /** Request headers the operation reads (e.g. Idempotency-Key). */
  headers?: ZodObject;
  body?: OperationBody[];
  responses: Record<number, OperationResponse>;
  /** True when the route needs an API key (Authorization: Bearer). */
  auth: boolean;
}
