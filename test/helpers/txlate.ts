/**
 * Loads netfilter's translation test cases from ../shared/conformance/txlate (not copied into this repo:
 * their licence differs). Tests that use them skip with a message when the directory is absent.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the txlate files live, relative to this repository. */
export const txlateDir = resolve(dirname(fileURLToPath(import.meta.url)), "../../../shared/conformance/txlate");

/** True when the txlate files are available. */
export const hasTxlate = existsSync(txlateDir);

/** One case: the iptables command and the nft text netfilter expects (one or more lines). */
export interface TxlateCase {
  readonly file: string;
  readonly line: number;
  readonly tool: "iptables" | "ip6tables";
  /** The command without the leading `iptables-translate`. */
  readonly command: string;
  /** Expected nft lines, with the `nft '...'` wrapper removed. */
  readonly expected: readonly string[];
}

/** Every iptables/ip6tables case (arptables and ebtables cases are left out: not our input). */
export function loadTxlateCases(): TxlateCase[] {
  const out: TxlateCase[] = [];
  for (const file of readdirSync(txlateDir).filter((f) => f.endsWith(".txlate")).sort()) {
    const lines = readFileSync(join(txlateDir, file), "utf8").split("\n");
    for (let i = 0; i < lines.length; i++) {
      const m = /^(ip6?tables)-translate\s+(.*)$/.exec(lines[i] ?? "");
      if (!m) continue;
      const expected: string[] = [];
      for (let j = i + 1; j < lines.length && (lines[j] ?? "").startsWith("nft "); j++) {
        expected.push((lines[j] ?? "").replace(/^nft\s+/, "").replace(/^'(.*)'$/, "$1"));
      }
      out.push({ file, line: i + 1, tool: m[1] as "iptables" | "ip6tables", command: (m[2] ?? "").trim(), expected });
    }
  }
  return out;
}
