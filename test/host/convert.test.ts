/**
 * The pure conversion and its summary: both families into one file that replaces only its tables,
 * exclusion, refusals, and what the summary says.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { convertHostInput, formatHostSummary, type HostInput, summariseHost } from "../../src/host/index.js";
import { legacyDump } from "./fake-host.js";

const corpus = (name: string): string => readFileSync(new URL(`../fixtures/corpus/public/${name}`, import.meta.url), "utf8");

const ip6 = "*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p ipv6-icmp -j ACCEPT\nCOMMIT\n";

const input = (extra: Partial<HostInput> = {}): HostInput => ({ origin: "host", ipv4: { name: "iptables-save -c", text: legacyDump }, ipv6: { name: "ip6tables-save -c", text: ip6 }, backend: "legacy", notes: [], ...extra });

describe("convertHostInput", () => {
  it("translates both families into one file that first deletes each of its tables", () => {
    const c = convertHostInput(input(), { exclude: new Set(), allowUntranslated: false });
    expect(c.status).toBe("ok");
    expect(c.ownedTables).toEqual([
      { family: "ip", name: "nat" },
      { family: "ip", name: "filter" },
      { family: "ip6", name: "filter" },
    ]);
    const text = c.text ?? "";
    expect(text.startsWith("# ipt2nft host: the nftables translation of iptables-save -c and ip6tables-save -c.\n")).toBe(true);
    // The replace preamble comes before any table body, for every table.
    const firstBody = text.indexOf("\tchain ");
    for (const t of ["ip nat", "ip filter", "ip6 filter"]) {
      const del = text.indexOf(`delete table ${t}\n`);
      expect(del).toBeGreaterThan(0);
      expect(del).toBeLessThan(firstBody);
    }
    expect(text).toContain("table ip6 filter {");
    expect(text).toContain("jump DOCKER-USER");
  });

  it("leaves out an excluded manager's chains and says so in the file", () => {
    const c = convertHostInput(input(), { exclude: new Set(["docker"]), allowUntranslated: false });
    expect(c.status).toBe("ok");
    expect(c.text).not.toMatch(/DOCKER/);
    expect(c.text).toContain("# Left out: the chains of docker and the rules that jump or go into them.");
    expect(c.families[0]?.exclusion.removedJumps).toHaveLength(3);
  });

  it("refuses untranslatable rules unless allowed, like translate", () => {
    const bad = input({ ipv4: { name: "iptables-save -c", text: "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -m string --algo bm --string evil -j DROP\nCOMMIT\n" } });
    const refused = convertHostInput(bad, { exclude: new Set(), allowUntranslated: false });
    expect(refused.status).toBe("refused");
    expect(refused.text).toBeUndefined();
    expect(refused.diagnostics.some((d) => d.severity === "error" && d.code === "untranslatable" && d.file === "iptables-save -c")).toBe(true);
    const allowed = convertHostInput(bad, { exclude: new Set(), allowUntranslated: true });
    expect(allowed.status).toBe("ok");
    expect(allowed.text).toContain("# UNTRANSLATED (line 5)");
  });

  it("reports a dump that does not parse as bad input", () => {
    const c = convertHostInput(input({ ipv4: { name: "iptables-save -c", text: "*filter\n-A INPUT -j\nCOMMIT\n" } }), { exclude: new Set(), allowUntranslated: false });
    expect(c.status).toBe("bad-input");
    expect(c.diagnostics.some((d) => d.severity === "error")).toBe(true);
  });

  it("tells progress what it is doing", () => {
    const seen: string[] = [];
    convertHostInput(input(), { exclude: new Set(), allowUntranslated: false, progress: (m) => seen.push(m) });
    expect(seen).toEqual(["parsing iptables-save -c: 11 rules", "translating IPv4", "parsing ip6tables-save -c: 1 rules", "translating IPv6"]);
  });
});

describe("summariseHost", () => {
  it("counts per family, lists managers and removed jumps, and says when equivalence was not checked", () => {
    const exclude = new Set(["docker"] as const);
    const c = convertHostInput(input(), { exclude, allowUntranslated: false });
    const s = summariseHost(input({ notes: ["ipset save printed no sets"] }), c, exclude, { validation: { status: "ok" }, output: "host.nft" });
    expect(s.families.map((f) => [f.family, f.inputRules, f.tables, f.chains, f.sets, f.refused, f.warned])).toEqual([
      ["ipv4", 11, ["nat", "filter"], 8, 0, 0, 0],
      ["ipv6", 1, ["filter"], 3, 0, 0, 0],
    ]);
    expect(s.managers).toEqual([{ id: "docker", name: "Docker", excluded: true, tables: ["ipv4 nat", "ipv4 filter"], chains: 3, rules: 3, jumps: 3 }]);
    expect(s.removedJumps).toHaveLength(3);
    expect(s.replacesTables).toEqual(["ip nat", "ip filter", "ip6 filter"]);
    expect(s.equivalence.status).toBe("not-checked");
    expect(s.notes[0]).toBe("ipset save printed no sets");
    expect(s.notes.some((n) => n.includes("ip docker-bridges"))).toBe(true);
    expect(s.notes.some((n) => n.includes("an accept in one table"))).toBe(true);
    // JSON round trip: the summary is plain data.
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);

    const text = formatHostSummary(s);
    expect(text).toContain("  IPv4: 11 rules from iptables-save -c -> 2 tables (nat, filter), 8 chains,");
    expect(text).toContain("  excluded: Docker: 3 chains with 3 rules, 3 jumps into them (ipv4 nat, ipv4 filter)");
    expect(text).toContain("  removed (jumps into docker's DOCKER-USER): IPv4 filter line 24: -A FORWARD -j DOCKER-USER");
    expect(text).toContain("  validation: nft -c accepted the file in a throwaway network namespace");
    expect(text).toContain("equivalence on generated packets was not checked");
    const checked = summariseHost(input(), c, exclude, { validation: { status: "ok" }, equivalence: { status: "equivalent", reason: "ipv4: equivalent on 600 packet(s) on 3 path(s)" } });
    expect(checked.equivalence.status).toBe("equivalent");
    expect(formatHostSummary(checked)).toContain("  equivalence: ipv4: equivalent on 600 packet(s) on 3 path(s)");
    expect(text).toContain("  written: host.nft (loading it replaces only ip nat, ip filter, ip6 filter)");
  });

  it("says when an excluded manager has no chains here", () => {
    const exclude = new Set(["calico"] as const);
    const c = convertHostInput(input(), { exclude, allowUntranslated: false });
    const s = summariseHost(input(), c, exclude, { validation: { status: "ok" } });
    expect(s.notes).toContain("--exclude-managed calico: no chains of Calico were found, so nothing was left out for it.");
  });

  it("explains the nft-table overlap when the rules came from iptables-nft", () => {
    const c = convertHostInput(input({ backend: "nf_tables" }), { exclude: new Set(), allowUntranslated: false });
    const s = summariseHost(input({ backend: "nf_tables" }), c, new Set(), { validation: { status: "skipped" } });
    expect(s.notes.some((n) => n.startsWith("These rules came from iptables-nft"))).toBe(true);
    expect(formatHostSummary(s)).toContain("validation: not checked (--no-check)");
  });

  it("lists every manager on a host running Docker, libvirt and ufw, kept by default", () => {
    const host: HostInput = {
      origin: "directory",
      ipv4: { name: "iptables-save.txt", text: corpus("codeindex-hostaudit-docker28-libvirt-ufw-counters.rules") },
      ipv6: { name: "ip6tables-save.txt", text: corpus("codeindex-hostaudit-docker28-libvirt-ufw-counters-ip6.rules") },
      notes: [],
    };
    const c = convertHostInput(host, { exclude: new Set(), allowUntranslated: true });
    expect(c.status).toBe("ok");
    const s = summariseHost(host, c, new Set(), { validation: { status: "skipped" } });
    expect(s.managers.map((m) => [m.id, m.excluded])).toEqual([
      ["docker", false],
      ["libvirt", false],
      ["ufw", false],
    ]);
    expect(s.warnings.length).toBeGreaterThan(0);
    expect(s.families[0]?.warned).toBe(s.warnings.filter((w) => w.file === "iptables-save.txt").length);
  });
});
