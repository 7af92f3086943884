/**
 * How iptables tables and built-in chains map onto nft tables and base chains: same names, same hooks,
 * iptables' priorities, the nat table as nat chains and mangle OUTPUT as a route chain.
 * @module
 */
import type { TableName } from "../ast/index.js";
import { isNftIdentifier, type NftBaseChain, type NftHook } from "../nft/index.js";

const hooks: Readonly<Record<string, NftHook>> = {
  PREROUTING: "prerouting",
  INPUT: "input",
  FORWARD: "forward",
  OUTPUT: "output",
  POSTROUTING: "postrouting",
};

/** iptables' priority of each table (NF_IP_PRI_*), per hook for nat. */
function priorityOf(table: TableName, hook: NftHook): number {
  switch (table) {
    case "raw":
      return -300;
    case "mangle":
      return -150;
    case "nat":
      return hook === "prerouting" || hook === "output" ? -100 : 100;
    case "filter":
      return 0;
    case "security":
      return 50;
    default:
      return assertNeverTable(table);
  }
}

/** The base chain for a built-in chain, without its policy. */
export function baseChainFor(table: TableName, chain: string): Omit<NftBaseChain, "policy"> | undefined {
  const hook = hooks[chain];
  if (hook === undefined) return undefined;
  const type = table === "nat" ? "nat" : table === "mangle" && hook === "output" ? "route" : "filter";
  return { type, hook, priority: priorityOf(table, hook) };
}

/**
 * Assigns nft names to iptables chain names: unchanged when nft text can write them, otherwise a close
 * identifier that is unique in the table. Returns the mapping and the renamed pairs.
 */
export function nftChainNames(names: readonly string[]): { readonly map: ReadonlyMap<string, string>; readonly renamed: readonly (readonly [string, string])[] } {
  const map = new Map<string, string>();
  const used = new Set(names.filter(isNftIdentifier));
  const renamed: [string, string][] = [];
  for (const n of names) {
    if (isNftIdentifier(n)) {
      map.set(n, n);
      continue;
    }
    let base = n.replace(/[^A-Za-z0-9_.-]/g, "_");
    if (!/^[A-Za-z_]/.test(base) || !isNftIdentifier(base)) base = `chain_${base}`;
    let candidate = base;
    for (let i = 2; used.has(candidate) || !isNftIdentifier(candidate); i++) candidate = `${base}_${i}`;
    used.add(candidate);
    map.set(n, candidate);
    renamed.push([n, candidate]);
  }
  return { map, renamed };
}

function assertNeverTable(x: never): never {
  throw new Error(`unhandled table ${String(x)}`);
}
