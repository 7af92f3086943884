/**
 * `ipt2nft host --apply` against a real kernel, in network namespaces this file creates: a legacy iptables
 * ruleset and two nft tables (one the migration replaces, one it must not touch) are loaded, then
 * - apply + "yes": the translated tables are loaded, the legacy tables emptied, the other table untouched;
 * - apply + timeout: `nft list ruleset` and `iptables-legacy-save` are back as they were, counters aside;
 * - a file that fails to load changes nothing; a table another process owns stops the apply before it starts.
 * The CLI runs in-process with a runner that prefixes `ip netns exec NS`, and once as the built binary
 * inside the namespace with "yes" on a real pipe.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run.js";
import {
  applyHostRuleset,
  type CommandRunner,
  legacyTools,
  nodeHostFiles,
  normaliseIptablesDump,
  normaliseNftListing,
  systemRunner,
} from "../../src/host/index.js";
import { canUseNetns, createNetns, hasCommand, type Netns } from "../helpers/netns.js";

const skipReason = !canUseNetns()
  ? "needs root and ip netns"
  : !hasCommand("nft") || !hasCommand("iptables-legacy-restore") || !hasCommand("iptables-legacy-save")
    ? "needs nft and the iptables-legacy tools"
    : undefined;
const suffix = skipReason === undefined ? "" : ` (skipped: ${skipReason})`;
const cliPath = new URL("../../dist/cli.js", import.meta.url).pathname;

const legacyRules = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
-A DOCKER -i docker0 -j RETURN
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
:DOCKER-USER - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -j ACCEPT
-A FORWARD -j DOCKER-USER
-A FORWARD -o docker0 -j DOCKER
-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT
-A DOCKER-USER -j RETURN
COMMIT
`;

const legacyRules6 = `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p ipv6-icmp -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
COMMIT
`;

/** An nft table with a name the migration uses (a previous migration's, say), and one it must leave alone. */
const nftBefore = `table ip filter {
	set blocked {
		type ipv4_addr
		elements = { 192.0.2.1 }
	}
	chain mine {
		type filter hook input priority filter + 5; policy accept;
		ip saddr @blocked counter drop
	}
}
table inet other {
	chain c {
		type filter hook input priority 10; policy accept;
		tcp dport 8080 counter accept
	}
}
`;

let ns: Netns | undefined;
let dir = "";

afterEach(() => {
  ns?.destroy();
  ns = undefined;
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
  dir = "";
});

