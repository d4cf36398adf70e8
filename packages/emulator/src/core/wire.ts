type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];

/**
 * An SDK response type as the real API sends it: the SDK marks most fields optional,
 * but the API sends every key, with `null` when unset.
 */
export type Wire<T> = {
  [K in keyof T]-?: K extends OptionalKeys<T> ? Exclude<T[K], undefined> | null : T[K];
};
