/**
 * AST helpers for tests: comparing trees by meaning rather than by where they were written.
 */

/** A value with every `span` property removed, at any depth. */
export type WithoutSpans<T> = T extends bigint | string | number | boolean | null | undefined
  ? T
  : T extends readonly (infer E)[]
    ? WithoutSpans<E>[]
    : { [K in keyof T as K extends "span" ? never : K]: WithoutSpans<T[K]> };

/**
 * Copies a value without its `span` properties, so two ASTs parsed from differently laid-out texts (an
 * input and its canonical print) compare equal when they say the same thing. Node spans and option-value
 * spans both go; everything else, bigint counters included, is kept as it is.
 */
export function stripSpans<T>(value: T): WithoutSpans<T> {
  return strip(value) as WithoutSpans<T>;
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (k !== "span") out[k] = strip(v);
  return out;
}
