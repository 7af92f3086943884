/**
 * Checks the public API's documentation: every export of src/index.ts has a doc comment with an `@example`,
 * and every example type-checks against the public API, so examples cannot drift from the code they show.
 * `npm run docs:check` runs it and then typedoc with warnings as errors; test/docs/api-docs.test.ts runs both.
 * @module
 */
import { spawnSync } from "node:child_process";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";

/** The repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** One thing wrong with one export's documentation, located in the file that declares the export. */
export interface ApiDocProblem {
  readonly name: string;
  /** The declaring file, relative to the repository root, and the 1-based line of the declaration. */
  readonly where: string;
  readonly problem: string;
}

/** What the check saw: the public names, and what is wrong with their docs. */
export interface ApiDocReport {
  readonly exports: readonly string[];
  /** How many examples were type-checked. */
  readonly examples: number;
  readonly problems: readonly ApiDocProblem[];
}

/** One fenced TypeScript block of an `@example`, with the export it documents. */
interface ExampleBlock {
  readonly name: string;
  readonly where: string;
  readonly code: string;
}

const fence = /```(?:ts|typescript)\s*\n([\s\S]*?)```/g;

/**
 * The `@example` sections of a declaration's doc comment, read from the comment's text as typedoc reads it: a
 * line starting with `@` inside a code fence is code (TypeScript's own tag parser would take `@set` there for a tag).
 */
function exampleSections(decl: ts.Declaration): string[] {
  const docs = ts.getJSDocCommentsAndTags(decl).filter(ts.isJSDoc);
  const comment = docs.at(-1);
  if (comment === undefined) return [];
  const lines = comment
    .getText()
    .replace(/^\/\*\*|\*\/$/g, "")
    .split("\n")
    .map((l) => l.replace(/^\s*\* ?/, ""));
  const sections: string[] = [];
  let current: string[] | undefined;
  let inFence = false;
  for (const line of lines) {
    if (!inFence && /^@\w/.test(line)) {
      current = line.startsWith("@example") ? [] : undefined;
      if (current !== undefined) sections.push("");
      continue;
    }
    if (line.trimStart().startsWith("```")) inFence = !inFence;
    if (current !== undefined) {
      current.push(line);
      sections[sections.length - 1] = current.join("\n");
    }
  }
  return sections;
}

/** Names the examples may use without defining them: the inputs the reader has at hand (iptables-save and ipset save text). */
const examplePrelude = "declare const text: string;\ndeclare const ipsetText: string;\n";

function compilerOptions(entry: string): ts.CompilerOptions {
  const configPath = join(repoRoot, "tsconfig.json");
  const read = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  if (read.error !== undefined) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, repoRoot);
  // Examples import from "ipt2nft" as users do; the path mapping points that at the sources.
  return { ...parsed.options, noEmit: true, paths: { ipt2nft: [entry] }, baseUrl: repoRoot };
}

function locate(decl: ts.Declaration): string {
  const sf = decl.getSourceFile();
  const { line } = sf.getLineAndCharacterOfPosition(decl.getStart(sf));
  return `${relative(repoRoot, sf.fileName)}:${line + 1}`;
}

