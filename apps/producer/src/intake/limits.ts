import { MAX_INPUTS } from '@tranche/contracts';

/** What one job may be: the operator's bounds (MAX_INPUTS, MAX_INPUT_BYTES, MIN_POLL_INTERVAL_S). */
export interface IntakeLimits {
  /** Inputs per job; the next one stops the reading of the body and refuses the job. */
  maxInputs: number;
  /** Bytes of one input: its NDJSON line as sent, and the request it makes with the job's defaults. */
  maxInputBytes: number;
  /** The least `options.poll_interval_s` a job may ask for. */
  minPollIntervalS: number;
}

/**
 * 32 MiB per input: more text than the largest context window takes (two million tokens are about 8 MB of text), and
 * about what Anthropic's Messages API takes in one request (32 MB). The providers' batch limits (200 MB and more per
 * batch file) still apply when an operator raises it.
 */
export const DEFAULT_MAX_INPUT_BYTES = 32 * 1024 * 1024;
export const DEFAULT_MIN_POLL_INTERVAL_S = 30;

export const DEFAULT_INTAKE_LIMITS: IntakeLimits = {
  maxInputs: MAX_INPUTS,
  maxInputBytes: DEFAULT_MAX_INPUT_BYTES,
  minPollIntervalS: DEFAULT_MIN_POLL_INTERVAL_S,
};
