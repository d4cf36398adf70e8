import { type OpenApiDocument, openApiDocument } from '@tranche/contracts';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as typeof addFormatsModule;

type Json = Record<string, unknown>;

interface DocumentedResponse {
  content?: Record<string, { schema?: unknown }>;
  headers?: Record<string, { required?: boolean; schema?: unknown }>;
}

interface Template {
  path: string;
  pattern: RegExp;
  params: number;
}

/** What a response held, read once by the check and handed back for the test to use. */
export interface CheckedResponse {
  status: number;
  operation: string;
  contentType: string | null;
  /** JSON parsed; NDJSON as the list of its parsed lines; any other type as text; null without a body. */
  body: unknown;
  text: string;
}

/** A JSON Pointer segment (`/` and `~` escaped). */
const pointer = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * Checks answers of the API against its OpenAPI document itself (not the zod schemas it came from): the status must
 * be one the operation documents, the content type one documented for that status, the body valid against its
 * schema (each line of NDJSON against the line schema), and the documented headers present (when required) and
 * valid. The document is compiled once into ajv (JSON Schema 2020-12, formats checked).
 */
export class ContractChecker {
  readonly document: OpenApiDocument;
  private readonly ajv: Ajv2020;
  private readonly templates: Template[];
  private readonly validators = new Map<string, ValidateFunction>();
  /** `METHOD /template STATUS` of every answer checked so far. */
  readonly seen = new Set<string>();

  constructor(document: OpenApiDocument = openApiDocument()) {
    this.document = document;
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    // The whole document under one id: each schema is validated through a pointer into it, so its $refs resolve.
    this.ajv.addSchema({ ...(document as unknown as Json), $id: 'openapi.json' });
    this.templates = Object.keys(document.paths ?? {})
      .map((path) => ({
        path,
        pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
        params: (path.match(/\{/g) ?? []).length,
      }))
      .sort((a, b) => a.params - b.params);
  }

  /** The documented path a request path falls under (literal segments win over parameters). */
  templateOf(path: string): string | null {
    return this.templates.find((t) => t.pattern.test(path))?.path ?? null;
  }

  /** `METHOD /template` of every operation in the document. */
  operations(): string[] {
    return Object.entries(this.document.paths ?? {}).flatMap(([path, item]) =>
      Object.keys(item ?? {})
        .filter((method) => ['get', 'post', 'put', 'delete', 'patch'].includes(method))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
  }

  private validator(location: string): ValidateFunction {
    let validate = this.validators.get(location);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `openapi.json#${location}` });
      this.validators.set(location, validate);
    }
    return validate;
  }

  private validate(location: string, value: unknown, what: string, problems: string[]): void {
    const validate = this.validator(location);
    if (!validate(value))
      problems.push(`${what}: ${this.ajv.errorsText(validate.errors, { dataVar: what, separator: '; ' })}`);
  }

  /**
   * Reads the response's body and throws, listing every violation, unless the document allows the answer. `method`
   * is the request's; the path is taken from `response.url`, or given.
   */
  async check(
    method: string,
    response: Response,
    path = new URL(response.url).pathname,
  ): Promise<CheckedResponse> {
    const text = await response.text();
    const template = this.templateOf(path);
    const operationName = `${method.toUpperCase()} ${template ?? path}`;
    if (!template) throw new Error(`${operationName}: no such path in the document`);
    const operation = (this.document.paths?.[template] as Json | undefined)?.[method.toLowerCase()] as
      | { responses?: Record<string, DocumentedResponse> }
      | undefined;
    if (!operation) throw new Error(`${operationName}: no such operation in the document`);
    const status = String(response.status);
    const documented = operation.responses?.[status];
    const where = `${operationName} ${status}`;
    if (!documented)
      throw new Error(
        `${where}: status not documented (documented: ${Object.keys(operation.responses ?? {}).join(', ')}); body ${text.slice(0, 300)}`,
      );
    const base = `/paths/${pointer(template)}/${method.toLowerCase()}/responses/${status}`;
    const problems: string[] = [];
    const header = response.headers.get('content-type');
    const contentType = header === null ? null : header.split(';')[0]!.trim().toLowerCase();
    let body: unknown = null;
    const media = documented.content ?? {};
    if (Object.keys(media).length === 0) {
      if (text !== '') problems.push(`a body (${contentType}) where none is documented`);
    } else if (!contentType || !(contentType in media)) {
      problems.push(`content type ${contentType} is not one of ${Object.keys(media).join(', ')}`);
    } else {
      const schemaAt = `${base}/content/${pointer(contentType)}/schema`;
      body = this.checkBody(contentType, text, schemaAt, problems);
    }
    for (const [name, header] of Object.entries(documented.headers ?? {})) {
      const value = response.headers.get(name);
      if (value === null) {
        if (header.required) problems.push(`header ${name} is missing`);
        continue;
      }
      this.validate(`${base}/headers/${pointer(name)}/schema`, value, `header ${name}`, problems);
    }
    if (problems.length > 0)
      throw new Error(
        `${where} is not what the document allows:\n- ${problems.join('\n- ')}\nbody: ${text.slice(0, 500)}`,
      );
    this.seen.add(where);
    return {
      status: response.status,
      operation: `${method.toUpperCase()} ${template}`,
      contentType,
      body,
      text,
    };
  }

  /** Throws unless the value is valid against a component schema of the document (e.g. `Error`). */
  checkComponent(name: string, value: unknown): void {
    const problems: string[] = [];
    this.validate(`/components/schemas/${pointer(name)}`, value, name, problems);
    if (problems.length > 0) throw new Error(problems.join('\n'));
  }

  private checkBody(contentType: string, text: string, schemaAt: string, problems: string[]): unknown {
    if (contentType === 'application/json') {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        problems.push('the body is not JSON');
        return null;
      }
      this.validate(schemaAt, body, 'body', problems);
      return body;
    }
    if (contentType === 'application/x-ndjson') {
      const lines = text.split('\n').filter((line) => line.trim() !== '');
      return lines.map((line, i) => {
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          problems.push(`line ${i + 1} is not JSON`);
          return null;
        }
        this.validate(schemaAt, value, `line ${i + 1}`, problems);
        return value;
      });
    }
    this.validate(schemaAt, text, 'body', problems);
    return text;
  }
}
