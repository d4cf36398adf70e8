/**
 * The size of each emulated embedding model's vectors, as the providers publish it: the default, the largest a
 * request may ask for, and whether a request may ask for another size at all (OpenAI's `text-embedding-ada-002` and
 * Mistral's `mistral-embed` have one fixed size).
 */
export interface EmbeddingModelSize {
  defaultDimensions: number;
  maxDimensions: number;
  resizable: boolean;
}

const fixed = (dimensions: number): EmbeddingModelSize => ({
  defaultDimensions: dimensions,
  maxDimensions: dimensions,
  resizable: false,
});

const resizable = (defaultDimensions: number, maxDimensions = defaultDimensions): EmbeddingModelSize => ({
  defaultDimensions,
  maxDimensions,
  resizable: true,
});

const SIZES: Record<string, EmbeddingModelSize> = {
  // OpenAI: `dimensions` shortens the text-embedding-3 vectors only.
  'text-embedding-3-small': resizable(1536),
  'text-embedding-3-large': resizable(3072),
  'text-embedding-ada-002': fixed(1536),
  // Mistral: `output_dimension` is for codestral-embed (up to 3072); mistral-embed is always 1024.
  'mistral-embed': fixed(1024),
  'codestral-embed': resizable(1536, 3072),
  // Vertex: `outputDimensionality` shortens, never lengthens.
  'text-embedding-005': resizable(768),
  'text-embedding-004': resizable(768),
  'text-multilingual-embedding-002': resizable(768),
  'gemini-embedding-001': resizable(3072),
};

/** A model the table does not know: OpenAI's most common size, resizable like the current models. */
export const UNKNOWN_MODEL_SIZE: EmbeddingModelSize = resizable(1536, 4096);

/**
 * The size of `model`'s vectors. Dated or versioned names (`mistral-embed-2312`, `codestral-embed-2505`,
 * `text-embedding-005@001`) take their family's size.
 */
export function embeddingModelSize(model: string): EmbeddingModelSize {
  const exact = SIZES[model];
  if (exact) return exact;
  let best: string | null = null;
  for (const name of Object.keys(SIZES)) {
    if (model.startsWith(name) && (best === null || name.length > best.length)) best = name;
  }
  return best === null ? UNKNOWN_MODEL_SIZE : SIZES[best]!;
}
