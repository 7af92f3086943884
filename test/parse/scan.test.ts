/**
 * The scanner (src/parse/scan.ts) is a fast path for the grammar's `Ruleset` rule: on every input it
 * accepts it must build exactly what the grammar builds, and it must decline every input the grammar
 * rejects. Checked on the corpus, on damaged corpus lines and files (test/arb/mutation.ts), and on text
 * made of the characters and words the grammar treats specially.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { grammarBuilder, type RawRuleset } from "../../src/parse/build.js";
import { parse as peggyParse } from "../../src/parse/generated/iptables-save-parser.js";
import { hasErrors } from "../../src/diagnostic/index.js";
import { detectFamily, parseRuleset } from "../../src/parse/index.js";
import { LineIndex } from "../../src/parse/lines.js";
import { assembleRuleset, lineSourceOf } from "../../src/parse/ruleset.js";
import { scanLines, scanRuleset } from "../../src/parse/scan.js";
import { arbMutatedFile, arbMutatedLine } from "../arb/mutation.js";
import { propertySeed } from "../arb/seed.js";

const corpusDir = fileURLToPath(new URL("../fixtures/corpus", import.meta.url));
const files = readdirSync(corpusDir, { recursive: true, encoding: "utf8" })
  .filter((p) => p.endsWith(".rules"))
  .sort()
  .map((p) => readFileSync(join(corpusDir, p), "utf8"));
const lines = [...new Set(files.flatMap((f) => f.split("\n")).filter((l) => l.trim() !== ""))].sort();

/** The grammar's parse, or undefined where it reports a syntax error. */
function grammar(text: string): RawRuleset | undefined {
  try {
    return peggyParse(text, { startRule: "Ruleset", build: grammarBuilder }) as RawRuleset;
  } catch {
    return undefined;
  }
}

/** How often the scanner accepted, so a property that only ever sees declines is noticed. */
const tally = { accepted: 0, declined: 0 };

function agrees(text: string): void {
  const scanned = scanRuleset(text);
  const parsed = grammar(text);
  if (scanned === undefined) {
    tally.declined++;
    return;
  }
  tally.accepted++;
  expect(parsed, "the scanner accepted text the grammar rejects").toBeDefined();
  expect(scanned).toEqual(parsed);
  // The streaming scanner decides the file's format before reading it; that guess must be the grammar's.
  expect(scanLines(text)?.hasTableHeader).toBe(parsed?.lines.some((l) => l?.t === "table"));
}

describe("scanner agrees with the grammar", () => {
  const seed = propertySeed();

  it.each(files.map((f, i) => [i, f] as const))("accepts corpus file %i and builds what the grammar builds", (_i, text) => {
    const scanned = scanRuleset(text);
    expect(scanned).toBeDefined();
    expect(scanned).toEqual(grammar(text));
  });

  it("on damaged corpus lines", () => {
    fc.assert(fc.property(arbMutatedLine(lines), agrees), { seed, numRuns: 5000 });
  });

  it("on damaged corpus files", () => {
    fc.assert(fc.property(arbMutatedFile(files, lines), agrees), { seed, numRuns: 300 });
  });

  it("on text made of the grammar's special characters and words", () => {
    const pieces = [" ", "  ", "\t", "\n", "\r\n", "\r", '"', '\\"', "\\", "!", "-", "--", "-A", "--dport", "-m", "x", "1", "#", "*", "*filter", ":", ":X", " - ", "[", "]", "[0:0]", "[12:345]", "COMMIT", "COMMITX", "a\"b", "é"];
    const arbText = fc.array(fc.constantFrom(...pieces), { maxLength: 40 }).map((p) => p.join(""));
    fc.assert(fc.property(arbText, agrees), { seed, numRuns: 20_000 });
  });

  afterAll(() => {
    // Most damaged inputs are still ordinary lines; if the scanner declined nearly all, the properties
    // above would prove little.
    expect(tally.accepted).toBeGreaterThan(tally.declined / 4);
  });
});

/** What parseRuleset gives through the grammar alone, without the scanner (the reference path). */
function viaGrammar(text: string): { value: unknown; codes: readonly string[] } | undefined {
  const raw = grammar(text);
  if (raw === undefined) return undefined;
  const { ruleset, diagnostics } = assembleRuleset(lineSourceOf(raw), new LineIndex(text), { family: detectFamily(text), defaultTable: "filter" });
  return { value: hasErrors(diagnostics) ? undefined : ruleset, codes: diagnostics.map((d) => `${d.code} ${d.message} @${String(d.span.start.offset)}`) };
}

/** The same summary of what parseRuleset gives. */
function viaParseRuleset(text: string): { value: unknown; codes: readonly string[] } {
  const { value, diagnostics } = parseRuleset(text);
  return { value, codes: diagnostics.map((d) => `${d.code} ${d.message} @${String(d.span.start.offset)}`) };
}

describe("parseRuleset gives what the grammar path gives", () => {
  const seed = propertySeed();

  it("on damaged corpus files, whether the scanner accepts them or not", () => {
    fc.assert(
      fc.property(arbMutatedFile(files, lines), (text) => {
        const reference = viaGrammar(text);
        if (reference === undefined) {
          expect(parseRuleset(text).diagnostics.map((d) => d.code)).toEqual(["syntax"]);
          return;
        }
        expect(viaParseRuleset(text)).toEqual(reference);
      }),
      { seed, numRuns: 300 },
    );
  });

  it("when the scanner declines the last line, after assembling the rest", () => {
    const text = `${files[0] ?? ""}[0:0]\n`;
    expect(scanRuleset(text)).toBeUndefined();
    const reference = viaGrammar(text);
    expect(reference?.codes).toEqual([expect.stringMatching(/^syntax expected a command such as -A CHAIN /)]);
    expect(viaParseRuleset(text)).toEqual(reference);
  });

  it("reports syntax errors located by the grammar", () => {
    const broken = '*filter\n-A INPUT -m comment --comment "unterminated\nCOMMIT\n';
    const { diagnostics } = parseRuleset(broken);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]?.code).toBe("syntax");
    expect(diagnostics[0]?.span.start.line).toBe(2);
  });
});
