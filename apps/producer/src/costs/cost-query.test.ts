import { describe, expect, it } from 'vitest';
import { CostQueryError, costRequest, costRequestFromQuery, parseWindow } from './cost-query';

const now = new Date('2026-03-15T12:00:00.000Z');

describe('cost query parameters', () => {
  it('reads the named windows, ending now, and an explicit range', () => {
    expect(parseWindow('24h', now)).toEqual({ from: new Date('2026-03-14T12:00:00.000Z'), to: now });
    expect(parseWindow('7d', now).from).toEqual(new Date('2026-03-08T12:00:00.000Z'));
    expect(parseWindow('2026-03-01..2026-03-02T06:30:00+02:00', now)).toEqual({
      from: new Date('2026-03-01T00:00:00.000Z'),
      to: new Date('2026-03-02T04:30:00.000Z'),
    });
    expect(costRequestFromQuery({}, now)).toEqual({
      from: new Date('2026-02-13T12:00:00.000Z'),
      to: now,
      groupBy: [],
      format: 'json',
    });
  });

  it('takes from/to or a window in the SDK, not both', () => {
    expect(costRequest({ from: '2026-03-10', groupBy: 'project, model' }, now)).toEqual({
      from: new Date('2026-03-10T00:00:00.000Z'),
      to: now,
      groupBy: ['project', 'model'],
    });
    expect(() => costRequest({ to: now }, now)).toThrow('from: is required when to is given');
    expect(() => costRequest({ from: new Date('nope') }, now)).toThrow(CostQueryError);
    expect(() => costRequest({ from: '2026-03-10', to: '2026-03-09' }, now)).toThrow(/must be before/);
  });

  it('names the parameter it refuses', () => {
    const parameterOf = (query: Record<string, unknown>) => {
      try {
        costRequestFromQuery(query, now);
        return null;
      } catch (error) {
        return error instanceof CostQueryError ? error.parameter : 'not a CostQueryError';
      }
    };
    expect(parameterOf({ window: '2d' })).toBe('window');
    expect(parameterOf({ window: '2026-03-01..' })).toBe('window');
    expect(parameterOf({ window: '2026-03-01..2026-03-01' })).toBe('window');
    // Dates that do not exist are refused, not rolled over into the next month; nor is an Object member a window.
    expect(parameterOf({ window: '2026-02-30..2026-04-01' })).toBe('window');
    expect(parameterOf({ window: '2026-02-01..2026-02-29T10:00:00Z' })).toBe('window');
    expect(parameterOf({ window: 'toString' })).toBe('window');
    expect(parameterOf({ window: '2024-02-29..2024-03-01' })).toBeNull();
    expect(parameterOf({ group_by: 'project,tenant' })).toBe('group_by');
    expect(parameterOf({ format: ['csv', 'json'] })).toBe('format');
    expect(parameterOf({ from: '2026-03-01' })).toBe('from');
    expect(parameterOf({ group_by: 'owner', format: 'csv', window: '30d' })).toBeNull();
  });
});
