/**
 * The real-world corpus in test/fixtures/corpus: its files, the refusals the translator must report, and
 * each file's ipset fixture (`<stem>.ipset` next to it).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import type { IpsetSave, Ruleset } from "../../src/ast/index.js";
import { formatDiagnostic } from "../../src/diagnostic/index.js";
import { parseIpsetSave, parseRuleset } from "../../src/parse/index.js";

/** The corpus directory. */
export const corpusDir = join(import.meta.dirname, "..", "fixtures", "corpus");

/** Every `*.rules` file under the corpus, relative to it (`public/x.rules`), sorted so the order is stable. */
export const corpusFiles: readonly string[] = readdirSync(corpusDir, { recursive: true, encoding: "utf8" })
  .filter((p) => p.endsWith(".rules"))
  .sort();

/** expected-refusals.json: for each file with untranslatable rules, "line: reason" per refusal and why. */
export const expectedRefusals = JSON.parse(readFileSync(join(corpusDir, "expected-refusals.json"), "utf8")) as Readonly<
  Record<string, { readonly refusals: readonly string[]; readonly why: string }>
>;

/** The text of a corpus file's ipset fixture, or undefined when it has none. */
export function corpusIpsetText(file: string): string | undefined {
  const path = join(corpusDir, dirname(file), `${basename(file, ".rules")}.ipset`);
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

/** A corpus file's ipset fixture, parsed; undefined when it has none. */
export function corpusIpsets(file: string): IpsetSave | undefined {
  const text = corpusIpsetText(file);
  if (text === undefined) return undefined;
  const name = relative(corpusDir, join(corpusDir, dirname(file), `${basename(file, ".rules")}.ipset`));
  const parsed = parseIpsetSave(text, { file: name });
  if (parsed.value === undefined) throw new Error(`bad ipset fixture ${name}: ${parsed.diagnostics.map((d) => d.message).join("; ")}`);
  return parsed.value;
}

/** A corpus file parsed; throws with the formatted errors when it does not parse cleanly. */
export function parseCorpusFile(file: string): Ruleset {
  const text = readFileSync(join(corpusDir, file), "utf8");
  const parsed = parseRuleset(text, { file });
  const errors = parsed.diagnostics.filter((d) => d.severity === "error");
  if (parsed.value === undefined || errors.length > 0) throw new Error(errors.map((d) => formatDiagnostic(d, text)).join("\n"));
  return parsed.value;
}
