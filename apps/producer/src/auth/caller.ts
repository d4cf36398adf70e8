import { type ProjectScope, scopeHas } from '@tranche/db';

export type Role = 'admin' | 'member' | 'viewer';

/** Who is asking: every operation of the service takes one, HTTP and SDK alike. */
export interface Caller {
  /** `api_keys.id`; `admin:<8 hex of the key's SHA-256>` for a key of ADMIN_API_KEYS; `local` with no admin key. */
  keyId: string;
  name: string;
  role: Role;
  /** `'all'` for an admin. */
  projects: ProjectScope;
}

/** With no admin key configured the API serves loopback only, and whoever reaches it is the operator. */
export const LOCAL_OPERATOR: Caller = {
  keyId: 'local',
  name: 'local operator',
  role: 'admin',
  projects: 'all',
};

/** The caller may not do this: a 403, naming the field that asked for too much when there is one. */
export class ForbiddenError extends Error {
  readonly status = 403;
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ForbiddenError';
  }
}

export function canSee(caller: Caller, project: string): boolean {
  return scopeHas(caller.projects, project);
}

export function requireAdmin(caller: Caller): void {
  if (caller.role !== 'admin')
    throw new ForbiddenError(`only an admin key may do this (this key is a ${caller.role})`);
}

/** Submits and cancels: members and admins. */
export function requireWriter(caller: Caller): void {
  if (caller.role === 'viewer')
    throw new ForbiddenError('a viewer key reads only: submit and cancel need a member key');
}

/** A job may only be submitted (or estimated) into one of the caller's projects. */
export function requireProject(caller: Caller, project: string): void {
  if (!canSee(caller, project)) {
    throw new ForbiddenError(
      `this key may not use project ${JSON.stringify(project)}: its projects are ${JSON.stringify(caller.projects)}`,
      'metadata.project',
    );
  }
}
