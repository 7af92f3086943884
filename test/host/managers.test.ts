/**
 * Manager recognition and exclusion: the pattern table, the precedence of kube-router over kube-proxy, and
 * what excluding removes from the translation and keeps for iptables.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { printRuleset, type Ruleset } from "../../src/ast/index.js";
import { chainManagers, excludeManagedChains, managerOfChain, parseManagerList, recogniseManagedChains } from "../../src/host/index.js";
import { parseRuleset } from "../../src/parse/index.js";
import { legacyDump } from "./fake-host.js";

function parse(text: string, family: "ipv4" | "ipv6" = "ipv4"): Ruleset {
  const r = parseRuleset(text, { family });
  if (r.value === undefined) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
  return r.value;
}

const corpus = (name: string): string => readFileSync(new URL(`../fixtures/corpus/public/${name}`, import.meta.url), "utf8");

describe("managerOfChain", () => {
  it.each([
    ["DOCKER", "docker"],
    ["DOCKER-USER", "docker"],
    ["DOCKER-ISOLATION-STAGE-1", "docker"],
    ["CNI-HOSTPORT-DNAT", "podman"],
    ["NETAVARK-1D8721804F16F", "podman"],
    ["KUBE-SERVICES", "kube-proxy"],
    ["KUBE-SEP-Y5LSJLRXX3OJOFLV", "kube-proxy"],
    ["KUBE-ROUTER-INPUT", "kube-router"],
    ["KUBE-POD-FW-4BDGZEWEU32YM75H", "kube-router"],
    ["cali-FORWARD", "calico"],
    ["CILIUM_PRE_nat", "cilium"],
    ["FLANNEL-FWD", "flannel"],
    ["LIBVIRT_FWO", "libvirt"],
    ["f2b-sshd", "fail2ban"],
    ["ufw-user-input", "ufw"],
    ["ufw6-before-input", "ufw"],
    ["ts-input", "tailscale"],
  ])("%s belongs to %s", (chain, id) => {
    expect(managerOfChain(chain)?.id).toBe(id);
  });

  it.each(["INPUT", "my-services", "DOCKERISH".toLowerCase(), "cali", "KUBE"])("%s belongs to nobody", (chain) => {
    expect(managerOfChain(chain)).toBeUndefined();
  });

  it("names every manager once, with patterns and an nftables note", () => {
    const ids = chainManagers.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of chainManagers) {
      expect(m.chains.length).toBeGreaterThan(0);
      expect(m.nftables).not.toBe("");
    }
  });
});

describe("parseManagerList", () => {
  it("reads a comma list, ignoring case, spaces and repeats", () => {
    expect(parseManagerList("docker, Kube-Proxy,docker")).toEqual({ ids: ["docker", "kube-proxy"] });
  });
  it("lists the words that name no manager", () => {
    expect(parseManagerList("docker,dockr,k8s")).toEqual({ unknown: ["dockr", "k8s"] });
  });
});

describe("recogniseManagedChains", () => {
  it("counts a manager's chains, their rules and the jumps into them, per table", () => {
    const found = recogniseManagedChains(parse(legacyDump));
    expect(found).toEqual([
      { manager: "docker", family: "ipv4", table: "nat", chains: ["DOCKER"], rules: 1, jumps: 1 },
      { manager: "docker", family: "ipv4", table: "filter", chains: ["DOCKER", "DOCKER-USER"], rules: 2, jumps: 2 },
    ]);
  });

  it("finds Docker, libvirt and ufw on a real host dump", () => {
    const ids = new Set(recogniseManagedChains(parse(corpus("codeindex-hostaudit-docker28-libvirt-ufw-counters.rules"))).map((m) => m.manager));
    expect([...ids].sort()).toEqual(["docker", "libvirt", "ufw"]);
  });

  it("tells kube-router's chains from kube-proxy's on a k3s node", () => {
    const found = recogniseManagedChains(parse(corpus("ytdl-k3s-kuberouter-netbird-pi.rules")));
    const ids = new Set(found.map((m) => m.manager));
    expect(ids.has("kube-router")).toBe(true);
    expect(ids.has("kube-proxy")).toBe(true);
    for (const m of found.filter((f) => f.manager === "kube-proxy")) {
      expect(m.chains.filter((c) => c.startsWith("KUBE-ROUTER-") || c.startsWith("KUBE-POD-FW-"))).toEqual([]);
    }
  });
});

describe("excludeManagedChains", () => {
  const ruleset = parse(legacyDump);

  it("removes the manager's chains and every rule that jumps into them, and reports each jump", () => {
    const x = excludeManagedChains(ruleset, new Set(["docker"]));
    const filter = x.ruleset.tables.find((t) => t.name === "filter");
    expect(filter?.chains.map((c) => c.name)).toEqual(["INPUT", "FORWARD", "OUTPUT", "my-services"]);
    expect(filter?.rules.map((r) => r.chain)).toEqual(["INPUT", "INPUT", "INPUT", "my-services"]);
    expect(x.removedJumps.map((j) => `${j.table} ${j.line} ${j.text}`)).toEqual([
      "nat 8 -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER",
      "filter 24 -A FORWARD -j DOCKER-USER",
      "filter 25 -A FORWARD -o docker0 -j DOCKER",
    ]);
    expect(x.orphanedJumps).toEqual([]);
    // A rule in a built-in chain that does not jump into Docker's chains stays, even if Docker wrote it.
    expect(x.ruleset.tables.find((t) => t.name === "nat")?.rules.map((r) => r.chain)).toEqual(["POSTROUTING"]);
  });

  it("keeps the manager's part for iptables: built-in chains with ACCEPT, its chains, the jumps into them", () => {
    const x = excludeManagedChains(ruleset, new Set(["docker"]));
    expect(printRuleset(x.remainder)).toBe(
      [
        "*nat",
        ":PREROUTING ACCEPT",
        ":INPUT ACCEPT",
        ":OUTPUT ACCEPT",
        ":POSTROUTING ACCEPT",
        ":DOCKER - [0:0]",
        "-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER",
        "-A DOCKER -i docker0 -j RETURN",
        "COMMIT",
        "*filter",
        ":INPUT ACCEPT",
        ":FORWARD ACCEPT",
        ":OUTPUT ACCEPT",
        ":DOCKER - [0:0]",
        ":DOCKER-USER - [0:0]",
        "-A FORWARD -j DOCKER-USER",
        "-A FORWARD -o docker0 -j DOCKER",
        "-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT",
        "-A DOCKER-USER -j RETURN",
        "COMMIT",
        "",
      ].join("\n"),
    );
  });

  it("with nothing excluded, changes nothing and empties every table for iptables", () => {
    const x = excludeManagedChains(ruleset, new Set());
    expect(x.ruleset).toEqual(ruleset);
    expect(x.removedJumps).toEqual([]);
    expect(x.remainder.tables.every((t) => t.rules.length === 0 && t.chains.every((c) => c.builtin && c.policy === "ACCEPT"))).toBe(true);
  });

  it("reports a jump from a chain that moves to nft as orphaned: the remainder cannot keep it", () => {
    const text = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:mine - [0:0]\n:f2b-sshd - [0:0]\n-A INPUT -j mine\n-A mine -p tcp -m tcp --dport 22 -j f2b-sshd\n-A f2b-sshd -s 192.0.2.1/32 -j DROP\nCOMMIT\n";
    const x = excludeManagedChains(parse(text), new Set(["fail2ban"]));
    expect(x.orphanedJumps.map((j) => j.text)).toEqual(["-A mine -p tcp -m tcp --dport 22 -j f2b-sshd"]);
    expect(x.remainder.tables[0]?.rules.map((r) => r.chain)).toEqual(["f2b-sshd"]);
  });

  it("excludes kube-proxy on a kube-proxy node, leaving no KUBE- chain and no jump to one", () => {
    const x = excludeManagedChains(parse(readFileSync(new URL("../fixtures/corpus/seed/kube-proxy-minikube-nat.rules", import.meta.url), "utf8")), new Set(["kube-proxy"]));
    for (const t of x.ruleset.tables) {
      expect(t.chains.filter((c) => c.name.startsWith("KUBE-"))).toEqual([]);
      expect(t.rules.filter((r) => (r.target?.kind === "jump" || r.target?.kind === "goto") && r.target.chain.startsWith("KUBE-"))).toEqual([]);
    }
    expect(x.removedJumps.length).toBeGreaterThan(0);
  });
});
