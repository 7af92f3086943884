/**
 * A fake host for the host command's tests: a {@link CommandRunner} that keeps nft tables and legacy
 * iptables dumps in memory and answers iptables-save, iptables-restore, nft and ipset the way the real
 * tools do for the calls ipt2nft makes. Every call is recorded, and any command can be made to fail.
 *
 * The model is deliberately small: nft tables are kept as their listing text, legacy rules as the dump
 * text, so the tests check the sequencing and the data moved, not a second implementation of nft.
 */
import { readFileSync } from "node:fs";
import type { CommandResult, CommandRunner, HostFiles } from "../../src/host/index.js";

/** One recorded call. */
export interface FakeCall {
  readonly cmd: string;
  readonly args: readonly string[];
  readonly input?: string;
}

/** A rule that makes matching calls fail (or answer) with a given result. */
export interface FakeOverride {
  readonly match: (call: FakeCall) => boolean;
  readonly result: CommandResult;
}

/** The state of the fake host. */
export interface FakeHostState {
  /** nft tables by `family name`, each as `nft list table` prints it. */
  readonly tables: Map<string, string>;
  /** Legacy dumps by family. */
  readonly legacy: { ipv4: string; ipv6: string };
  /** nft-backend dumps by family (what iptables-nft-save prints). */
  readonly nftBackend: { ipv4: string; ipv6: string };
  ipset: string;
  /** What `iptables-save -V` prints; undefined: iptables-save is not installed. */
  version?: string;
  /** Tables whose `nft list table` warns that iptables-nft manages them. */
  readonly iptablesNftTables: Set<string>;
}

const ok = (stdout = ""): CommandResult => ({ code: 0, stdout, stderr: "" });
const missing = (cmd: string): CommandResult => ({ code: 127, stdout: "", stderr: `${cmd}: not found` });

/** Applies an nft file's commands to the table map: `delete table F N`, `table F N { ... }` blocks. */
export function loadNftText(tables: Map<string, string>, text: string): void {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const del = /^delete table (\S+) (\S+)$/.exec(line);
    if (del !== null) {
      tables.delete(`${del[1] ?? ""} ${del[2] ?? ""}`);
      continue;
    }
    const open = /^table (\S+) (\S+) \{/.exec(line);
    if (open === null) continue;
    const block = [line];
    while (i + 1 < lines.length && (lines[i] ?? "") !== "}") block.push(lines[++i] ?? "");
    const key = `${open[1] ?? ""} ${open[2] ?? ""}`;
    const body = block.slice(1, -1).filter((l) => l.trim() !== "");
    // An empty block creates the table if it is missing, as nft does, and leaves an existing one alone.
    if (body.length === 0 && tables.has(key)) continue;
    tables.set(key, `${block.join("\n")}\n`);
  }
}

/** The family an iptables tool works on, and whether it is the nft backend's. */
function toolFamily(cmd: string): { family: "ipv4" | "ipv6"; nft: boolean } | undefined {
  const m = /^(ip6?)tables(-legacy|-nft)?-(save|restore)$/.exec(cmd);
  if (m === null) return undefined;
  return { family: m[1] === "ip6" ? "ipv6" : "ipv4", nft: m[2] === "-nft" };
}

/** A fake host and its runner. */
export class FakeHost {
  readonly calls: FakeCall[] = [];
  readonly overrides: FakeOverride[] = [];
  readonly state: FakeHostState;
  /** Files written through {@link FakeHost.files}, by path. */
  readonly written = new Map<string, string>();

  constructor(init: Partial<Omit<FakeHostState, "tables" | "iptablesNftTables">> & { tables?: Record<string, string> } = {}) {
    this.state = {
      tables: new Map(Object.entries(init.tables ?? {})),
      legacy: init.legacy ?? { ipv4: "", ipv6: "" },
      nftBackend: init.nftBackend ?? { ipv4: "", ipv6: "" },
      ipset: init.ipset ?? "",
      ...(init.version === undefined ? {} : { version: init.version }),
      iptablesNftTables: new Set(),
    };
  }

  /** Makes calls that `match` answer `result` (checked in the order added, before the model). */
  failWhen(match: (call: FakeCall) => boolean, result: Partial<CommandResult> = {}): void {
    this.overrides.push({ match, result: { code: result.code ?? 1, stdout: result.stdout ?? "", stderr: result.stderr ?? "Error: injected failure" } });
  }

