/**
 * Fuzzing the parser with damaged real input: seeded random mutations of corpus lines and whole corpus
 * files (test/arb/mutation.ts). Whatever the input, the parser must return, never throw; give a ruleset or
 * an error; locate every diagnostic inside the input; and finish each input in under a second. An input
 * it accepts must also survive its own canonical print: the printed text parses to the same AST.
 *
 * `FC_SEED=<n>` replays a run; a failure reports the seed and the shrunk input.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { printRuleset } from "../../src/ast/index.js";
import { type Diagnostic, formatDiagnostic } from "../../src/diagnostic/index.js";
import { parseCommand, parseRuleset } from "../../src/parse/index.js";
import { stripSpans } from "../helpers/ast.js";
import { arbMutatedFile, arbMutatedLine } from "../arb/mutation.js";
import { propertySeed } from "../arb/seed.js";

const seed = propertySeed();
const lineRuns = 10_000;
const fileRuns = 1000;
const timeLimitMs = 1000;

/** The corpus: the test fixtures, or the shared corpus next to the working tree before they exist. */
function corpusDir(): string {
  const fixtures = fileURLToPath(new URL("../fixtures/corpus", import.meta.url));
  return existsSync(fixtures) ? fixtures : fileURLToPath(new URL("../../../shared/corpus", import.meta.url));
}

function rulesFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? rulesFiles(join(dir, e.name)) : e.name.endsWith(".rules") ? [join(dir, e.name)] : []))
    .sort();
}

const files = rulesFiles(corpusDir()).map((f) => readFileSync(f, "utf8"));
const lines = [...new Set(files.flatMap((f) => f.split("\n")).filter((l) => l.trim() !== ""))].sort();

/** Inputs earlier runs found mishandled (see test/parse/regressions.test.ts); always tried first. */
const foundLines: readonly string[] = [
  // A quoted module name with blanks: accepted, printed bare, no longer parsed.
  '-A INPUT -m  "KUBE-ROUTER rule to explicitly ACCEPT traffic that comply to network policies" -m mark --mark 0x20000/0x20000 -j ACCEPT',
  // A quoted chain name with blanks, declared and used in the commands form.
  '-N "a b"\n-A "a b" -j ACCEPT\n-A INPUT -j "a b"',
  // An IPv6 NAT address starting with `::`, read as a port.
  "-t nat -A PREROUTING -j DNAT --to-destination ::1",
];

/** The slowest input seen, per kind of input. */
const slowest = new Map<string, { ms: number; input: string }>();

function timed<T>(kind: string, input: string, run: () => T): T {
  const start = performance.now();
  const out = run();
  const ms = performance.now() - start;
  const prev = slowest.get(kind);
  if (prev === undefined || ms > prev.ms) slowest.set(kind, { ms, input });
  if (ms > timeLimitMs) throw new Error(`${kind} took ${ms.toFixed(0)} ms (limit ${timeLimitMs} ms) on ${JSON.stringify(input.slice(0, 500))}`);
  return out;
}

/** Line and column of an offset, counted here rather than trusted from the parser. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lastBreak = before.lastIndexOf("\n");
  return { line: before.split("\n").length, column: offset - lastBreak };
}

/** Every span lies inside the text, and its line and column agree with its offset. */
function expectLocatedInside(text: string, diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics) {
    const { start, end } = d.span;
    const where = `${formatDiagnostic(d, text)}\n(span ${JSON.stringify(d.span)}, input length ${text.length})`;
    if (!(start.offset >= 0 && start.offset <= end.offset && end.offset <= text.length)) throw new Error(`span outside the input: ${where}`);
    for (const p of [start, end]) {
      const lc = lineColumn(text, p.offset);
      if (p.line !== lc.line || p.column !== lc.column) throw new Error(`span position ${p.line}:${p.column} does not match offset ${p.offset} (${lc.line}:${lc.column}): ${where}`);
    }
  }
}

/** A result either has a value or says why not. */
function expectValueOrError(value: unknown, diagnostics: readonly Diagnostic[]): void {
  if (value === undefined && !diagnostics.some((d) => d.severity === "error")) throw new Error("no value and no error diagnostic");
}

/** Parses as a ruleset; when accepted, the canonical print must parse back to the same AST. */
function checkRuleset(text: string): void {
  const { value, diagnostics } = timed("parseRuleset", text, () => parseRuleset(text));
  expectValueOrError(value, diagnostics);
  expectLocatedInside(text, diagnostics);
  if (value === undefined) return;
  const printed = printRuleset(value);
  const again = timed("parseRuleset (reprint)", printed, () => parseRuleset(printed, { family: value.family }));
  if (again.value === undefined) {
    throw new Error(`accepted input whose print does not parse:\n${again.diagnostics.map((d) => formatDiagnostic(d, printed)).join("\n")}\n--- printed:\n${printed}`);
  }
  expect(stripSpans(again.value)).toEqual(stripSpans(value));
}

/** Parses as one command line. */
function checkCommand(text: string): void {
  const { value, diagnostics } = timed("parseCommand", text, () => parseCommand(text));
  expectValueOrError(value, diagnostics);
  expectLocatedInside(text, diagnostics);
}

describe("fuzzing the parser with damaged corpus input", () => {
  afterAll(() => {
    const report = [...slowest].map(([kind, { ms, input }]) => `${kind}: ${ms.toFixed(1)} ms (${input.length} chars)`);
    console.info(`fuzz seed ${seed}; slowest input per parse: ${report.join("; ")}`);
  });

  it("has a corpus to mutate", () => {
    expect(files.length).toBeGreaterThan(0);
    expect(lines.length).toBeGreaterThan(100);
  });

  it(`survives ${lineRuns} mutated lines, as a ruleset and as a command`, () => {
    fc.assert(
      fc.property(arbMutatedLine(lines), (line) => {
        checkRuleset(line);
        checkCommand(line);
      }),
      { seed, numRuns: lineRuns, examples: foundLines.map((l) => [l]) },
    );
  });

  it(`survives ${fileRuns} mutated whole files`, () => {
    fc.assert(
      fc.property(arbMutatedFile(files, lines), (text) => {
        checkRuleset(text);
      }),
      { seed, numRuns: fileRuns },
    );
  });
});
