// What every page of the dashboard shares: building elements, the one money format, and calling the API with the
// key the page was given (in its URL fragment once, then kept in this tab's sessionStorage).

export const KEY_STORAGE = 'tranche.apiKey';

export const $ = (id) => document.getElementById(id);

/** An element with attributes (`dataset` and `class` handled apart) and children; text is never parsed as HTML. */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name === 'dataset') {
      for (const [key, item] of Object.entries(value))
        if (item !== undefined && item !== null) element.dataset[key] = String(item);
    } else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export const count = new Intl.NumberFormat('en-US');
export const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
export const percent = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });

const dollars = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const cents = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 });

/**
 * The one money format of every page (cards, tables, chart axes and tooltips): from $1 up, two decimals
 * ($1,234.57); below, four significant digits and at least two decimals ($0.50, $0.0312, $0.003521,
 * $0.0000001234), so that a small amount is never rounded to $0.00 and neighbouring axis ticks never read alike.
 */
export function formatUsd(value) {
  const amount = Number(value);
  if (!Number.isFinite(amount)) return '—';
  const abs = Math.abs(amount);
  const sign = amount < 0 ? '-' : '';
  if (abs === 0) return '$0.00';
  if (Number(abs.toPrecision(4)) >= 1) return `${sign}$${dollars.format(abs)}`;
  const [whole, fraction = ''] = cents.format(abs).split('.');
  return `${sign}$${whole}.${fraction.padEnd(2, '0')}`;
}

export function ago(iso, now = Date.now()) {
  const seconds = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (seconds < 90) return `${Math.round(seconds)} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 129_600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}

/** 2026-05-01 12:00:03 UTC: timestamps of a job and its batches, to the second. */
export const utcTime = (iso) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : '—');

export const badge = (text, kind = '') => h('span', { class: `badge ${kind}` }, text);
export const statusBadge = (status) => badge(status.replaceAll('_', ' '), status);
export const TERMINAL_STATUSES = ['completed', 'completed_with_failures', 'failed', 'cancelled', 'timed_out'];

/** A job's page: its id in the fragment (with nothing else, the key stays in this tab's storage). */
export const jobHref = (jobId) => `/dashboard/job.html#id=${encodeURIComponent(jobId)}`;
export const jobLink = (jobId, text = jobId.slice(0, 8)) =>
  h(
    'a',
    { class: 'id', href: jobHref(jobId), title: jobId, 'data-testid': 'job-link', dataset: { jobId } },
    text,
  );

/** A table's head and rows, or one row saying there is nothing. */
export function table(id, headers, rows, emptyText) {
  const head = h(
    'thead',
    {},
    h(
      'tr',
      {},
      headers.map(([label, numeric]) => h('th', { class: numeric ? 'num' : '' }, label)),
    ),
  );
  const body = h(
    'tbody',
    {},
    rows.length > 0 ? rows : h('tr', {}, h('td', { class: 'empty', colspan: headers.length }, emptyText)),
  );
  $(id).replaceChildren(head, body);
}

/** The fragment's parameters: `#id=...&key=...`. */
export const fragment = () => new URLSearchParams(location.hash.slice(1));

/** A key given as `#key=...` moves to sessionStorage, and out of the address bar and the history. */
export function takeKeyFromFragment() {
  const params = fragment();
  const key = params.get('key');
  if (!key) return;
  sessionStorage.setItem(KEY_STORAGE, key);
  params.delete('key');
  const rest = params.toString();
  history.replaceState(null, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
}

export const storedKey = () => sessionStorage.getItem(KEY_STORAGE);
export const authHeaders = () => {
  const key = storedKey();
  return key ? { authorization: `Bearer ${key}` } : {};
};

/** The API refused the key (or got none): the page asks for one. */
export class KeyRefused extends Error {
  constructor(hadKey) {
    super(hadKey ? 'That key was refused: enter another.' : 'This server needs an API key.');
    this.hadKey = hadKey;
  }
}

/** A call of the API with the key; its JSON answer, or an Error carrying the API's own message. */
export async function api(path, init = {}) {
  const key = storedKey();
  const response = await fetch(path, {
    ...init,
    headers: { ...authHeaders(), ...(init.headers ?? {}) },
    cache: 'no-store',
  });
  if (response.status === 401) {
    if (key) sessionStorage.removeItem(KEY_STORAGE);
    throw new KeyRefused(Boolean(key));
  }
  const body = response.headers.get('content-type')?.includes('json') ? await response.json() : null;
  if (!response.ok) {
    const error = new Error(body?.error?.message ?? `the API answered HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

export function showError(message) {
  const banner = $('error');
  banner.textContent = message;
  banner.hidden = message === '';
}

/**
 * The key form and the "forget key" button of a page: `load` runs once a key is given, and again on a new
 * fragment. It throws KeyRefused when the API wants another key.
 */
export function setupKey(load) {
  const showKeyForm = (message) => {
    $('key-message').textContent = message;
    $('key-form').hidden = false;
    $('content').hidden = true;
    $('forget-key').hidden = true;
    $('updated-at').textContent = 'waiting for a key';
  };
  const run = async () => {
    try {
      await load();
      $('key-form').hidden = true;
      $('content').hidden = false;
      $('forget-key').hidden = !storedKey();
      showError('');
    } catch (error) {
      if (error instanceof KeyRefused) showKeyForm(error.message);
      else showError(error.message);
    }
  };
  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $('key-input');
    sessionStorage.setItem(KEY_STORAGE, input.value.trim());
    input.value = '';
    run();
  });
  $('forget-key').addEventListener('click', () => {
    sessionStorage.removeItem(KEY_STORAGE);
    showKeyForm('Key forgotten.');
  });
  window.addEventListener('hashchange', () => {
    takeKeyFromFragment();
    run();
  });
  takeKeyFromFragment();
  return run;
}
