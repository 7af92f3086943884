#!/usr/bin/env node
/**
 * Benchmarks, run by `npm run bench` (which builds dist/ first). Writes a kube-proxy-shaped dump to
 * bench/out/, then runs each section against the built library and prints one table.
 *
 * Each measurement runs in a child process of its own, so its peak RSS is the work's and not this
 * script's (which holds the generated text), and so sections cannot warm each other's caches.
 *
 * Adding a section (say, translation time against iptables-restore-translate): append a
 * {@link BenchSection} to `sections` below. Its `measure` runs in the child with the dump's path and
 * returns what it measured; its `rows` turns that into table rows, in the parent.
 *
 * Usage: `node bench/run.mjs [--runs N] [--services N] [--endpoints N]`
 * @module
 */
import { Buffer } from "node:buffer";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { dirname, join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { defaultDumpOptions, generateKubeProxyDump } from "./gen-kubeproxy.mjs";

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = join(benchDir, "..");
const outDir = join(benchDir, "out");
const library = pathToFileURL(join(root, "dist", "index.js")).href;

/** Prints one line of the report. */
const say = (/** @type {string} */ line = "") => process.stdout.write(`${line}\n`);

/** Parse throughput the project aims for, in MB/s (10^6 bytes per second). */
const parseTargetMBps = 20;

/**
 * @typedef {object} Measurement
 * @property {number[]} timesMs Wall time of each timed run, warm-up excluded.
 * @property {number[]} cpuMs CPU time (user + system, all threads) of each timed run: less disturbed than
 *   wall time when the machine is busy with other work.
 * @property {number} maxRssKiB Peak resident set size of the measuring process.
 * @property {number} baseRssKiB Resident set size before the first run (runtime, library and input).
 * @property {Record<string, number | string>} facts Anything else the section wants to report.
 */

/**
 * @typedef {object} Row
 * @property {string} section
 * @property {string} what
 * @property {Measurement} m
 * @property {number} bytes Input size, for throughput.
 * @property {string} [note]
 */

/**
 * @typedef {object} BenchSection
 * @property {string} name Passed to the child as `--measure NAME`.
 * @property {(file: string, runs: number) => Promise<Measurement>} measure Runs in the child.
 * @property {(m: Measurement, input: { file: string, bytes: number, rules: number }) => Row[]} rows Runs in the parent.
 */

/** @returns {number} */
const rssKiB = () => Math.round(process.memoryUsage.rss() / 1024);

/** @type {BenchSection[]} */
const sections = [
  {
    name: "parse",
    measure: async (file, runs) => {
      // The lint's default project for .mjs files ignores JSDoc casts, so it sees `any` here.
      // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment
      const lib = /** @type {{ parseRuleset: (text: string, options?: { file?: string }) => { value: { tables: readonly { rules: readonly unknown[] }[] } | undefined, diagnostics: readonly { message: string }[] } }} */ (
        await import(library)
      );
      const text = readFileSync(file, "utf8");
      const baseRssKiB = rssKiB();
      /** @type {number[]} */
      const timesMs = [];
      /** @type {number[]} */
      const cpuMs = [];
      let rules = 0;
      let diagnostics = 0;
      // One untimed run first, so the JIT has compiled the parser before the clock starts.
      for (let i = 0; i <= runs; i++) {
        const cpuStart = process.cpuUsage();
        const start = performance.now();
        const { value, diagnostics: d } = lib.parseRuleset(text, { file });
        const ms = performance.now() - start;
        const cpu = process.cpuUsage(cpuStart);
        if (i > 0) {
          timesMs.push(ms);
          cpuMs.push((cpu.user + cpu.system) / 1000);
        }
        rules = value === undefined ? 0 : value.tables.reduce((n, t) => n + t.rules.length, 0);
        diagnostics = d.length;
        if (value === undefined) throw new Error(`parse failed: ${d.slice(0, 3).map((x) => x.message).join("; ")}`);
      }
      return { timesMs, cpuMs, maxRssKiB: process.resourceUsage().maxRSS, baseRssKiB, facts: { rules, diagnostics } };
    },
    rows: (m, input) => [
      {
        section: "parse",
        what: `parseRuleset ${relative(root, input.file)}`,
        m,
        bytes: input.bytes,
        note: `${String(m.facts.rules)} rules, ${String(m.facts.diagnostics)} diagnostics`,
      },
    ],
  },
  {
    // End to end, as an operator runs it: node start-up, read, parse, translate, print, write.
    name: "cli",
    measure: (file, runs) => Promise.resolve(timeCommand(process.execPath, [join(root, "dist", "cli.js"), file, "-o", "/dev/null"], runs)),
    rows: (m, input) => [{ section: "translate", what: `ipt2nft ${relative(root, input.file)} -o /dev/null`, m, bytes: input.bytes, note: `exit ${String(m.facts.exit)}` }],
  },
  {
    // The least any Node.js program does with the input: start, read, split into words, write them back.
    name: "floor",
    measure: (file, runs) => Promise.resolve(timeCommand(process.execPath, [join(benchDir, "floor.mjs"), file], runs)),
    rows: (m, input) => [{ section: "translate", what: `node bench/floor.mjs ${relative(root, input.file)} (split and rejoin only)`, m, bytes: input.bytes, note: `exit ${String(m.facts.exit)}` }],
  },
  {
    // The anchor: netfilter's translator on the same file, in the same run.
    name: "anchor",
    measure: (file, runs) => Promise.resolve(timeCommand("iptables-restore-translate", ["-f", file], runs)),
    rows: (m, input) => [{ section: "translate", what: `iptables-restore-translate -f ${relative(root, input.file)}`, m, bytes: input.bytes, note: `exit ${String(m.facts.exit)}` }],
  },
];

/**
 * Runs a command `runs` times after one warm-up and measures each run's wall time (and the children's CPU
 * time, from getrusage of this measuring process's children).
 * @param {string} cmd
 * @param {readonly string[]} args
 * @param {number} runs
 * @returns {Measurement}
 */
function timeCommand(cmd, args, runs) {
  /** @type {number[]} */
  const timesMs = [];
  /** @type {number[]} */
  const cpuMs = [];
  let exit = 0;
  for (let i = 0; i <= runs; i++) {
    const before = childCpuMs();
    const start = performance.now();
    const r = spawnSync(cmd, args, { stdio: ["ignore", "ignore", "ignore"] });
    const ms = performance.now() - start;
    if (r.error !== undefined) throw new Error(`${cmd}: ${r.error.message}`);
    exit = r.status ?? -1;
    if (i > 0) {
      timesMs.push(ms);
      cpuMs.push(childCpuMs() - before);
    }
  }
  // Node cannot read a child's peak RSS (getrusage RUSAGE_CHILDREN), so these rows report none.
  return { timesMs, cpuMs, maxRssKiB: 0, baseRssKiB: 0, facts: { exit } };
}

/** CPU time of this process's finished children, from /proc (user + system), in ms. */
function childCpuMs() {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]?.split(" ") ?? [];
  const ticks = Number(fields[13] ?? 0) + Number(fields[14] ?? 0);
  return (ticks * 1000) / 100;
}


