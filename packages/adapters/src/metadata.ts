/** Keys Tranche puts in a provider batch's metadata, so it can find its own batches after a crash. */
export const JOB_ID_METADATA = 'tranche_job_id';
export const CHUNK_KEY_METADATA = 'tranche_chunk_key';
