/**
 * The nftables model and its printers: build an {@link NftRuleset}, then print it as an `nft -f` file with
 * {@link printNftText} or as libnftables JSON (`nft -j -f`) with {@link printNftJson} / {@link printNftJsonText}.
 * Both printers are pure and print the same ruleset.
 *
 * @example
 * ```ts
 * import { printNftText, type NftRuleset } from "./nft/index.js";
 * const ruleset: NftRuleset = {
 *   kind: "ruleset",
 *   tables: [{
 *     kind: "table", family: "inet", name: "filter", objects: [], sets: [], maps: [],
 *     chains: [{
 *       kind: "chain", name: "input",
 *       base: { type: "filter", hook: "input", priority: 0, policy: "drop" },
 *       rules: [{
 *         kind: "rule",
 *         exprs: [
 *           { kind: "match", op: "==", left: { kind: "payload", protocol: "tcp", field: "dport" },
 *             right: { kind: "number", value: 22 } },
 *           { kind: "accept" },
 *         ],
 *       }],
 *     }],
 *   }],
 * };
 * printNftText(ruleset);
 * // table inet filter {
 * // 	chain input {
 * // 		type filter hook input priority filter; policy drop;
 * // 		tcp dport 22 accept
 * // 	}
 * // }
 * ```
 * @module
 */
export type {
  NftAnonymousSet,
  NftBaseChain,
  NftBinaryOperator,
  NftBinop,
  NftBoolean,
  NftChain,
  NftChainType,
  NftChainVerdict,
  NftConcat,
  NftCounter,
  NftCounterObject,
  NftCounterValues,
  NftCt,
  NftCtCount,
  NftCtDirection,
  NftCtHelperObject,
  NftCtKey,
  NftCtTimeoutObject,
  NftDataType,
  NftDup,
  NftElem,
  NftExpr,
  NftExthdr,
  NftExthdrFields,
  NftFamily,
  NftFib,
  NftHook,
  NftIpFamily,
  NftIpOption,
  NftIpsec,
  NftJhash,
  NftJsonValue,
  NftLimit,
  NftLimitObject,
  NftList,
  NftLog,
  NftLogFlag,
  NftLogLevel,
  NftMangle,
  NftMap,
  NftMapLookup,
  NftMapping,
  NftMatch,
  NftMatchOperator,
  NftMeta,
  NftMetaKey,
  NftMeter,
  NftNat,
  NftNatFlag,
  NftNotrack,
  NftNumber,
  NftNumgen,
  NftObject,
  NftObjectReference,
  NftObjectType,
  NftPayload,
  NftPayloadFields,
  NftPayloadProtocol,
  NftPortNat,
  NftPrefix,
  NftQueue,
  NftQuota,
  NftQuotaObject,
  NftRange,
  NftRawPayload,
  NftRawStatement,
  NftReject,
  NftRejectWith,
  NftRt,
  NftRule,
  NftRuleset,
  NftSelector,
  NftSet,
  NftSetFlag,
  NftSetReference,
  NftSetStatement,
  NftSimpleVerdict,
  NftSocket,
  NftStatement,
  NftString,
  NftSymbol,
  NftSymhash,
  NftSynproxy,
  NftTable,
  NftTcpOption,
  NftTcpOptionFields,
  NftTimeUnit,
  NftTproxy,
  NftVerdict,
  NftVerdictMap,
} from "./ast.js";
export { isConditionStatement, ruleStatements } from "./ast.js";
export type { NftPrintOptions } from "./text.js";
export {
  isNftIdentifier,
  isNftQuotable,
  printNftChain,
  printNftExpr,
  printNftName,
  printNftObject,
  printNftPriority,
  printNftRule,
  printNftSet,
  printNftStatement,
  printNftTable,
  printNftText,
  quoteNftString,
} from "./text.js";
export type { NftJsonDocument, NftJsonObject } from "./json.js";
export {
  printNftJson,
  printNftJsonChain,
  printNftJsonExpr,
  printNftJsonObject,
  printNftJsonRule,
  printNftJsonSet,
  printNftJsonStatement,
  printNftJsonTable,
  printNftJsonText,
  stringifyNftJson,
} from "./json.js";
