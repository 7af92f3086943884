/**
 * `ipt2nft host` in-process: options and usage errors, --from directories, exit codes, the summary on
 * stderr and in JSON, progress only on a terminal, and --apply through a fake host.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { parseHostArgs } from "../../src/cli/host.js";
import { runCli } from "../../src/cli/run.js";
import type { CommandRunner, HostSummary } from "../../src/host/index.js";
import { FakeHost, legacyDump } from "../host/fake-host.js";

async function run(argv: readonly string[], options: { stdin?: string; runner?: CommandRunner; tty?: boolean } = {}): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(argv, {
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
    stdin: Readable.from([options.stdin ?? ""]),
    isStderrTTY: options.tty ?? false,
    ...(options.runner === undefined ? {} : { run: options.runner }),
  });
  return { code, out, err };
}

const tmp = (): string => mkdtempSync(join(tmpdir(), "ipt2nft-host-cli-"));

function dumpDir(files: Record<string, string>): string {
  const dir = tmp();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const ip6 = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p ipv6-icmp -j ACCEPT\nCOMMIT\n";

describe("parseHostArgs", () => {
  it("has safe defaults", () => {
    expect(parseHostArgs([])).toEqual({
      options: { output: "ipt2nft-host.nft", exclude: [], iptables: "default", allowUntranslated: false, check: true, diagnosticsJson: false, apply: false, confirmTimeout: 30 },
    });
  });
  it.each([
    [["--exclude-managed", "dockr"], "--exclude-managed: unknown manager dockr"],
    [["--iptables", "xt"], "--iptables takes legacy or nft"],
    [["--confirm-timeout", "0"], "--confirm-timeout takes a number of seconds"],
    [["--confirm-timeout", "soon"], "--confirm-timeout takes a number of seconds"],
    [["--from"], "--from needs a value"],
    [["rules.txt"], "host takes no file argument"],
    [["--json"], "unknown option --json"],
  ])("refuses %j", (argv, message) => {
    const r = parseHostArgs(argv);
    expect("exit" in r && r.exit === 2 && (r.message ?? "").startsWith(message)).toBe(true);
  });
  it("merges repeated --exclude-managed lists", () => {
    const r = parseHostArgs(["--exclude-managed", "docker", "--exclude-managed", "kube-proxy,docker"]);
    expect("options" in r && r.options.exclude).toEqual(["docker", "kube-proxy"]);
  });
});

describe("ipt2nft host --from", () => {
  it("writes the .nft file and a summary, and exits 0", async () => {
    const dir = dumpDir({ "iptables-save.txt": legacyDump, "ip6tables-save.txt": ip6 });
    const output = join(dir, "out.nft");
    const r = await run(["host", "--from", dir, "-o", output, "--no-check", "--summary-json", join(dir, "s.json")]);
    expect(r.code).toBe(0);
    expect(r.out).toBe("");
    const text = readFileSync(output, "utf8");
    expect(text).toContain("delete table ip6 filter\n");
    expect(text).toContain("table ip nat {");
    expect(r.err).toContain("ipt2nft host: summary\n");
    expect(r.err).toContain(`  written: ${output} (loading it replaces only ip nat, ip filter, ip6 filter)`);
    expect(r.err).toContain("ipset-save.txt does not exist");
    expect(r.err).toContain("validation: not checked (--no-check)");
    const summary = JSON.parse(readFileSync(join(dir, "s.json"), "utf8")) as HostSummary;
    expect(summary.families.map((f) => f.family)).toEqual(["ipv4", "ipv6"]);
    expect(summary.output).toBe(output);
    expect(summary.managers[0]?.id).toBe("docker");
  });

  it("lists each removed jump when a manager is excluded", async () => {
    const dir = dumpDir({ "iptables-save.txt": legacyDump });
    const r = await run(["host", "--from", dir, "-o", join(dir, "o.nft"), "--no-check", "--exclude-managed", "docker"]);
    expect(r.code).toBe(0);
    expect(r.err).toContain("removed (jumps into docker's DOCKER-USER): IPv4 filter line 24: -A FORWARD -j DOCKER-USER");
    expect(r.err).toContain("Docker 29 and later can write nftables rules itself");
    expect(r.err).toContain("an accept in one table");
    expect(readFileSync(join(dir, "o.nft"), "utf8")).not.toContain("DOCKER");
  });

  it("refuses untranslatable rules with exit 1, lists them, and writes no file", async () => {
    const dir = dumpDir({ "iptables-save.txt": "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -m string --algo bm --string evil -j DROP\nCOMMIT\n" });
    const output = join(dir, "o.nft");
    const r = await run(["host", "--from", dir, "-o", output, "--no-check"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/iptables-save\.txt:5:\d+: error: .*\[untranslatable\]/);
    expect(r.err).toContain("refused: 1 construct with no nft equivalent");
    expect(existsSync(output)).toBe(false);
    const allowed = await run(["host", "--from", dir, "-o", output, "--no-check", "--allow-untranslated"]);
    expect(allowed.code).toBe(0);
    expect(readFileSync(output, "utf8")).toContain("# UNTRANSLATED");
  });

  it("exits 2 on a dump that does not parse, and on a directory without dumps", async () => {
    const bad = dumpDir({ "iptables-save.txt": "*filter\n-A INPUT -j\nCOMMIT\n" });
    expect((await run(["host", "--from", bad, "-o", join(bad, "o.nft"), "--no-check"])).code).toBe(2);
    const empty = tmp();
    const r = await run(["host", "--from", empty]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("holds no rules");
  });

  it("checks with nft -c in a namespace through the runner, and exits 3 when nft rejects the file", async () => {
    const dir = dumpDir({ "iptables-save.txt": legacyDump });
    const calls: string[] = [];
    const rejecting: CommandRunner = (cmd, args) => {
      calls.push([cmd, ...args].join(" "));
      const nftCheck = args.includes("-c");
      return Promise.resolve(nftCheck ? { code: 1, stdout: "", stderr: "Error: syntax error" } : { code: 0, stdout: "", stderr: "" });
    };
    const output = join(dir, "o.nft");
    const r = await run(["host", "--from", dir, "-o", output], { runner: rejecting });
    expect(r.code).toBe(3);
    expect(r.err).toContain("validation: nft -c rejected the file: Error: syntax error");
    expect(existsSync(output)).toBe(false);
    expect(calls[0]).toMatch(/^ip netns add ipt2nft-check-/);
  });

  it("goes on without the check when namespaces are unavailable, and says so", async () => {
    const dir = dumpDir({ "iptables-save.txt": legacyDump });
    const noRoot: CommandRunner = () => Promise.resolve({ code: 1, stdout: "", stderr: "mount --make-shared /run/netns failed: Operation not permitted" });
    const r = await run(["host", "--from", dir, "-o", join(dir, "o.nft")], { runner: noRoot });
    expect(r.code).toBe(0);
    expect(r.err).toContain("validation: not checked: cannot create a network namespace for the check (root is needed)");
  });

  it("shows progress on a terminal only", async () => {
    const dir = dumpDir({ "iptables-save.txt": legacyDump });
    const piped = await run(["host", "--from", dir, "-o", join(dir, "o.nft"), "--no-check"]);
    expect(piped.err).not.toContain("ipt2nft: translating");
    const tty = await run(["host", "--from", dir, "-o", join(dir, "o.nft"), "--no-check"], { tty: true });
    expect(tty.err).toContain(`ipt2nft: reading ${dir}\n`);
    expect(tty.err).toContain("ipt2nft: translating IPv4\n");
  });

  it("prints its usage with --help, and the main usage names the command", async () => {
    const r = await run(["host", "--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("usage: ipt2nft host [options]");
    expect((await run(["--help"])).out).toContain("ipt2nft host [options]");
  });
});

describe("ipt2nft host --apply (fake host)", () => {
  const legacyHost = (): FakeHost => new FakeHost({ version: "iptables-save v1.8.9 (legacy)", legacy: { ipv4: legacyDump, ipv6: "" } });

  it("collects, applies and keeps the rules on yes", async () => {
    const host = legacyHost();
    const dir = tmp();
    const output = join(dir, "host.nft");
    const r = await run(["host", "--apply", "-o", output], { runner: host.run, stdin: "yes\n" });
    expect(r.code).toBe(0);
    expect(r.err).toContain("Type yes within 30 s");
    expect(r.err).toContain("apply: confirmed: the new rules are in place");
    expect(host.state.tables.has("ip filter")).toBe(true);
    expect(host.state.legacy.ipv4).not.toContain("-A INPUT");
    expect(readFileSync(`${output}.before-iptables.txt`, "utf8")).toBe(legacyDump);
    expect(host.commandLines()).toContain("iptables-restore --test");
  });

  it("rolls back and exits 4 when standard input ends without yes", async () => {
    const host = legacyHost();
    const dir = tmp();
    const r = await run(["host", "--apply", "-o", join(dir, "host.nft"), "--confirm-timeout", "5"], { runner: host.run, stdin: "" });
    expect(r.code).toBe(4);
    expect(r.err).toContain("apply: rolled-back: standard input ended without a confirmation: the previous rules are back");
    expect(host.state.legacy.ipv4).toBe(legacyDump);
    expect(host.state.tables.size).toBe(0);
  });

  it("does not apply rules that came from iptables-nft, and exits 4", async () => {
    const host = new FakeHost({ version: "iptables-save v1.8.9 (nf_tables)", nftBackend: { ipv4: legacyDump, ipv6: "" } });
    const dir = tmp();
    const r = await run(["host", "--apply", "-o", join(dir, "host.nft")], { runner: host.run, stdin: "yes\n" });
    expect(r.code).toBe(4);
    expect(r.err).toContain("apply: not-applied: nothing was changed: the rules come from iptables-nft");
    expect(host.commandLines().filter((l) => l.startsWith("nft -f"))).toEqual([]);
  });

  it("exits 3 when the load fails, and 5 when the rollback cannot restore", async () => {
    const failing = legacyHost();
    failing.failWhen((c) => c.cmd === "nft" && c.args[0] === "-f" && !c.args[1]?.endsWith(".before.nft"));
    const dir = tmp();
    expect((await run(["host", "--apply", "-o", join(dir, "a.nft")], { runner: failing.run, stdin: "yes\n" })).code).toBe(3);

    const stuck = legacyHost();
    stuck.failWhen((c) => c.cmd === "iptables-restore" && c.args.join(" ") === "-c");
    const r = await run(["host", "--apply", "-o", join(dir, "b.nft")], { runner: stuck.run, stdin: "no\n" });
    expect(r.code).toBe(5);
    expect(r.err).toContain("restore by hand with iptables-restore -c <");
  });
});