/** Code of an example, without its import lines: the prelude imports every public name itself. */
function exampleBody(code: string): string {
  return code
    .split("\n")
    .filter((l) => !/^\s*import\b.*\bfrom\s+["']ipt2nft["'];?\s*$/.test(l))
    .join("\n");
}

/**
 * Checks every export of `entry` (src/index.ts by default): a doc comment, at least one `@example` with a fenced
 * `ts` block, and examples that compile (strict, as the repository's tsconfig) when "ipt2nft" names `entry`.
 */
export function checkApiDocs(entry: string = join(repoRoot, "src/index.ts")): ApiDocReport {
  const options = compilerOptions(entry);
  const first = ts.createProgram([entry], options);
  const checker = first.getTypeChecker();
  const entryFile = first.getSourceFile(entry);
  const moduleSymbol = entryFile === undefined ? undefined : checker.getSymbolAtLocation(entryFile);
  if (moduleSymbol === undefined) throw new Error(`${entry} has no module symbol`);

  const problems: ApiDocProblem[] = [];
  const blocks: ExampleBlock[] = [];
  const values: string[] = [];
  const types: string[] = [];
  const exported = checker.getExportsOfModule(moduleSymbol);
  for (const symbol of exported) {
    const target = (symbol.flags & ts.SymbolFlags.Alias) !== 0 ? checker.getAliasedSymbol(symbol) : symbol;
    ((target.flags & ts.SymbolFlags.Value) !== 0 ? values : types).push(symbol.name);
    const decl = target.declarations?.[0];
    const where = decl === undefined ? "?" : locate(decl);
    const doc = ts.displayPartsToString(target.getDocumentationComment(checker)).trim();
    if (doc === "") problems.push({ name: symbol.name, where, problem: "no doc comment" });
    const examples = decl === undefined ? [] : exampleSections(decl);
    if (examples.length === 0) {
      problems.push({ name: symbol.name, where, problem: "no @example" });
      continue;
    }
    for (const text of examples) {
      const codes = [...text.matchAll(fence)].map((m) => m[1] ?? "");
      if (codes.length === 0) problems.push({ name: symbol.name, where, problem: "@example without a ```ts block" });
      for (const code of codes) blocks.push({ name: symbol.name, where, code });
    }
  }

  // Every example becomes a module of its own that imports the whole public API; its body sits in a block
  // so that its own `const text = ...` may shadow the prelude's.
  const imports = `import { ${[...values.map((v) => v), ...types.map((t) => `type ${t}`)].join(", ")} } from "ipt2nft";\n`;
  const virtual = new Map<string, string>();
  blocks.forEach((b, i) => {
    const body = exampleBody(b.code);
    virtual.set(join(repoRoot, `.api-examples/${String(i).padStart(3, "0")}-${b.name}.ts`), `${imports}${examplePrelude}{\n${body}\n}\nexport {};\n`);
  });
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const code = virtual.get(fileName);
    return code === undefined ? getSourceFile(fileName, languageVersion, onError, shouldCreate) : ts.createSourceFile(fileName, code, languageVersion, true);
  };
  host.fileExists = (fileName) => virtual.has(fileName) || fileExists(fileName);
  host.readFile = (fileName) => virtual.get(fileName) ?? readFile(fileName);
  const program = ts.createProgram({ rootNames: [entry, ...virtual.keys()], options, host, oldProgram: first });
  [...virtual.keys()].forEach((fileName, i) => {
    const block = blocks[i];
    const sf = program.getSourceFile(fileName);
    if (block === undefined || sf === undefined) return;
    const headerLines = imports.split("\n").length - 1 + examplePrelude.split("\n").length - 1 + 1;
    for (const d of ts.getPreEmitDiagnostics(program, sf)) {
      const line = d.start === undefined ? 0 : sf.getLineAndCharacterOfPosition(d.start).line - headerLines + 1;
      problems.push({ name: block.name, where: block.where, problem: `example line ${line}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}` });
    }
  });
  return { exports: exported.map((s) => s.name), examples: blocks.length, problems };
}

/** Runs typedoc without writing the site, warnings as errors (source links off: they need a git remote). */
export function runTypedocCheck(): { readonly ok: boolean; readonly output: string } {
  const typedoc = join(repoRoot, "node_modules/typedoc/bin/typedoc");
  const r = spawnSync(process.execPath, [typedoc, "--emit", "none", "--disableSources", "--treatWarningsAsErrors"], {
    cwd: repoRoot,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

function main(): void {
  const report = checkApiDocs();
  for (const p of report.problems) process.stderr.write(`${p.where}: ${p.name}: ${p.problem}\n`);
  process.stdout.write(`${report.exports.length} exports, ${report.examples} examples type-checked, ${report.problems.length} problems\n`);
  const typedoc = runTypedocCheck();
  if (!typedoc.ok) process.stderr.write(`typedoc reported warnings or errors:\n${typedoc.output}`);
  else process.stdout.write("typedoc: no warnings\n");
  process.exitCode = report.problems.length === 0 && typedoc.ok ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
