/**
 * The package as users get it: `npm pack`, install the tarball into an empty project (offline: the package has
 * no runtime dependencies), then use it the ways users do: ESM `import` and CJS `require`, each type-checked by
 * the repository's `tsc` with node16-style resolution (so `exports` and both `.d.ts` files are what TypeScript
 * users see) and run with node, and `npx ipt2nft` on the bundled kube-proxy example.
 *
 * It packs the built `dist` as it is (`npm test` builds it first) and builds only when `dist` is missing.
 * @module
 */
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const example = "examples/kube-proxy-nat.rules";

/** What `npm pack --json` says about one tarball. */
interface PackInfo {
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

/** The package.json fields that decide what users can load. */
interface PackageFields {
  readonly main?: string;
  readonly module?: string;
  readonly types?: string;
  readonly bin?: Readonly<Record<string, string>>;
  readonly exports?: unknown;
  readonly dependencies?: Readonly<Record<string, string>>;
}

// npm passes its own configuration to scripts through npm_* variables (npm_config_local_prefix points at this
// repository); an `npm install` that inherited them would install here, not into the scratch project.
const cleanEnv: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== "INIT_CWD"));

const npmSkipReason = ((): string | undefined => {
  const r = spawnSync("npm", ["--version"], { encoding: "utf8", env: cleanEnv });
  return r.error !== undefined || r.status !== 0 ? "npm is not available" : undefined;
})();

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, env, encoding: "utf8", timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
}

