/**
 * Every corpus dump translates, and both the nft text and the libnftables JSON load with `nft -c` in a
 * fresh network namespace. Where a dump has rules with no nft equivalent, the refusal list names exactly
 * the expected ones (test/fixtures/corpus/expected-refusals.json), and the `--allow-untranslated` output
 * loads.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { IpsetSave } from "../../src/ast/ipset.js";
import { printNftJsonText, printNftText } from "../../src/nft/index.js";
import { parseIpsetSave, parseRuleset } from "../../src/parse/index.js";
import { translate } from "../../src/translate/index.js";
import { kernelSkipReason, nftCheck } from "../helpers/translate.js";

const corpus = join(import.meta.dirname, "..", "fixtures", "corpus");
const files = ["public", "seed"].flatMap((d) =>
  readdirSync(join(corpus, d))
    .filter((f) => f.endsWith(".rules"))
    .sort()
    .map((f) => join(d, f)),
);

/** For each file with untranslatable rules: "line: module" for each refused construct. */
const expectedRefusals = JSON.parse(readFileSync(join(corpus, "expected-refusals.json"), "utf8")) as Record<string, { readonly refusals: readonly string[]; readonly why: string }>;

function ipsetsFor(file: string): IpsetSave | undefined {
  const path = join(corpus, file.replace(/\.rules$/, ".ipset"));
  if (!existsSync(path)) return undefined;
  const r = parseIpsetSave(readFileSync(path, "utf8"), { file: path });
  if (r.value === undefined) throw new Error(`bad ipset fixture ${path}: ${r.diagnostics.map((d) => d.message).join("; ")}`);
  return r.value;
}

function translateFile(file: string, allowUntranslated: boolean) {
  const parsed = parseRuleset(readFileSync(join(corpus, file), "utf8"), { file });
  if (parsed.value === undefined) throw new Error(`${file} does not parse`);
  const ipsets = ipsetsFor(file);
  return translate(parsed.value, { file, allowUntranslated, ...(ipsets === undefined ? {} : { ipsets }) });
}

function refusalKeys(diagnostics: readonly { code: string; span: { start: { line: number } }; message: string }[]): string[] {
  return diagnostics.filter((d) => d.code === "untranslatable").map((d) => `${d.span.start.line}: ${d.message.replace(/^table \S+, chain \S+: /, "")}`);
}

describe("corpus translation", () => {
  it("covers all 26 corpus files", () => {
    expect(files.length).toBe(26);
  });

  it.each(files)("%s translates, refusing exactly the expected rules", (file) => {
    const expected = expectedRefusals[file];
    const strict = translateFile(file, false);
    if (expected === undefined) {
      expect(refusalKeys(strict.diagnostics)).toEqual([]);
      expect(strict.value).toBeDefined();
      return;
    }
    expect(strict.value).toBeUndefined();
    expect(refusalKeys(strict.diagnostics)).toEqual(expected.refusals);
    const lenient = translateFile(file, true);
    expect(lenient.value?.untranslated.length).toBeGreaterThan(0);
    expect(lenient.diagnostics.every((d) => d.severity !== "error")).toBe(true);
  });

  it.skipIf(kernelSkipReason !== undefined)(`text and JSON of every file load into a fresh namespace (nft -f, which also runs the checks nft -c skips)${kernelSkipReason === undefined ? "" : ` (skipped: ${kernelSkipReason})`}`, () => {
    const failures: string[] = [];
    let loaded = 0;
    for (const file of files) {
      const t = translateFile(file, expectedRefusals[file] !== undefined);
      const nft = t.value?.nft;
      if (nft === undefined) {
        failures.push(`${file}: no translation`);
        continue;
      }
      const text = printNftText(nft);
      const json = printNftJsonText(nft);
      JSON.parse(json); // nft -j -f falls back to the text parser on non-JSON input: make sure it is JSON.
      const textErr = nftCheck(text, "text");
      const jsonErr = nftCheck(json, "json");
      if (textErr !== "") failures.push(`${file} (text): ${textErr}`);
      if (jsonErr !== "") failures.push(`${file} (json): ${jsonErr}`);
      if (textErr === "" && jsonErr === "") loaded++;
    }
    expect(failures).toEqual([]);
    expect(loaded).toBe(26);
  });
});
