/**
 * Apply, confirm and rollback sequencing against a fake host: what is saved, in which order commands run,
 * what the host holds at the end, and every failure path.
 */
import { describe, expect, it } from "vitest";
import { printRuleset } from "../../src/ast/index.js";
import {
  applyHostRuleset,
  type ApplyPlan,
  type ConfirmationAnswer,
  convertHostInput,
  legacyTools,
  normaliseIptablesDump,
  normaliseNftListing,
} from "../../src/host/index.js";
import { FakeHost, legacyDump } from "./fake-host.js";

const nftFile = "/fake/host.nft";
const existingFilter = "table ip filter {\n\tchain mine {\n\t\ttype filter hook input priority filter + 5; policy accept;\n\t\ttcp dport 23 counter packets 7 bytes 420 drop\n\t}\n}\n";
const otherTable = "table inet other {\n\tchain c {\n\t\ttype filter hook input priority 10; policy accept;\n\t}\n}\n";

/** A host with legacy rules, an nft table the file will replace, and one it must not touch. */
function setup(exclude: readonly "docker"[] = []): { host: FakeHost; plan: ApplyPlan } {
  const host = new FakeHost({ legacy: { ipv4: legacyDump, ipv6: "" }, tables: { "ip filter": existingFilter, "inet other": otherTable } });
  const c = convertHostInput({ origin: "host", ipv4: { name: "iptables-legacy-save -c", text: legacyDump }, backend: "legacy", notes: [] }, { exclude: new Set(exclude), allowUntranslated: false });
  if (c.text === undefined) throw new Error("conversion failed");
  host.written.set(nftFile, c.text);
  const family = c.families[0];
  if (family === undefined) throw new Error("no family");
  const plan: ApplyPlan = {
    nftFile,
    ownedTables: c.ownedTables,
    legacy: [{ family: "ipv4", tools: legacyTools.ipv4, translatedDump: legacyDump, remainder: printRuleset(family.exclusion.remainder) }],
    savedStatePrefix: nftFile,
    confirmTimeoutSeconds: 30,
  };
  return { host, plan };
}

function env(host: FakeHost, answer: ConfirmationAnswer, prompts: string[] = []) {
  return {
    run: host.run,
    files: host.files,
    confirm: (prompt: string, timeout: number) => {
      prompts.push(`${timeout}: ${prompt}`);
      return Promise.resolve(answer);
    },
    progress: () => undefined,
  };
}

/** The host's state, for before/after comparison. */
function snapshot(host: FakeHost): { tables: [string, string][]; legacy: string } {
  return { tables: [...host.state.tables.entries()].sort(), legacy: host.state.legacy.ipv4 };
}

