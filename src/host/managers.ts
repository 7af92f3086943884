/**
 * Chains that belong to other software. Docker, Podman, kube-proxy and the CNI plugins create their own
 * iptables chains and rewrite them whenever they like; a migration must say which rules are theirs, and
 * may leave them out so their manager (or its own nftables backend) keeps them.
 * @module
 */
import type { Chain, Family, Rule, Ruleset, Table, TableName } from "../ast/index.js";
import { printRule } from "../ast/index.js";

/** The managers {@link chainManagers} knows, by the name `--exclude-managed` takes. */
export type ManagerId =
  | "docker"
  | "podman"
  | "kube-router"
  | "kube-proxy"
  | "calico"
  | "cilium"
  | "flannel"
  | "libvirt"
  | "fail2ban"
  | "ufw"
  | "tailscale"
  | "istio";

/** A program that owns iptables chains, recognised by the chain names it creates. */
export interface ChainManager {
  readonly id: ManagerId;
  /** How people name it. */
  readonly name: string;
  /** Chain name patterns: an exact name, or a prefix followed by `*`. */
  readonly chains: readonly string[];
  /** What the manager does about nftables, shown when its chains are present. */
  readonly nftables: string;
}

/**
 * The managers, first match wins: kube-router comes before kube-proxy because both use the `KUBE-` prefix.
 *
 * @example
 * ```ts
 * chainManagers.find((m) => m.id === "docker")?.chains; // ["DOCKER", "DOCKER-*"]
 * ```
 */
export const chainManagers: readonly ChainManager[] = [
  {
    id: "docker",
    name: "Docker",
    chains: ["DOCKER", "DOCKER-*"],
    nftables:
      "Docker 29 and later can write nftables rules itself (\"firewall-backend\": \"nftables\" in daemon.json): it then creates its own tables ip docker-bridges and ip6 docker-bridges, and rules you kept in DOCKER-USER belong in a table of your own",
  },
  {
    id: "podman",
    name: "Podman and CNI plugins",
    chains: ["CNI-*", "NETAVARK*"],
    nftables:
      "netavark 1.13 and later can use nftables itself (firewall_driver = \"nftables\" in containers.conf) and creates its own table inet netavark; the CNI plugins (portmap, bridge) that older Podman and Kubernetes nodes use keep writing iptables rules",
  },
  {
    id: "kube-router",
    name: "kube-router",
    chains: ["KUBE-ROUTER-*", "KUBE-POD-FW-*", "KUBE-NWPLCY-*", "KUBE-SRC-*", "KUBE-DST-*"],
    nftables: "kube-router keeps writing iptables rules; leave its chains in iptables or translate them as they are",
  },
  {
    id: "kube-proxy",
    name: "kube-proxy (and kubelet)",
    chains: ["KUBE-*"],
    nftables: "kube-proxy's nftables mode (--proxy-mode=nftables, GA in Kubernetes 1.33) creates its own tables ip kube-proxy and ip6 kube-proxy and rewrites them on every sync",
  },
  { id: "calico", name: "Calico", chains: ["cali-*"], nftables: "Calico's nftables data plane (NFTablesMode, Calico 3.29 and later) writes its own nft tables" },
  { id: "cilium", name: "Cilium", chains: ["CILIUM_*"], nftables: "Cilium keeps installing its iptables chains (or none, with its eBPF host routing)" },
  { id: "flannel", name: "flannel", chains: ["FLANNEL*"], nftables: "recent flannel releases can write nftables rules themselves (EnableNFTables) in their own tables" },
  { id: "libvirt", name: "libvirt", chains: ["LIBVIRT_*"], nftables: "libvirt 10.4 and later can use nftables itself (firewall_backend = \"nftables\" in network.conf) and creates its own tables named libvirt_network" },
  { id: "fail2ban", name: "fail2ban", chains: ["f2b-*"], nftables: "fail2ban's nftables actions (banaction = nftables-multiport) create its own table inet f2b-table" },
  { id: "ufw", name: "ufw", chains: ["ufw-*", "ufw6-*"], nftables: "ufw always writes through iptables; with iptables-nft that lands in nft tables named like the iptables ones" },
  { id: "tailscale", name: "Tailscale", chains: ["ts-*"], nftables: "tailscaled can write nftables rules itself (TS_DEBUG_FIREWALL_MODE=nftables)" },
  { id: "istio", name: "Istio", chains: ["ISTIO_*", "ztunnel-*"], nftables: "Istio's CNI and ztunnel write iptables rules inside the pods and on the node" },
];

