import type { LineIdentity } from '../core/result-line-faults';
import { isRecord } from './proto-json';

/**
 * Where a Vertex output line carries the id the line-level faults change or remove: a chat line's echoed
 * `request.labels` (Tranche puts its custom id in a `custom_id` label), an embedding line's `key`. An id Tranche
 * splits over several labels (`custom_id_0`, …) reads as none, and setting one replaces all the labels.
 */
export const vertexLineId: LineIdentity = {
  get(line) {
    const labels = isRecord(line.request) && isRecord(line.request.labels) ? line.request.labels : null;
    if (typeof labels?.custom_id === 'string') return labels.custom_id;
    return typeof line.key === 'string' ? line.key : null;
  },
  set(line, id) {
    if ('key' in line && !isRecord(line.request)) {
      if (id === null) delete line.key;
      else line.key = id;
      return;
    }
    const request = isRecord(line.request) ? line.request : {};
    if (id === null) delete request.labels;
    else request.labels = { custom_id: id };
    line.request = request;
  },
};