describe("applyHostRuleset", () => {
  it("saves, loads in one nft -f, empties the legacy tables, and keeps the rules when confirmed", async () => {
    const { host, plan } = setup();
    const prompts: string[] = [];
    const result = await applyHostRuleset(plan, env(host, "confirmed", prompts));
    expect(result.status).toBe("confirmed");
    expect(host.commandLines()).toEqual([
      "nft list tables",
      "nft list table ip filter",
      "iptables-legacy-save -c",
      "iptables-legacy-restore -c --test",
      "iptables-legacy-restore --test",
      "nft -c -f /fake/host.nft.before.nft",
      "nft -f /fake/host.nft",
      "iptables-legacy-restore",
    ]);
    // The saved state: the replaced tables' listing behind a delete preamble, and the legacy dump.
    expect(host.written.get("/fake/host.nft.before.nft")).toBe(`table ip nat {\n}\ndelete table ip nat\ntable ip filter {\n}\ndelete table ip filter\n${existingFilter}`);
    expect(host.written.get("/fake/host.nft.before-iptables.txt")).toBe(legacyDump);
    expect(result.savedState).toEqual(["/fake/host.nft.before.nft", "/fake/host.nft.before-iptables.txt"]);
    // The new tables replaced the old ip filter; the unrelated table is untouched; legacy is empty.
    expect(host.state.tables.get("inet other")).toBe(otherTable);
    expect(host.state.tables.get("ip filter")).toContain("jump DOCKER-USER");
    expect(host.state.tables.get("ip filter")).not.toContain("tcp dport 23");
    expect(host.state.tables.has("ip nat")).toBe(true);
    expect(normaliseIptablesDump(host.state.legacy.ipv4)).toBe(
      "*nat\n:PREROUTING ACCEPT\n:INPUT ACCEPT\n:OUTPUT ACCEPT\n:POSTROUTING ACCEPT\nCOMMIT\n*filter\n:INPUT ACCEPT\n:FORWARD ACCEPT\n:OUTPUT ACCEPT\nCOMMIT",
    );
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toContain("30: ipt2nft: the new rules are loaded. Type yes within 30 s");
    expect(prompts[0]).toContain("restore them with: iptables-legacy-restore -c < /fake/host.nft.before-iptables.txt; nft -f /fake/host.nft.before.nft");
  });

  it.each(["timeout", "declined", "closed", "interrupted"] as const)("restores the previous state exactly on %s, legacy rules first", async (answer) => {
    const { host, plan } = setup();
    const before = snapshot(host);
    const result = await applyHostRuleset(plan, env(host, answer));
    expect(result.status).toBe("rolled-back");
    expect(result.differences).toEqual([]);
    expect(snapshot(host)).toEqual(before);
    const lines = host.commandLines();
    const load = lines.indexOf("nft -f /fake/host.nft");
    expect(lines.slice(load + 1, load + 4)).toEqual(["iptables-legacy-restore", "iptables-legacy-restore -c", "nft -f /fake/host.nft.before.nft"]);
    expect(result.steps.at(-1)).toBe("rollback: compared with the saved state: same, counters aside");
  });

  it("keeps the excluded manager's chains in iptables when applying", async () => {
    const { host, plan } = setup(["docker"]);
    const result = await applyHostRuleset(plan, env(host, "confirmed"));
    expect(result.status).toBe("confirmed");
    const legacy = normaliseIptablesDump(host.state.legacy.ipv4);
    expect(legacy).toContain("-A FORWARD -j DOCKER-USER");
    expect(legacy).toContain(":FORWARD ACCEPT");
    expect(legacy).not.toContain("--dport 22");
    expect(host.state.tables.get("ip filter")).not.toContain("DOCKER");
  });

  it("changes nothing when the load fails, and checks that", async () => {
    const { host, plan } = setup();
    host.failWhen((c) => c.cmd === "nft" && c.args.join(" ") === `-f ${nftFile}`, { stderr: "Error: Could not process rule: Operation not permitted" });
    const before = snapshot(host);
    const result = await applyHostRuleset(plan, env(host, "confirmed"));
    expect(result.status).toBe("load-failed");
    expect(result.message).toBe("nft refused the file, nothing changed (checked): Error: Could not process rule: Operation not permitted");
    expect(result.differences).toEqual([]);
    expect(snapshot(host)).toEqual(before);
    // After the failed load only reads happen: no restore, no confirmation.
    const after = host.commandLines().slice(host.commandLines().indexOf(`nft -f ${nftFile}`) + 1);
    expect(after.every((l) => l.startsWith("nft list") || l === "iptables-legacy-save -c")).toBe(true);
  });

  it("rolls back when emptying the legacy tables fails", async () => {
    const { host, plan } = setup();
    host.failWhen((c) => c.cmd === "iptables-legacy-restore" && c.args.length === 0, { stderr: "iptables-restore: line 3 failed" });
    const before = snapshot(host);
    const prompts: string[] = [];
    const result = await applyHostRuleset(plan, env(host, "confirmed", prompts));
    expect(result.status).toBe("rolled-back");
    expect(result.message).toBe("emptying the legacy tables failed: iptables-restore: line 3 failed: the previous rules are back");
    expect(prompts).toEqual([]);
    expect(snapshot(host)).toEqual(before);
  });

  it.each([
    ["the live legacy rules changed since they were read", (h: FakeHost) => {
        h.state.legacy.ipv4 = legacyDump.replace("--dport 22", "--dport 2222");
      }, "differ from the dump that was translated"],
    ["the saved nft state does not reload", (h: FakeHost) => {
        h.failWhen((c) => c.args[0] === "-c" && c.args[1] === "-f");
      }, "the saved nft state does not load back"],
    ["the legacy restore tool refuses the saved rules", (h: FakeHost) => {
        h.failWhen((c) => c.args.includes("--test"));
      }, "iptables-legacy-restore --test refuses the saved rules"],
    ["a replaced table belongs to iptables-nft", (h: FakeHost) => {
        h.state.iptablesNftTables.add("ip filter");
      }, "table(s) ip filter belong to iptables-nft"],
    ["nft cannot list the tables", (h: FakeHost) => {
        h.failWhen((c) => c.cmd === "nft" && c.args[0] === "list");
      }, "cannot read the current nft state"],
    ["the legacy rules cannot be saved", (h: FakeHost) => {
        h.failWhen((c) => c.cmd === "iptables-legacy-save", { code: 127 });
      }, "cannot save the legacy rules"],
  ])("changes nothing when %s", async (_what, arrange, message) => {
    const { host, plan } = setup();
    arrange(host);
    const before = snapshot(host);
    const result = await applyHostRuleset(plan, env(host, "confirmed"));
    expect(result.status).toBe("not-applied");
    expect(result.message).toContain(message);
    expect(result.message.startsWith("nothing was changed: ")).toBe(true);
    expect(snapshot(host)).toEqual(before);
    expect(host.commandLines()).not.toContain(`nft -f ${nftFile}`);
  });

  it("says what differs and how to restore by hand when the rollback fails", async () => {
    const { host, plan } = setup();
    host.failWhen((c) => c.cmd === "iptables-legacy-restore" && c.args.join(" ") === "-c", { stderr: "iptables-restore: Resource temporarily unavailable" });
    const result = await applyHostRuleset(plan, env(host, "timeout"));
    expect(result.status).toBe("rollback-failed");
    expect(result.message).toContain("restore by hand with iptables-legacy-restore -c < /fake/host.nft.before-iptables.txt; nft -f /fake/host.nft.before.nft");
    expect(result.differences).toEqual(["iptables-legacy-save differs from /fake/host.nft.before-iptables.txt"]);
    // The nft part was still restored.
    expect(host.state.tables.get("ip filter")).toBe(existingFilter);
    expect(host.state.tables.has("ip nat")).toBe(false);
  });
});

describe("normalisers", () => {
  it("ignore counters, comments and set element expiry", () => {
    expect(normaliseNftListing("\t\tcounter packets 5 bytes 300 accept\n\t\telements = { 10.0.0.1 timeout 1m expires 42s }\n")).toBe(normaliseNftListing("\t\tcounter packets 0 bytes 0 accept\n\t\telements = { 10.0.0.1 timeout 1m expires 59s }\n"));
    expect(normaliseIptablesDump("# Generated on Mon\n*filter\n:INPUT ACCEPT [5:6]\n[1:2] -A INPUT -j ACCEPT\nCOMMIT\n")).toBe("*filter\n:INPUT ACCEPT\n-A INPUT -j ACCEPT\nCOMMIT");
  });
});
