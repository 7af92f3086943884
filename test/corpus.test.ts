/**
 * The real-world corpus (test/fixtures/corpus): every dump parses without errors, its canonical print
 * parses back to the same AST, both the original and the canonical print load into the kernel
 * (`iptables-legacy-restore --test` in a throwaway network namespace), and the built CLI's `fmt` prints
 * what the library prints.
 */
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatDiagnostic } from "../src/diagnostic/index.js";
import { parseRuleset } from "../src/parse/index.js";
import { printRuleset } from "../src/ast/print.js";
import type { Ruleset } from "../src/ast/rule.js";
import { stripSpans } from "./helpers/ast.js";
import { canUseNetns, type ExecResult, hasCommand, type Netns, withNetns } from "./helpers/netns.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const corpusDir = join(root, "test", "fixtures", "corpus");

/** Every `*.rules` file under the corpus directory, sorted so test order is stable. */
const corpusFiles: readonly string[] = readdirSync(corpusDir, { recursive: true, encoding: "utf8" })
  .filter((p) => p.endsWith(".rules"))
  .map((p) => join(corpusDir, p))
  .sort();

/** The ipset fixture a rules file needs, `<stem>.ipset` next to it, if there is one. */
function ipsetFixture(rulesFile: string): string | undefined {
  const p = join(dirname(rulesFile), `${basename(rulesFile, ".rules")}.ipset`);
  return existsSync(p) ? p : undefined;
}

const name = (file: string): string => relative(corpusDir, file);

/** Parses a file that must parse, failing with every diagnostic formatted when it does not. */
function parseOrFail(text: string, file: string): Ruleset {
  const { value, diagnostics } = parseRuleset(text, { file });
  const shown = diagnostics.map((d) => formatDiagnostic(d, text)).join("\n");
  expect(diagnostics, shown).toEqual([]);
  if (value === undefined) throw new Error(`${file}: no ruleset and no diagnostics`);
  return value;
}

describe("corpus fixtures", () => {
  it("finds the corpus", () => {
    expect(corpusFiles.length).toBeGreaterThanOrEqual(20);
  });

  describe.each(corpusFiles.map((f) => [name(f), f] as const))("%s", (_label, file) => {
    const text = readFileSync(file, "utf8");

    it("parses without diagnostics", () => {
      parseOrFail(text, name(file));
    });

    it("prints a canonical form that parses back to the same AST", () => {
      const ast = parseOrFail(text, name(file));
      const printed = printRuleset(ast);
      const again = parseOrFail(printed, `${name(file)} (canonical)`);
      expect(stripSpans(again)).toEqual(stripSpans(ast));
      // Canonical means a fixed point: printing the re-parsed AST changes nothing.
      expect(printRuleset(again)).toBe(printed);
    });
  });
});

const kernelTools = ["ip", "ipset", "iptables-legacy-restore", "ip6tables-legacy-restore"];
const missingTools = kernelTools.filter((c) => !hasCommand(c));
const kernelSkipReason = !canUseNetns()
  ? "kernel check skipped: needs root on Linux to create network namespaces"
  : missingTools.length > 0
    ? `kernel check skipped: missing ${missingTools.join(", ")}`
    : undefined;

/** Loads `text` with `--test` (parse and check every rule in the kernel, commit nothing). */
function restoreTest(ns: Netns, family: Ruleset["family"], text: string): ExecResult {
  return ns.exec(family === "ipv6" ? "ip6tables-legacy-restore" : "iptables-legacy-restore", ["--test"], text);
}

describe.skipIf(kernelSkipReason !== undefined)(`corpus in the kernel${kernelSkipReason === undefined ? "" : ` (${kernelSkipReason})`}`, () => {
  it.each(corpusFiles.map((f) => [name(f), f] as const))("%s loads with iptables-legacy-restore --test, original and canonical", async (label, file) => {
    const text = readFileSync(file, "utf8");
    const ast = parseOrFail(text, label);
    const printed = printRuleset(ast);
    await withNetns("ipt2nft-corpus", (ns) => {
      const sets = ipsetFixture(file);
      if (sets !== undefined) {
        const restored = ns.exec("ipset", ["restore"], readFileSync(sets, "utf8"));
        expect(restored.code, `ipset restore ${name(sets)}: ${restored.stderr}`).toBe(0);
      }
      // The original first: if the kernel refuses it, the environment (a missing module) is at fault, not us.
      const original = restoreTest(ns, ast.family, text);
      expect(original.code, `the kernel refuses the ORIGINAL file, so this is the environment, not ipt2nft:\n${original.stderr}`).toBe(0);
      const canonical = restoreTest(ns, ast.family, printed);
      expect(canonical.code, `the kernel accepts the original but refuses ipt2nft's CANONICAL print:\n${canonical.stderr}\n--- canonical text ---\n${printed}`).toBe(0);
    });
  });
});

describe("ipt2nft fmt (built CLI)", () => {
  const cli = join(root, "dist", "cli.js");
  let scratch = "";

  beforeAll(() => {
    // `npm test` builds first (pretest). When this file is run alone, rebuild a missing or stale dist so the
    // CLI is compared with the sources it was built from.
    if (!existsSync(cli) || newestMtime([join(root, "src"), join(root, "grammar")]) > statSync(cli).mtimeMs) {
      const built = spawnSync("npm", ["run", "build"], { cwd: root, encoding: "utf8" });
      if (built.status !== 0) throw new Error(`npm run build failed:\n${built.stdout}\n${built.stderr}`);
    }
    scratch = mkdtempSync(join(tmpdir(), "ipt2nft-cli-"));
  });

  afterAll(() => {
    if (scratch !== "") rmSync(scratch, { recursive: true, force: true });
  });

  const fmt = (file: string): SpawnSyncReturns<string> =>
    spawnSync(process.execPath, [cli, "fmt", file], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });

  it.each(corpusFiles.map((f) => [name(f), f] as const))("fmt %s exits 0 and prints what printRuleset prints", (label, file) => {
    const ast = parseOrFail(readFileSync(file, "utf8"), label);
    const r = fmt(file);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(printRuleset(ast));
  });

  it("exits 2 on a broken input, with file:line:col and a caret line on stderr", () => {
    const broken = join(scratch, "broken.rules");
    writeFileSync(broken, "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 99999 -j ACCEPT\nCOMMIT\n");
    const r = fmt(broken);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.split("\n");
    expect(lines[0]).toMatch(new RegExp(`^${escapeRegExp(broken)}:3:\\d+: error: .+ \\[bad-value\\]$`));
    expect(lines[1]).toBe("  -A INPUT -p tcp --dport 99999 -j ACCEPT");
    const column = Number(/:3:(\d+):/.exec(lines[0] ?? "")?.[1]);
    // The caret sits under the column the header names (the line is indented by two spaces).
    expect(lines[2]).toMatch(new RegExp(`^ {${column + 1}}\\^~*$`));
  });
});

/** The latest modification time of any file under the given directories. */
function newestMtime(dirs: readonly string[]): number {
  let newest = 0;
  for (const d of dirs)
    for (const p of readdirSync(d, { recursive: true, encoding: "utf8" })) newest = Math.max(newest, statSync(join(d, p)).mtimeMs);
  return newest;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