/** A namespace with the legacy rules and the nft tables loaded, and a temp dir. */
function prepare(): Netns {
  const n = createNetns("ipt2nft-host");
  ns = n;
  dir = mkdtempSync(join(tmpdir(), "ipt2nft-host-kernel-"));
  for (const [cmd, input] of [
    ["iptables-legacy-restore", legacyRules],
    ["ip6tables-legacy-restore", legacyRules6],
  ] as const) {
    const r = n.exec(cmd, [], input);
    if (r.code !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  }
  const file = join(dir, "before-test.nft");
  writeFileSync(file, nftBefore);
  const r = n.exec("nft", ["-f", file]);
  if (r.code !== 0) throw new Error(`nft -f: ${r.stderr}`);
  return n;
}

/**
 * The tables of an nft listing, each normalised, in name order: nft lists tables in creation order, and a
 * restored table is created again after the ones that stayed.
 */
function nftTables(listing: string): string[] {
  return normaliseNftListing(listing)
    .split(/\n(?=table )/)
    .sort();
}

/** What the host holds, counters aside: every nft table and both legacy dumps. */
function hostState(n: Netns): { nft: string[]; legacy4: string; legacy6: string } {
  const nft = n.exec("nft", ["list", "ruleset"]);
  const l4 = n.exec("iptables-legacy-save", ["-c"]);
  const l6 = n.exec("ip6tables-legacy-save", ["-c"]);
  return { nft: nftTables(nft.stdout), legacy4: normaliseIptablesDump(l4.stdout), legacy6: normaliseIptablesDump(l6.stdout) };
}

/**
 * Runs commands inside the namespace, except `ip` itself: the nft -c check makes its own throwaway
 * namespace, and one added inside another `ip netns exec` would not be visible to the next call.
 */
const inNetns =
  (n: Netns): CommandRunner =>
  (cmd, args, input) =>
    cmd === "ip" ? systemRunner(cmd, args, input) : systemRunner("ip", ["netns", "exec", n.name, cmd, ...args], input);

async function host(n: Netns, argv: readonly string[], stdin: Readable): Promise<{ code: number; err: string }> {
  let err = "";
  const code = await runCli(["host", "--iptables", "legacy", ...argv], { stdout: () => undefined, stderr: (s) => (err += s), stdin, isStderrTTY: false, run: inNetns(n) });
  return { code, err };
}

describe.skipIf(skipReason !== undefined)(`host --apply in a network namespace${suffix}`, () => {
  it.skipIf(!existsSync(cliPath))("apply + yes (the built CLI inside the namespace): nft tables in, legacy rules flushed, other tables untouched", async () => {
    const n = prepare();
    const other = n.exec("nft", ["list", "table", "inet", "other"]).stdout;
    const output = join(dir, "host.nft");
    const child = spawn("ip", ["netns", "exec", n.name, process.execPath, cliPath, "host", "--iptables", "legacy", "--apply", "-o", output], { stdio: ["pipe", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    // Answer only once the prompt is there, as an operator would.
    child.stderr.on("data", () => {
      if (err.includes("Type yes") && child.stdin.writable) child.stdin.end("yes\n");
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(err).toContain("apply: confirmed");
    expect(code).toBe(0);

    const tables = n.exec("nft", ["list", "tables"]).stdout.split("\n").filter((l) => l !== "").sort();
    expect(tables).toEqual(["table inet other", "table ip filter", "table ip nat", "table ip6 filter"]);
    const filter = n.exec("nft", ["list", "table", "ip", "filter"]).stdout;
    expect(filter).toContain("tcp dport 22 ct state new");
    expect(filter).toContain("jump DOCKER-USER");
    expect(filter).not.toContain("@blocked");
    expect(normaliseNftListing(n.exec("nft", ["list", "table", "inet", "other"]).stdout)).toBe(normaliseNftListing(other));
    for (const save of ["iptables-legacy-save", "ip6tables-legacy-save"]) {
      const legacy = n.exec(save, []).stdout;
      expect(legacy).not.toMatch(/^-A /m);
      expect(legacy).not.toMatch(/ DROP \[/);
    }
    // The saved state is there for a manual restore.
    expect(readFileSync(`${output}.before-iptables.txt`, "utf8")).toContain("-A INPUT -i lo -j ACCEPT");
    expect(readFileSync(`${output}.before.nft`, "utf8")).toContain("@blocked");
  });

  it("apply + timeout: the previous nft ruleset and legacy rules come back exactly, counters aside", async () => {
    const n = prepare();
    const before = hostState(n);
    // A pipe that stays open and silent, like a terminal nobody answers.
    const stdin = new PassThrough();
    const r = await host(n, ["--apply", "--confirm-timeout", "1", "-o", join(dir, "host.nft")], stdin);
    stdin.end();
    expect(r.err).toContain("confirmation: timeout");
    expect(r.err).toContain("apply: rolled-back: no confirmation before the timeout: the previous rules are back");
    expect(r.code).toBe(4);
    expect(hostState(n)).toEqual(before);
  });

  it("apply + yes with --exclude-managed docker: Docker's chains and the jumps into them stay in iptables", async () => {
    const n = prepare();
    const r = await host(n, ["--apply", "--exclude-managed", "docker", "-o", join(dir, "host.nft")], Readable.from(["yes\n"]));
    expect(r.code).toBe(0);
    const legacy = normaliseIptablesDump(n.exec("iptables-legacy-save", []).stdout);
    expect(legacy).toContain("-A FORWARD -j DOCKER-USER");
    expect(legacy).toContain("-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER");
    expect(legacy).toContain(":FORWARD ACCEPT");
    expect(legacy).not.toContain("--dport 22");
    expect(n.exec("nft", ["list", "table", "ip", "filter"]).stdout).not.toContain("DOCKER");
  });

  it("a file that fails to load changes nothing (nft -f is one transaction), and the apply says so", async () => {
    const n = prepare();
    const before = hostState(n);
    // Valid tables first, then a jump to a chain that does not exist: nft must refuse the whole file.
    const broken = join(dir, "broken.nft");
    writeFileSync(
      broken,
      "table ip nat {\n}\ndelete table ip nat\ntable ip filter {\n}\ndelete table ip filter\ntable ip filter {\n\tchain INPUT {\n\t\ttype filter hook input priority filter; policy drop;\n\t}\n}\ntable ip nat {\n\tchain POSTROUTING {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n\t\tjump nowhere\n\t}\n}\n",
    );
    const result = await applyHostRuleset(
      {
        nftFile: broken,
        ownedTables: [
          { family: "ip", name: "nat" },
          { family: "ip", name: "filter" },
        ],
        legacy: [{ family: "ipv4", tools: legacyTools.ipv4, translatedDump: n.exec("iptables-legacy-save", ["-c"]).stdout, remainder: "*filter\n:INPUT ACCEPT\n:FORWARD ACCEPT\n:OUTPUT ACCEPT\nCOMMIT\n" }],
        savedStatePrefix: join(dir, "broken"),
        confirmTimeoutSeconds: 1,
      },
      { run: inNetns(n), files: nodeHostFiles, confirm: () => Promise.reject(new Error("must not ask")), progress: () => undefined },
    );
    expect(result.status).toBe("load-failed");
    expect(result.message).toContain("nothing changed (checked)");
    expect(result.differences).toEqual([]);
    expect(hostState(n)).toEqual(before);
  });

  it("a table another process owns stops the apply before anything changes", async () => {
    const n = prepare();
    n.exec("nft", ["delete", "table", "ip", "filter"]);
    // nft -i keeps its netlink socket open, so the table it creates with flags owner stays owned by it.
    const owner = spawn("ip", ["netns", "exec", n.name, "nft", "-i"], { stdio: ["pipe", "ignore", "ignore"] });
    try {
      owner.stdin.write("add table ip filter { flags owner; }\n");
      for (let i = 0; i < 50 && !n.exec("nft", ["list", "tables"]).stdout.includes("table ip filter"); i++) await new Promise((r) => setTimeout(r, 50));
      const before = hostState(n);
      expect(before.nft.join("\n")).toContain("flags owner");
      const r = await host(n, ["--apply", "-o", join(dir, "host.nft")], Readable.from(["yes\n"]));
      expect(r.code).toBe(4);
      expect(r.err).toContain("apply: not-applied: nothing was changed: the saved nft state does not load back");
      expect(hostState(n)).toEqual(before);
    } finally {
      owner.stdin.end();
      owner.kill();
    }
  });
});
