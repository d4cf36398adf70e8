/**
 * The global endpoint (`GOOGLE_CLOUD_LOCATION=global`: host `aiplatform.googleapis.com`, resources under
 * `projects/{p}/locations/global`) runs batch prediction for Google's publisher models (Gemini). Google's docs say
 * "The global endpoint isn't supported for batch inference using tuned models", and list "Batch prediction for
 * Anthropic and OpenMaaS models" among the global endpoint's limitations; those need a regional location.
 */
export const GLOBAL_LOCATION = 'global';

/**
 * The model's resource name as `@google/genai` sends it on Vertex (its `tModel`): a bare id is Google's, `a/b` is
 * publisher `a`'s, and names under `publishers/`, `projects/` or `models/` go as they are.
 */
function resourceName(model: string): string {
  if (model.startsWith('publishers/') || model.startsWith('projects/') || model.startsWith('models/'))
    return model;
  const slash = model.indexOf('/');
  if (slash >= 0) return `publishers/${model.slice(0, slash)}/models/${model.slice(slash + 1)}`;
  return `publishers/google/models/${model}`;
}

/** Why `model` cannot run a batch job at `location`, or null when it can (as far as the docs say). */
export function globalEndpointProblem(location: string, model: string): string | null {
  if (location !== GLOBAL_LOCATION) return null;
  const name = resourceName(model);
  if (name.startsWith('projects/')) {
    return (
      `vertex: ${model} is a tuned model or an endpoint, which batch prediction does not run on the global ` +
      'endpoint: set GOOGLE_CLOUD_LOCATION to its region'
    );
  }
  const publisher = /^publishers\/([^/]+)\//.exec(name)?.[1] ?? 'google';
  if (publisher !== 'google') {
    return (
      `vertex: batch prediction of ${publisher} models does not run on the global endpoint: set ` +
      'GOOGLE_CLOUD_LOCATION to a region that offers it'
    );
  }
  return null;
}