function matchesPattern(pattern: string, chain: string): boolean {
  return pattern.endsWith("*") ? chain.startsWith(pattern.slice(0, -1)) : chain === pattern;
}

/**
 * The manager that owns a chain, by its name; built-in chains have none.
 *
 * @example
 * ```ts
 * managerOfChain("DOCKER-USER")?.id; // "docker"
 * managerOfChain("KUBE-ROUTER-INPUT")?.id; // "kube-router"
 * managerOfChain("INPUT"); // undefined
 * ```
 */
export function managerOfChain(chain: string): ChainManager | undefined {
  return chainManagers.find((m) => m.chains.some((p) => matchesPattern(p, chain)));
}

/**
 * Reads a `--exclude-managed` list (`docker,kube-proxy`): the ids, or the words that name no manager.
 *
 * @example
 * ```ts
 * parseManagerList("docker, kube-proxy"); // { ids: ["docker", "kube-proxy"] }
 * parseManagerList("dockr"); // { unknown: ["dockr"] }
 * ```
 */
export function parseManagerList(text: string): { readonly ids: readonly ManagerId[] } | { readonly unknown: readonly string[] } {
  const words = text.split(",").map((w) => w.trim()).filter((w) => w !== "");
  const ids: ManagerId[] = [];
  const unknown: string[] = [];
  for (const w of words) {
    const m = chainManagers.find((c) => c.id === w.toLowerCase());
    if (m === undefined) unknown.push(w);
    else if (!ids.includes(m.id)) ids.push(m.id);
  }
  return unknown.length > 0 ? { unknown } : { ids };
}

/** What one manager owns in one table of a ruleset. */
export interface ManagedChains {
  readonly manager: ManagerId;
  readonly family: Family;
  readonly table: TableName;
  /** Its chains, in the dump's order. */
  readonly chains: readonly string[];
  /** Rules inside those chains. */
  readonly rules: number;
  /** Rules in other chains that jump or go to one of them. */
  readonly jumps: number;
}

function ownersOf(table: Table): Map<string, ManagerId> {
  const owners = new Map<string, ManagerId>();
  for (const c of table.chains) {
    if (c.builtin) continue;
    const m = managerOfChain(c.name);
    if (m !== undefined) owners.set(c.name, m.id);
  }
  return owners;
}

function jumpTarget(r: Rule): string | undefined {
  return r.target?.kind === "jump" || r.target?.kind === "goto" ? r.target.chain : undefined;
}

/**
 * Finds the chains each manager owns, per table, with how many rules are in them and jump into them.
 *
 * @example
 * ```ts
 * const { value } = parseRuleset(dockerHostDump);
 * if (value) recogniseManagedChains(value); // [{ manager: "docker", table: "filter", chains: ["DOCKER", ...], ... }, ...]
 * ```
 */
export function recogniseManagedChains(ruleset: Ruleset): ManagedChains[] {
  const found: ManagedChains[] = [];
  for (const table of ruleset.tables) {
    const owners = ownersOf(table);
    for (const m of chainManagers) {
      const chains = table.chains.filter((c) => owners.get(c.name) === m.id).map((c) => c.name);
      if (chains.length === 0) continue;
      const mine = new Set(chains);
      const rules = table.rules.filter((r) => mine.has(r.chain)).length;
      const jumps = table.rules.filter((r) => !mine.has(r.chain) && mine.has(jumpTarget(r) ?? "")).length;
      found.push({ manager: m.id, family: ruleset.family, table: table.name, chains, rules, jumps });
    }
  }
  return found;
}

/** A rule outside the excluded chains that was removed because it jumps or goes into one of them. */
export interface RemovedJump {
  readonly manager: ManagerId;
  readonly family: Family;
  readonly table: TableName;
  readonly chain: string;
  /** The chain it jumped to. */
  readonly target: string;
  /** Its line in the dump. */
  readonly line: number;
  /** The rule as canonical iptables-save text. */
  readonly text: string;
}

