/**
 * netfilter's own txlate cases against our translation, judged by the real nft (see classify.ts): our output
 * loads wherever this kernel can load it, nothing is refused or broken where netfilter's form loads, every
 * difference is explained in differences.ts, and docs/txlate.md is current.
 */
import { existsSync, readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { kernelSkipReason } from "../helpers/translate.js";
import { hasTxlate } from "../helpers/txlate.js";
import type { ClassifiedCase } from "./classify.js";
import { differences } from "./differences.js";
import { classifyAllCases, renderTxlateReport, txlateReportPath } from "./report.js";

const skipReason = !hasTxlate ? "../shared/conformance/txlate is absent" : kernelSkipReason;
if (skipReason !== undefined) console.warn(`skipping txlate conformance: ${skipReason}`);

/** One line per case for failure messages: where, what, and how each side fared. */
function describeCase(c: ClassifiedCase): string {
  const load = (o: ClassifiedCase["oursLoad"]): string => (o === undefined ? "not loaded" : o.loads ? "loads" : `fails: ${o.error}`);
  const flat = (s: string): string => s.replace(/\n/g, " / ");
  const listed =
    c.listings === undefined
      ? ""
      : c.listings.expected !== c.listings.ours
        ? `\n    nft lists netfilter's as: ${flat(c.listings.expected)}\n    nft lists ours as:        ${flat(c.listings.ours)}`
        : `\n    listed alike, but the bytecode differs:\n    netfilter's: ${flat(c.listings.expectedBytecode)}\n    ours:        ${flat(c.listings.oursBytecode)}`;
  return `${c.key} ${c.txlate.tool} ${c.txlate.command}\n    expected: ${c.expected.join(" / ")} (${load(c.expectedLoad)})\n    ours:     ${c.ours?.join(" / ") ?? "-"} (${load(c.oursLoad)})\n    ${c.class}: ${c.reason ?? "(no reason)"}${listed}`;
}

describe.skipIf(skipReason !== undefined)("netfilter txlate conformance", () => {
  let cases: ClassifiedCase[] = [];
  beforeAll(() => {
    cases = classifyAllCases();
  });

  it("our translation loads wherever this kernel has the feature", () => {
    const broken = cases.filter((c) => c.class === "broken");
    expect(broken.map(describeCase)).toEqual([]);
  });

  it("refuses nothing that netfilter's form loads, unless differences.ts says why netfilter's form is wrong", () => {
    const refused = cases.filter((c) => c.class === "refused" && c.expectedLoad?.loads === true && differences[c.key] === undefined);
    expect(refused.map(describeCase)).toEqual([]);
  });

  it("explains every difference, and differences.ts has no stale entries", () => {
    expect(cases.filter((c) => c.class === "different-on-purpose" && c.reason === undefined).map(describeCase)).toEqual([]);
    const byKey = new Map(cases.map((c) => [c.key, c]));
    const needed = (c: ClassifiedCase | undefined): boolean =>
      c !== undefined && (c.class === "different-on-purpose" || c.class === "not-loadable-here" || (c.class === "refused" && c.expectedLoad?.loads === true));
    const stale = Object.keys(differences).filter((k) => !needed(byKey.get(k)));
    expect(stale.map((k) => `${k}: ${byKey.get(k)?.class ?? "no such case"}`)).toEqual([]);
  });

  it("docs/txlate.md is current (regenerate with `npm run docs:txlate`)", () => {
    const current = existsSync(txlateReportPath) ? readFileSync(txlateReportPath, "utf8") : "";
    const generated = renderTxlateReport(cases);
    if (current !== generated) {
      const a = current.split("\n");
      const b = generated.split("\n");
      let at = 0;
      while (at < Math.max(a.length, b.length) && a[at] === b[at]) at++;
      expect.fail(`docs/txlate.md is out of date: run \`npm run docs:txlate\`\nfirst difference at line ${at + 1}:\n  docs:      ${a[at] ?? "(end)"}\n  generated: ${b[at] ?? "(end)"}`);
    }
  });
});