function describeRun(what: string, r: SpawnSyncReturns<string>): string {
  return `${what}: exit ${String(r.status)}${r.error === undefined ? "" : ` (${r.error.message})`}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

/** Every file path a package.json field names (exports conditions included), without the leading `./`. */
function namedPaths(pkg: PackageFields): string[] {
  const paths: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === "string") paths.push(v);
    else if (v !== null && typeof v === "object") for (const x of Object.values(v)) walk(x);
  };
  walk([pkg.main, pkg.module, pkg.types, pkg.bin, pkg.exports]);
  return paths.map((p) => p.replace(/^\.\//, ""));
}

/**
 * Packs the repository into `dir`. Another test file may rebuild `dist` meanwhile (test/corpus.test.ts does when
 * the sources are newer), which deletes it first: a tarball that misses a file its entry points name, or a chunk
 * they import, is packed again a little later.
 */
function packInto(dir: string, pkg: PackageFields): PackInfo {
  let last = "";
  for (let attempt = 0; attempt < 4; attempt++) {
    if (attempt > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5_000);
    const r = run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], root);
    if (r.status !== 0) {
      last = describeRun("npm pack", r);
      continue;
    }
    const info = (JSON.parse(r.stdout) as PackInfo[])[0];
    if (info === undefined) throw new Error(`npm pack printed no package: ${r.stdout}`);
    const files = new Set(info.files.map((f) => f.path));
    const chunks = ["dist/index.js", "dist/cli.js"]
      .filter((f) => files.has(f))
      .flatMap((f) => [...readFileSync(join(root, f), "utf8").matchAll(/from "\.\/(chunk-[\w-]+\.js)"/g)].map((m) => `dist/${m[1] ?? ""}`));
    const missing = [...namedPaths(pkg), ...chunks].filter((p) => !files.has(p));
    if (missing.length === 0) return info;
    last = `the tarball lacks ${missing.join(", ")}`;
    rmSync(join(dir, info.filename), { force: true });
  }
  throw new Error(`could not pack a complete package: ${last}`);
}

const esmConsumer = `// @ts-check
import { readFileSync } from "node:fs";
import { formatDiagnostic, parseRuleset, printNftText, translate } from "ipt2nft";

const file = process.argv[2] ?? "-";
const text = readFileSync(file, "utf8");
const parsed = parseRuleset(text, { file });
if (parsed.value === undefined) throw new Error(parsed.diagnostics.map((d) => formatDiagnostic(d, text)).join("\\n"));
const translated = translate(parsed.value, { file });
if (translated.value === undefined) throw new Error(translated.diagnostics.map((d) => formatDiagnostic(d, text)).join("\\n"));
process.stdout.write(printNftText(translated.value.nft));

// Never called: proves the checker saw the package's types, not an untyped module.
export const typesAreLoaded = () => {
  // @ts-expect-error parseRuleset takes text
  parseRuleset(42);
};
`;

const cjsConsumer = `// @ts-check
const { readFileSync } = require("node:fs");
const { formatDiagnostic, parseRuleset, printNftText, translate } = require("ipt2nft");

const file = process.argv[2] ?? "-";
const text = readFileSync(file, "utf8");
const parsed = parseRuleset(text, { file });
if (parsed.value === undefined) throw new Error(parsed.diagnostics.map((d) => formatDiagnostic(d, text)).join("\\n"));
const translated = translate(parsed.value, { file });
if (translated.value === undefined) throw new Error(translated.diagnostics.map((d) => formatDiagnostic(d, text)).join("\\n"));
process.stdout.write(printNftText(translated.value.nft));

// Never called: proves the checker saw the package's types, not an untyped module.
module.exports.typesAreLoaded = () => {
  // @ts-expect-error translate takes a parsed ruleset
  translate("*filter\\nCOMMIT\\n");
};
`;

const tsEsmConsumer = `import { parseRuleset, printNftText, translate, type Diagnostic, type NftRuleset, type Ruleset, type TranslatedRuleset } from "ipt2nft";

export function toNft(text: string): string | readonly Diagnostic[] {
  const parsed = parseRuleset(text);
  const ruleset: Ruleset | undefined = parsed.value;
  if (ruleset === undefined) return parsed.diagnostics;
  const translated: TranslatedRuleset | undefined = translate(ruleset, { allowUntranslated: true }).value;
  const nft: NftRuleset | undefined = translated?.nft;
  return nft === undefined ? [] : printNftText(nft, { preamble: "replace-tables" });
}
`;

const tsCjsConsumer = `import ipt2nft = require("ipt2nft");

export function tables(text: string): readonly ipt2nft.TableName[] {
  const ruleset: ipt2nft.Ruleset | undefined = ipt2nft.parseRuleset(text).value;
  return ruleset?.tables.map((t) => t.name) ?? [];
}
`;

describe.skipIf(npmSkipReason !== undefined)(`the package as users get it${npmSkipReason === undefined ? "" : ` (skipped: ${npmSkipReason})`}`, () => {
  let scratch = "";
  let app = "";
  let pack: PackInfo = { filename: "", files: [] };
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as PackageFields;

  beforeAll(() => {
    if (!["dist/index.js", "dist/index.cjs", "dist/index.d.ts", "dist/cli.js"].every((f) => existsSync(join(root, f)))) {
      const built = run("npm", ["run", "build"], root);
      if (built.status !== 0) throw new Error(describeRun("npm run build", built));
    }
    scratch = mkdtempSync(join(tmpdir(), "ipt2nft-pack-"));
    pack = packInto(scratch, pkg);
    app = join(scratch, "app");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), `${JSON.stringify({ name: "ipt2nft-consumer", version: "0.0.0", private: true }, null, 2)}\n`);
    // A cache of its own, offline: the install must need nothing but the tarball.
    const installed = run("npm", ["install", "--no-audit", "--no-fund", "--offline", "--ignore-scripts", "--cache", join(scratch, "npm-cache"), join(scratch, pack.filename)], app);
    if (installed.status !== 0) throw new Error(describeRun("npm install (offline) of the tarball", installed));
    writeFileSync(join(app, "esm.mjs"), esmConsumer);
    writeFileSync(join(app, "cjs.cjs"), cjsConsumer);
    writeFileSync(join(app, "consumer.mts"), tsEsmConsumer);
    writeFileSync(join(app, "consumer.cts"), tsCjsConsumer);
  });

  afterAll(() => {
    if (scratch !== "") rmSync(scratch, { recursive: true, force: true });
  });

  it("has no runtime dependencies", () => {
    expect(pkg.dependencies ?? {}).toEqual({});
  });

  it("ships dist, the examples and the docs, and no sources, tests or fixtures", () => {
    const paths = pack.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(["package.json", "README.md", "CHANGELOG.md", example, ...namedPaths(pkg)]));
    expect(paths.filter((p) => !/^(dist|examples)\//.test(p) && !["package.json", "README.md", "CHANGELOG.md", "LICENSE"].includes(p))).toEqual([]);
    expect(paths.filter((p) => /(^|\/)(test|tests|fixtures|src|grammar)\//.test(p) || /\.test\.[cm]?[jt]s$/.test(p))).toEqual([]);
  });

  it("type-checks ESM and CJS consumers, JavaScript and TypeScript, with node16 resolution against the installed package", () => {
    const tsc = join(root, "node_modules/typescript/bin/tsc");
    for (const resolution of ["node16", "nodenext"]) {
      const args = [tsc, "--noEmit", "--strict", "--module", resolution, "--moduleResolution", resolution, "--target", "es2022"];
      // The consumer project has no @types/node of its own; it borrows the repository's. No skipLibCheck:
      // the package's declaration files must check too.
      args.push("--allowJs", "--checkJs", "--typeRoots", join(root, "node_modules/@types"), "--types", "node", "esm.mjs", "cjs.cjs", "consumer.mts", "consumer.cts");
      const r = run(process.execPath, args, app);
      expect(r.status, describeRun(`tsc --module ${resolution}`, r)).toBe(0);
    }
  });

  it("runs both consumers and `npx ipt2nft` on the bundled example, with the same nft output", () => {
    const input = join(app, "node_modules/ipt2nft", example);
    const esm = run(process.execPath, ["esm.mjs", input], app);
    expect(esm.status, describeRun("node esm.mjs", esm)).toBe(0);
    expect(esm.stdout).toMatch(/^table ip nat \{$/m);
    expect(esm.stdout).toContain("chain KUBE-SERVICES {");
    const cjs = run(process.execPath, ["cjs.cjs", input], app);
    expect(cjs.status, describeRun("node cjs.cjs", cjs)).toBe(0);
    expect(cjs.stdout).toBe(esm.stdout);
    const npx = run("npx", ["--offline", "--no", "ipt2nft", input], app, { ...cleanEnv, npm_config_cache: join(scratch, "npm-cache") });
    expect(npx.status, describeRun("npx ipt2nft", npx)).toBe(0);
    expect(npx.stdout).toBe(esm.stdout);
  });
});