/** The result of {@link excludeManagedChains}. */
export interface ManagedExclusion {
  /** The ruleset without the excluded chains and the rules that enter them. */
  readonly ruleset: Ruleset;
  /** What was taken out, per manager and table. */
  readonly excluded: readonly ManagedChains[];
  /** Each removed rule that jumped or went into an excluded chain. */
  readonly removedJumps: readonly RemovedJump[];
  /**
   * What stays in iptables when the migration is applied: per table, the built-in chains with policy ACCEPT
   * (the policies move to nft), the excluded chains with their rules, and the jumps into them from built-in
   * chains, so the managers' rules keep working where their managers maintain them.
   */
  readonly remainder: Ruleset;
  /**
   * Removed jumps that the remainder cannot keep, because they sit in a chain that moves to nft: packets
   * no longer reach the manager's chain that way.
   */
  readonly orphanedJumps: readonly RemovedJump[];
}

function withoutCounters(r: Rule): Rule {
  if (r.counters === undefined) return r;
  const { counters: _counters, ...rest } = r;
  return rest;
}

function acceptPolicy(c: Chain): Chain {
  const { counters: _counters, ...rest } = c;
  return { ...rest, policy: "ACCEPT" };
}

/**
 * Takes the chains of the given managers out of a ruleset, with every rule that jumps or goes into them,
 * and says what was removed. A chain of a manager that is not excluded stays, and so do its jumps.
 *
 * @example
 * ```ts
 * const { value } = parseRuleset(dockerHostDump);
 * if (value) {
 *   const { ruleset, removedJumps } = excludeManagedChains(value, new Set(["docker"]));
 *   removedJumps.map((j) => j.text); // ["-A FORWARD -j DOCKER-USER", "-A FORWARD -j DOCKER-FORWARD", ...]
 * }
 * ```
 */
export function excludeManagedChains(ruleset: Ruleset, managers: ReadonlySet<ManagerId>): ManagedExclusion {
  const excluded = recogniseManagedChains(ruleset).filter((m) => managers.has(m.manager));
  const removedJumps: RemovedJump[] = [];
  const orphanedJumps: RemovedJump[] = [];
  const kept: Table[] = [];
  const remainder: Table[] = [];
  for (const table of ruleset.tables) {
    const owners = ownersOf(table);
    const excludedOwner = (chain: string): ManagerId | undefined => {
      const id = owners.get(chain);
      return id !== undefined && managers.has(id) ? id : undefined;
    };
    const builtin = new Set(table.chains.filter((c) => c.builtin).map((c) => c.name));
    const keptRules: Rule[] = [];
    const remainderRules: Rule[] = [];
    for (const r of table.rules) {
      if (excludedOwner(r.chain) !== undefined) {
        remainderRules.push(withoutCounters(r));
        continue;
      }
      const target = jumpTarget(r);
      const owner = target === undefined ? undefined : excludedOwner(target);
      if (target === undefined || owner === undefined) {
        keptRules.push(r);
        continue;
      }
      const removed: RemovedJump = { manager: owner, family: ruleset.family, table: table.name, chain: r.chain, target, line: r.span.start.line, text: printRule(withoutCounters(r)) };
      removedJumps.push(removed);
      if (builtin.has(r.chain)) remainderRules.push(withoutCounters(r));
      else orphanedJumps.push(removed);
    }
    kept.push({ ...table, chains: table.chains.filter((c) => excludedOwner(c.name) === undefined), rules: keptRules });
    remainder.push({
      ...table,
      chains: table.chains.filter((c) => c.builtin || excludedOwner(c.name) !== undefined).map((c) => (c.builtin ? acceptPolicy(c) : c)),
      rules: remainderRules,
      leadingComments: [],
      comments: [],
    });
  }
  return {
    ruleset: { ...ruleset, tables: kept },
    excluded,
    removedJumps,
    remainder: { ...ruleset, tables: remainder, trailingComments: [] },
    orphanedJumps,
  };
}
