/**
 * One place that turns a peggy SyntaxError into a located diagnostic, for every grammar of the project.
 * @module
 */
import type { Diagnostic } from "../diagnostic/index.js";
import type { LineIndex } from "./lines.js";

/** What peggy's generated parsers say they expected at the error. */
interface Expectation {
  readonly type: string;
  readonly text?: string;
  readonly description?: string;
}

/** The parts of a peggy SyntaxError this mapping reads. */
export interface PeggySyntaxErrorLike {
  readonly expected: readonly Expectation[];
  readonly found: string | null | undefined;
  readonly location: { readonly start: { readonly offset: number }; readonly end: { readonly offset: number } };
}

function describeExpectation(x: Expectation): string {
  if (x.type === "literal" && x.text !== undefined) return JSON.stringify(x.text);
  if (x.type === "end") return "end of input";
  return x.description ?? x.type;
}

/** A syntax-error diagnostic at the error's location, listing what was expected and what was found. */
export function syntaxErrorDiagnostic(e: PeggySyntaxErrorLike, lines: LineIndex, file: string | undefined): Diagnostic {
  const { start, end } = e.location;
  const expected = [...new Set(e.expected.map(describeExpectation))].sort();
  const found = e.found === null || e.found === undefined ? "end of input" : e.found === "\n" || e.found === "\r" ? "end of line" : JSON.stringify(e.found);
  return {
    severity: "error",
    code: "syntax",
    message: `expected ${expected.join(", ")} but found ${found}`,
    span: lines.span(start.offset, Math.max(end.offset, start.offset + 1)),
    expected,
    found,
    ...(file === undefined ? {} : { file }),
  };
}