  /** The calls as `cmd args` strings, for readable sequence assertions. */
  commandLines(): string[] {
    return this.calls.map((c) => [c.cmd, ...c.args].join(" "));
  }

  /** In-memory files: written ones are kept; reads fall back to the real file system. */
  readonly files: HostFiles = {
    readText: (path) => Promise.resolve(this.written.get(path)),
    writeText: (path, text) => {
      this.written.set(path, text);
      return Promise.resolve();
    },
  };

  private readFile(path: string): string {
    return this.written.get(path) ?? readFileSync(path, "utf8");
  }

  readonly run: CommandRunner = (cmd, args, input) => {
    const call: FakeCall = { cmd, args: [...args], ...(input === undefined ? {} : { input }) };
    this.calls.push(call);
    const override = this.overrides.find((o) => o.match(call));
    if (override !== undefined) return Promise.resolve(override.result);
    return Promise.resolve(this.answer(cmd, args, input));
  };

  private answer(cmd: string, args: readonly string[], input: string | undefined): CommandResult {
    const s = this.state;
    if (cmd === "iptables-save" && args[0] === "-V") return s.version === undefined ? missing(cmd) : ok(`${s.version}\n`);
    const tool = toolFamily(cmd);
    if (tool !== undefined) {
      const defaultIsNft = s.version?.includes("nf_tables") === true;
      const plain = !cmd.includes("-legacy") && !cmd.includes("-nft");
      if (plain && s.version === undefined) return missing(cmd);
      const store = tool.nft || (plain && defaultIsNft) ? s.nftBackend : s.legacy;
      if (cmd.endsWith("-save")) return ok(store[tool.family]);
      if (args.includes("--test")) return ok();
      store[tool.family] = input ?? "";
      return ok();
    }
    if (cmd === "ipset") return ok(s.ipset);
    if (cmd === "ip") {
      // checkInNetns: netns add/delete, and nft -c inside.
      if (args[0] === "netns" && args[1] === "exec") return ok();
      return ok();
    }
    if (cmd === "nft") {
      if (args[0] === "list" && args[1] === "tables") return ok([...s.tables.keys()].map((k) => `table ${k}\n`).join(""));
      if (args[0] === "list" && args[1] === "table") {
        const key = `${args[2] ?? ""} ${args[3] ?? ""}`;
        const t = s.tables.get(key);
        if (t === undefined) return { code: 1, stdout: "", stderr: "Error: No such file or directory" };
        return { code: 0, stdout: t, stderr: s.iptablesNftTables.has(key) ? `# Warning: table ${key} is managed by iptables-nft, do not touch!\n` : "" };
      }
      if (args[0] === "-c" && args[1] === "-f") {
        this.readFile(args[2] ?? "");
        return ok();
      }
      if (args[0] === "-f") {
        loadNftText(s.tables, this.readFile(args[1] ?? ""));
        return ok();
      }
    }
    return missing(cmd);
  }
}

/** A legacy IPv4 dump as `iptables-legacy-save -c` prints it. */
export const legacyDump = `# Generated by iptables-save v1.8.9 on Thu Jan  1 00:00:00 2026
*nat
:PREROUTING ACCEPT [10:600]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [3:180]
:POSTROUTING ACCEPT [3:180]
:DOCKER - [0:0]
[5:300] -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
[0:0] -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
[0:0] -A DOCKER -i docker0 -j RETURN
COMMIT
# Completed on Thu Jan  1 00:00:00 2026
# Generated by iptables-save v1.8.9 on Thu Jan  1 00:00:00 2026
*filter
:INPUT DROP [100:6000]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [50:3000]
:DOCKER - [0:0]
:DOCKER-USER - [0:0]
:my-services - [0:0]
[90:5400] -A INPUT -i lo -j ACCEPT
[4:240] -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
[0:0] -A INPUT -j my-services
[0:0] -A FORWARD -j DOCKER-USER
[0:0] -A FORWARD -o docker0 -j DOCKER
[0:0] -A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT
[0:0] -A DOCKER-USER -j RETURN
[0:0] -A my-services -p tcp -m tcp --dport 443 -j ACCEPT
COMMIT
# Completed on Thu Jan  1 00:00:00 2026
`;
