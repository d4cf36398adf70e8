import { embeddingModelSize } from '../core/embedding-models';
import { parseGsUri } from '../gcs/gs-uri';
import { invalidArgument } from './google-errors';
import { labelsProblem } from './labels';
import { field, isRecord, type Json } from './proto-json';

export type JobKind = 'chat' | 'embedding';

export interface JobParams {
  displayName: string;
  /** Full resource name, as echoed: `publishers/google/models/gemini-2.5-flash`. */
  model: string;
  /** The last path segment, e.g. `gemini-2.5-flash`. */
  modelId: string;
  /** Gemini `generateContent` rows, or text-embedding instances (`{"content": …}`). */
  kind: JobKind;
  inputUris: string[];
  /** Without trailing slashes. */
  outputUriPrefix: string;
  /** As the request gave it, for the echo. */
  outputUriPrefixAsGiven: string;
  labels: Record<string, string> | null;
  /** `instanceConfig.keyField`: that field is taken out of each instance and echoed as `key`. */
  keyField: string | null;
  instanceConfig: Json | null;
  modelParameters: Json | null;
  outputDimensionality: number | null;
}

/** Validates a `BatchPredictionJob` create body (lowerCamel or snake_case keys). */
export function parseJobParams(body: unknown): JobParams {
  if (!isRecord(body))
    throw invalidArgument('Invalid JSON payload received. Expected a BatchPredictionJob object.');
  const displayName = field(body, 'displayName');
  if (typeof displayName !== 'string' || displayName.trim() === '') {
    throw invalidArgument(
      'List of found errors:\t1.Field: batch_prediction_job.display_name; Message: Required field is not set.',
    );
  }
  const rawModel = field(body, 'model');
  if (typeof rawModel !== 'string' || rawModel === '') {
    throw invalidArgument(
      'List of found errors:\t1.Field: batch_prediction_job.model; Message: Required field is not set.',
    );
  }
  const model = normalizeModel(rawModel);
  const modelId = model.split('/').pop()!;

  const inputConfig = field(body, 'inputConfig');
  if (!isRecord(inputConfig)) throw invalidArgument('batch_prediction_job.input_config is required.');
  const instancesFormat = field(inputConfig, 'instancesFormat');
  if (instancesFormat !== 'jsonl') {
    throw invalidArgument(
      `Unsupported input format "${String(instancesFormat)}": the emulator reads "jsonl" from Cloud Storage only.`,
    );
  }
  const gcsSource = field(inputConfig, 'gcsSource');
  const uris = isRecord(gcsSource) ? gcsSource.uris : undefined;
  if (
    !Array.isArray(uris) ||
    uris.length === 0 ||
    !uris.every((uri) => typeof uri === 'string' && parseGsUri(uri))
  ) {
    throw invalidArgument('batch_prediction_job.input_config.gcs_source.uris must list gs:// URIs.');
  }

  const outputConfig = field(body, 'outputConfig');
  if (!isRecord(outputConfig)) throw invalidArgument('batch_prediction_job.output_config is required.');
  const predictionsFormat = field(outputConfig, 'predictionsFormat');
  if (predictionsFormat !== 'jsonl') {
    throw invalidArgument(
      `Unsupported output format "${String(predictionsFormat)}": the emulator writes "jsonl" to Cloud Storage only.`,
    );
  }
  const destination = field(outputConfig, 'gcsDestination');
  const prefix = isRecord(destination) ? field(destination, 'outputUriPrefix') : undefined;
  if (typeof prefix !== 'string' || !parseGsUri(prefix)) {
    throw invalidArgument(
      'batch_prediction_job.output_config.gcs_destination.output_uri_prefix must be a gs:// URI.',
    );
  }

  const labels = field(body, 'labels');
  const problem = labelsProblem(labels);
  if (problem) throw invalidArgument(`Invalid labels: ${problem}.`);

  const instanceConfig = field(body, 'instanceConfig');
  const keyField = isRecord(instanceConfig) ? field(instanceConfig, 'keyField') : undefined;
  const modelParameters = field(body, 'modelParameters');
  const dimensionality = isRecord(modelParameters)
    ? field(modelParameters, 'outputDimensionality')
    : undefined;
  if (
    dimensionality !== undefined &&
    !(Number.isInteger(dimensionality) && (dimensionality as number) >= 1)
  ) {
    throw invalidArgument('model_parameters.outputDimensionality must be a positive integer.');
  }
  const kind: JobKind = /embedding/i.test(modelId) ? 'embedding' : 'chat';
  if (kind === 'embedding' && dimensionality !== undefined) {
    // Google: a size the model does not support fails the request with INVALID_ARGUMENT (the whole job here: the
    // parameter is the job's, not a row's).
    const size = embeddingModelSize(modelId);
    if ((dimensionality as number) > size.maxDimensions) {
      throw invalidArgument(
        `Unsupported outputDimensionality ${dimensionality} for model ${modelId}: at most ${size.maxDimensions}.`,
      );
    }
  }

  return {
    displayName,
    model,
    modelId,
    kind,
    inputUris: uris as string[],
    outputUriPrefix: prefix.replace(/\/+$/, ''),
    outputUriPrefixAsGiven: prefix,
    labels: (labels as Record<string, string> | undefined) ?? null,
    keyField: typeof keyField === 'string' && keyField !== '' ? keyField : null,
    instanceConfig: isRecord(instanceConfig) ? instanceConfig : null,
    modelParameters: isRecord(modelParameters) ? modelParameters : null,
    outputDimensionality: (dimensionality as number | undefined) ?? null,
  };
}

/** Like the SDK's `tModel`: a bare id means a Google publisher model. */
function normalizeModel(model: string): string {
  if (model.startsWith('publishers/') || model.startsWith('projects/')) return model;
  if (model.startsWith('models/')) return `publishers/google/${model}`;
  const parts = model.split('/');
  if (parts.length === 2) return `publishers/${parts[0]}/models/${parts[1]}`;
  return `publishers/google/models/${model}`;
}
