/**
 * `ipset save` data for the equivalence property: the sets `-m set` and `-j SET` rules of
 * test/arb/eq-modules.ts name, with members drawn from the shared vocabulary, so packets land in them.
 *
 * Every set is always declared (a rule may name any of them); which candidate members each set holds is
 * generated, as a subarray fast-check shrinks towards empty. The candidates are one `ipset save` text per
 * family, parsed once by the ipset parser, so members are exactly what the parser gives.
 * @module
 */
import fc from "fast-check";
import { noSpan } from "../../src/diagnostic/index.js";
import { type Family, type IpsetSave, type IpsetSet, type TableName, printIpsetSave, tableNames } from "../../src/ast/index.js";
import { parseIpsetSave } from "../../src/parse/index.js";
import { forFamily } from "./eq-vocabulary.js";

/** The sets and their candidate members, as `ipset save` prints them (IPv4 words; see {@link forFamily}). */
function candidateText(family: Family): string {
  const inet = family === "ipv4" ? "inet" : "inet6";
  const lines = [
    `create s_ip hash:ip family ${inet} hashsize 1024 maxelem 65536`,
    ...["10.0.0.2", "172.17.0.4", "192.168.1.7", "10.0.0.1"].map((a) => `add s_ip ${a}`),
    `create s_net hash:net family ${inet} hashsize 1024 maxelem 65536`,
    ...["10.0.0.0/30", "192.168.1.0/24", "10.1.0.0/16"].map((a) => `add s_net ${a}`),
    `create s_ipport hash:ip,port family ${inet} hashsize 1024 maxelem 65536`,
    ...["10.0.0.1,tcp:22", "172.17.0.4,udp:53", "10.0.0.2,tcp:80", "192.168.1.7,tcp:8080"].map((a) => `add s_ipport ${a}`),
    `create s_netport hash:net,port family ${inet} hashsize 1024 maxelem 65536`,
    ...["10.0.0.0/8,tcp:80", "192.168.1.0/24,udp:53", "172.17.0.4,tcp:1000"].map((a) => `add s_netport ${a}`),
    "create s_port bitmap:port range 0-65535",
    ...["22", "53", "80", "8080", "2000"].map((p) => `add s_port ${p}`),
    // Sets -j SET changes start empty: a saved member keeps no base time for its timeout.
    ...tableNames.map((t) => `create dyn_${t} hash:ip family ${inet} hashsize 1024 maxelem 65536 timeout 10`),
    `create s_ip2 hash:ip family ${inet} hashsize 1024 maxelem 65536`,
    ...["192.168.1.7", "10.0.0.3"].map((a) => `add s_ip2 ${a}`),
    // A list of sets of one type: nft looks members of different types up with different keys.
    "create s_list list:set size 8",
    "add s_list s_ip",
    "add s_list s_ip2",
  ];
  return `${lines.map((l) => forFamily(family, l)).join("\n")}\n`;
}

const candidates = new Map<Family, IpsetSave>();

/** Every set with all its candidate members, parsed once per family. */
export function candidateIpsets(family: Family): IpsetSave {
  const hit = candidates.get(family);
  if (hit !== undefined) return hit;
  const parsed = parseIpsetSave(candidateText(family));
  const errors = parsed.diagnostics.filter((d) => d.severity === "error");
  if (parsed.value === undefined || errors.length > 0) throw new Error(`test/arb/eq-ipsets: candidate sets do not parse: ${errors.map((e) => e.message).join("; ")}`);
  candidates.set(family, parsed.value);
  return parsed.value;
}

/** The name of the set `-j SET` rules of `table` change (one per table: nft sets belong to one table). */
export function dynamicSetName(table: TableName): string {
  return `dyn_${table}`;
}

/** A set with a generated subset of its candidate members. */
function arbSet(set: IpsetSet): fc.Arbitrary<IpsetSet> {
  return fc.subarray([...set.members]).map((members) => ({ ...set, members }));
}

/**
 * `ipset save` data of `family`: every set the generated rules may name (s_ip, s_net, s_ipport, s_netport,
 * s_port, s_ip2, s_list, one dyn_TABLE per table), each holding some of its candidate members. Printed as
 * `ipset save` text in fast-check's reports.
 */
export function arbIpsets(family: Family): fc.Arbitrary<IpsetSave> {
  const all = candidateIpsets(family);
  return fc.tuple(...all.sets.map(arbSet)).map((sets) => {
    const save: IpsetSave = { kind: "ipset-save", sets, span: noSpan };
    Object.defineProperty(save, fc.toStringMethod, { enumerable: false, value: (): string => `ipset save:\n${printIpsetSave(save)}` });
    return save;
  });
}