/**
 * @param {readonly number[]} xs
 * @returns {number}
 */
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/**
 * @param {readonly string[]} argv
 * @param {string} flag
 * @param {number} fallback
 * @returns {number}
 */
function numberFlag(argv, flag, fallback) {
  const i = argv.indexOf(flag);
  const v = i === -1 ? undefined : Number(argv[i + 1]);
  return v === undefined || !Number.isFinite(v) ? fallback : v;
}

/** @param {readonly Row[]} rows */
function printTable(rows) {
  const header = ["section", "what", "size MB", "runs", "median ms", "min ms", "MB/s (median)", "median CPU ms", "MB/s (CPU)", "peak RSS MiB", "base RSS MiB", "note"];
  const body = rows.map((r) => {
    const med = median(r.m.timesMs);
    const cpu = median(r.m.cpuMs);
    return [
      r.section,
      r.what,
      (r.bytes / 1e6).toFixed(2),
      String(r.m.timesMs.length),
      med.toFixed(0),
      Math.min(...r.m.timesMs).toFixed(0),
      (r.bytes / 1e6 / (med / 1000)).toFixed(1),
      cpu.toFixed(0),
      (r.bytes / 1e6 / (cpu / 1000)).toFixed(1),
      (r.m.maxRssKiB / 1024).toFixed(0),
      (r.m.baseRssKiB / 1024).toFixed(0),
      r.note ?? "",
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? "").length)));
  const line = (/** @type {readonly string[]} */ cells) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  say(line(header));
  say(line(widths.map((w) => "-".repeat(w))));
  for (const row of body) say(line(row));
}

