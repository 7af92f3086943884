/**
 * Locations and diagnostics shared by every stage (parse, translate, check).
 * @module
 */

/**
 * A point in an input text. `line` and `column` are 1-based; `offset` is 0-based in UTF-16 units.
 *
 * @example
 * ```ts
 * const { diagnostics } = parseRuleset("*filter\n-A INPUT -p tcp --dport 99999 -j ACCEPT\nCOMMIT\n");
 * diagnostics[0]?.span.start; // { offset: 32, line: 2, column: 25 }
 * ```
 */
export interface Position {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

/**
 * A range of an input text: where an AST node, token or error came from.
 *
 * @example
 * ```ts
 * const { value } = parseRuleset("*filter\n-A INPUT -j DROP\nCOMMIT\n");
 * const span = value?.tables[0]?.rules[0]?.span;
 * span?.start.line; // 2
 * ```
 */
export interface Span {
  readonly start: Position;
  readonly end: Position;
}

/**
 * What kind of problem a diagnostic reports; scripts may branch on it.
 *
 * @example
 * ```ts
 * const { diagnostics } = parseRuleset(text);
 * const refused: DiagnosticCode = "untranslatable";
 * const badValues = diagnostics.filter((d) => d.code === "bad-value");
 * ```
 */
export type DiagnosticCode =
  | "syntax"
  | "unknown-option"
  | "missing-argument"
  | "extra-argument"
  | "bad-value"
  | "duplicate-option"
  | "not-negatable"
  | "conflicting-options"
  | "missing-option"
  | "undeclared-chain"
  | "duplicate-chain"
  | "undeclared-set"
  | "duplicate-set"
  | "rule-outside-table"
  | "missing-commit"
  | "unknown-table"
  | "builtin-chain"
  | "family-mismatch"
  | "untranslatable"
  | "more-permissive"
  | "approximate"
  | "renamed-chain"
  | "shortened-comment"
  | "kernel-rejected"
  | "io";

/**
 * How bad a diagnostic is: errors stop the pipeline, warnings and notes do not.
 *
 * @example
 * ```ts
 * const worst = (ds: readonly Diagnostic[]): Severity | undefined =>
 *   (["error", "warning", "note"] as const).find((s) => ds.some((d) => d.severity === s));
 * ```
 */
export type Severity = "error" | "warning" | "note";

/**
 * One problem found in an input, located in it. Diagnostics are data: stages return them, never throw them.
 *
 * @example
 * ```ts
 * const { diagnostics } = parseRuleset("*filter\n-A INPUT -p tcp --dport 99999 -j ACCEPT\nCOMMIT\n", { file: "rules.v4" });
 * diagnostics[0]; // { severity: "error", code: "bad-value", file: "rules.v4",
 * //                  message: "--dport: 99999 is out of range for a port (0-65535)", span: { ... } }
 * ```
 */
export interface Diagnostic {
  readonly severity: Severity;
  readonly code: DiagnosticCode;
  readonly message: string;
  readonly span: Span;
  /** Name of the input the span refers to (a file path, or `-` for stdin). */
  readonly file?: string;
  /** For syntax errors: what the parser expected at this point. */
  readonly expected?: readonly string[];
  /** For syntax errors: what it found instead (`end of input` at the end). */
  readonly found?: string;
}

/**
 * The result of a stage: a value (possibly partial) and everything worth reporting about it.
 *
 * @example
 * ```ts
 * const parsed: Result<Ruleset | undefined> = parseRuleset(text);
 * for (const d of parsed.diagnostics) console.error(formatDiagnostic(d, text));
 * if (parsed.value) console.log(printRuleset(parsed.value));
 * ```
 */
export interface Result<T> {
  readonly value: T;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * True when any diagnostic is an error.
 *
 * @example
 * ```ts
 * const { diagnostics } = parseRuleset(text);
 * if (hasErrors(diagnostics)) process.exitCode = 2;
 * ```
 */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** Builds a position from an offset by counting lines in `text`. */
export function positionAt(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { offset, line, column: offset - lineStart + 1 };
}

/** A span covering `start`..`end` offsets of `text`. */
export function spanAt(text: string, start: number, end: number): Span {
  return { start: positionAt(text, start), end: positionAt(text, end) };
}

/** A span that points nowhere in particular (line 1, column 1); for values built in code, not parsed. */
export const noSpan: Span = { start: { offset: 0, line: 1, column: 1 }, end: { offset: 0, line: 1, column: 1 } };

/**
 * Formats a diagnostic like a compiler: `file:line:col: severity: message [code]`, then the offending line
 * and a caret under the column.
 *
 * @example
 * ```ts
 * const source = "*filter\n-A INPUT -p tcp --dport 99999 -j ACCEPT\nCOMMIT\n";
 * const { diagnostics } = parseRuleset(source, { file: "rules.v4" });
 * for (const d of diagnostics) console.error(formatDiagnostic(d, source));
 * // rules.v4:2:25: error: --dport: 99999 is out of range for a port (0-65535) [bad-value]
 * //   -A INPUT -p tcp --dport 99999 -j ACCEPT
 * //                           ^~~~~
 * ```
 */
export function formatDiagnostic(d: Diagnostic, source?: string): string {
  const { line, column } = d.span.start;
  const message = d.message.length > 500 ? `${d.message.slice(0, 500)}…` : d.message;
  const head = `${d.file ?? "<input>"}:${line}:${column}: ${d.severity}: ${message} [${d.code}]`;
  if (source === undefined) return head;
  // Cut the line out around the offset: splitting the whole source per diagnostic is quadratic on big inputs.
  const offset = Math.min(d.span.start.offset, source.length);
  const lineStart = source.lastIndexOf("\n", offset - 1) + 1;
  const lineEnd = source.indexOf("\n", offset);
  const text = source.slice(lineStart, lineEnd === -1 ? source.length : lineEnd).slice(0, 1000);
  const shown = text.replace(/\r$/, "").replace(/\t/g, " ");
  const width = d.span.end.line === line ? Math.max(1, d.span.end.column - column) : Math.max(1, shown.length - column + 1);
  return `${head}\n  ${shown}\n  ${" ".repeat(Math.max(0, column - 1))}^${"~".repeat(Math.max(0, Math.min(width, 200) - 1))}`;
}
