/**
 * Agreement with the real kernel on the corpus (issue 4, item 7): every `*.rules` file under
 * test/fixtures/corpus (Docker, Podman, kube-proxy, Calico, Istio, ufw, OpenStack, the minikube seed, ...)
 * with its `.ipset` fixture is loaded with iptables-legacy-restore into one router and its translation with
 * nft -f into another, and packets generated from what its rules mention go through both (see
 * test/helpers/kernel-agreement.ts for what is compared).
 *
 * The router's interfaces take the names the rules test, so the rules see their own traffic: for the
 * interface a file names most (docker0, br-dummy, cali0 for `cali+`, ...) once as the way in from outside
 * and once as the way out, and a second named interface towards the first when there is one.
 *
 * Files the translator refuses (expected-refusals.json) are skipped with the reason. Files whose rulesets
 * the iptables evaluator does not model (rt, rpfilter) are still checked, kernel against kernel.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectFamily } from "../../src/parse/index.js";
import { corpusDir, corpusFiles, corpusIpsetText, expectedRefusals } from "../helpers/corpus.js";
import { type KernelCase, type KernelCaseResult, labPacketsFor, runKernelCase } from "../helpers/kernel-agreement.js";
import { type KernelLab, type RouterInterfaces, createKernelLab, kernelLabSkipReason } from "../helpers/kernel-lab.js";


/** Packets per interface orientation. */
const packetsPerRun = 150;

/** Interface names the rules test (`-i`/`-o`; a `+` wildcard gets a `0`), most often named first; never lo. */
function namedInterfaces(text: string): readonly string[] {
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/(?:^|\s)(?:-i|-o|--in-interface|--out-interface)\s+(\S+)/g)) {
    const raw = m[1] ?? "";
    const name = raw.endsWith("+") ? `${raw.slice(0, -1)}0` : raw;
    if (name === "lo" || name.length === 0 || name.length > 15) continue;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([n]) => n);
}

/** The router's interface names for one file: outside → most named, most named → outside, second → most named. */
function orientations(text: string): readonly RouterInterfaces[] {
  const named = namedInterfaces(text);
  const outside = named.includes("eth0") ? "wan9" : "eth0";
  const [first, second] = named;
  if (first === undefined) return [{ in: outside, out: "eth1" }];
  return [{ in: outside, out: first }, { in: first, out: outside }, ...(second === undefined ? [] : [{ in: second, out: first }])];
}

const results: { readonly name: string; readonly result: KernelCaseResult }[] = [];
const started = performance.now();

describe.skipIf(kernelLabSkipReason !== undefined)(`kernel agreement, corpus${kernelLabSkipReason === undefined ? "" : ` (skipped: ${kernelLabSkipReason})`}`, () => {
  let lab: KernelLab | undefined;
  beforeAll(() => {
    lab = createKernelLab("ktcorp");
  });
  afterAll(() => {
    lab?.destroy();
    const packets = results.reduce((n, r) => n + r.result.packets, 0);
    const lines = results.map((r) => `  ${r.name}: ${String(r.result.packets)} packets, ${String(r.result.rules)} counters${r.result.predicted ? "" : " (kernels only: not modelled by the evaluator)"}`);
    console.log([`kernel corpus agreement: ${String(results.length)} runs, ${String(packets)} packets, ${String(Math.round(performance.now() - started))} ms`, ...lines].join("\n"));
  });

  for (const file of corpusFiles.filter((f) => expectedRefusals[f] !== undefined)) {
    it.skip(`${file} (skipped: the translator refuses some of its rules: ${expectedRefusals[file]?.why ?? ""})`, () => undefined);
  }

  it.each(corpusFiles.filter((f) => expectedRefusals[f] === undefined))("%s", (file) => {
    if (lab === undefined) throw new Error("no lab");
    const text = readFileSync(join(corpusDir, file), "utf8");
    const ipsets = corpusIpsetText(file);
    const family = detectFamily(text);
    orientations(text).forEach((interfaces, n) => {
      const c: KernelCase = {
        name: `${file} [${interfaces.in} → ${interfaces.out}]`,
        family,
        iptables: text,
        ...(ipsets === undefined ? {} : { ipsets }),
        interfaces,
        packets: (rs, host) => labPacketsFor(rs, host, interfaces, packetsPerRun, 11 + n),
      };
      const result = runKernelCase(lab as KernelLab, c);
      if (process.env.KERNEL_REPORT !== undefined) console.log(result.report);
      expect(result.skipped, c.name).toBeUndefined();
      expect(result.disagreements, result.report).toEqual([]);
      results.push({ name: c.name, result });
    });
  });
});