async function child() {
  const argv = process.argv.slice(2);
  const name = argv[argv.indexOf("--measure") + 1];
  const file = argv[argv.indexOf("--file") + 1] ?? "";
  const section = sections.find((s) => s.name === name);
  if (section === undefined) throw new Error(`no bench section ${String(name)}`);
  const m = await section.measure(file, numberFlag(argv, "--runs", 7));
  process.stdout.write(JSON.stringify(m));
}

function parent() {
  const argv = process.argv.slice(2);
  const runs = numberFlag(argv, "--runs", 7);
  const services = numberFlag(argv, "--services", defaultDumpOptions.services);
  const endpointsPerService = numberFlag(argv, "--endpoints", defaultDumpOptions.endpointsPerService);
  if (!existsSync(fileURLToPath(library))) throw new Error("dist/index.js is missing: run `npm run bench`, which builds first");

  const { text, rules } = generateKubeProxyDump({ services, endpointsPerService });
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `kubeproxy-${String(services)}x${String(endpointsPerService)}.rules`);
  // Rewrite only when the content changed, so the file's mtime says when the generator last changed it.
  if (!existsSync(file) || readFileSync(file, "utf8") !== text) writeFileSync(file, text);
  const bytes = Buffer.byteLength(text);
  say(`dump: ${relative(root, file)}, ${(bytes / 1e6).toFixed(2)} MB, ${String(rules)} rules (${String(services)} services x ${String(endpointsPerService)} endpoints)`);
  say(`node ${process.version}, ${String(runs)} timed runs after one warm-up, MB = 10^6 bytes\n`);

  /** @type {Row[]} */
  const rows = [];
  for (const s of sections) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--measure", s.name, "--file", file, "--runs", String(runs)], {
      encoding: "utf8",
      maxBuffer: 16 * 1024 * 1024,
      stdio: ["ignore", "pipe", "inherit"],
    });
    if (r.status !== 0) throw new Error(`bench section ${s.name} failed (exit ${String(r.status)})`);
    // Our own child's JSON; the JSDoc cast types it, which the lint's default project does not read.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment
    const m = /** @type {Measurement} */ (JSON.parse(r.stdout));
    rows.push(...s.rows(m, { file, bytes, rules }));
  }
  printTable(rows);

  const parse = rows.find((r) => r.section === "parse");
  if (parse !== undefined) {
    const mbps = parse.bytes / 1e6 / (median(parse.m.timesMs) / 1000);
    const cpuMbps = parse.bytes / 1e6 / (median(parse.m.cpuMs) / 1000);
    say(`\nparse: ${mbps.toFixed(1)} MB/s median wall time (${cpuMbps.toFixed(1)} MB/s by CPU time), target >= ${String(parseTargetMBps)} MB/s: ${mbps >= parseTargetMBps ? "met" : "NOT met"}`);
  }
  const ours = rows.find((r) => r.what.startsWith("ipt2nft"));
  const anchor = rows.find((r) => r.what.startsWith("iptables-restore-translate"));
  if (ours !== undefined && anchor !== undefined) {
    const ratio = median(ours.m.timesMs) / median(anchor.m.timesMs);
    const cpuRatio = median(ours.m.cpuMs) / median(anchor.m.cpuMs);
    say(`translate: ipt2nft / iptables-restore-translate = ${ratio.toFixed(2)}x wall time (${cpuRatio.toFixed(2)}x CPU time), target <= 0.5x: ${ratio <= 0.5 ? "met" : "NOT met"}`);
    const floor = rows.find((r) => r.what.startsWith("node bench/floor.mjs"));
    if (floor !== undefined) {
      const floorRatio = median(floor.m.timesMs) / median(anchor.m.timesMs);
      say(`floor: a Node.js program that only splits the file into words and writes them back takes ${floorRatio.toFixed(2)}x iptables-restore-translate's wall time (${(median(floor.m.cpuMs) / median(anchor.m.cpuMs)).toFixed(2)}x CPU time)`);
    }
  }
  const [load1] = loadavg();
  if (load1 !== undefined && load1 > availableParallelism()) say(`note: load average ${load1.toFixed(1)} on ${String(availableParallelism())} CPUs; wall times are inflated, CPU times less so`);
}

if (process.argv.includes("--measure")) await child();
else parent();
