/**
 * Host integration: running nft and friends, collecting a host's rules, recognising the chains other
 * software manages, converting, and applying with rollback.
 * @module
 */
export type { CommandResult, CommandRunner, NftCheckResult } from "./nft.js";
export { checkInNetns, systemRunner } from "./nft.js";
export type { HostFiles } from "./files.js";
export { nodeHostFiles } from "./files.js";
export type { CollectedDump, CollectError, HostInput, IptablesBackend, IptablesTools, IptablesVariant } from "./collect.js";
export { backendOfVersion, collectFromDirectory, collectFromHost, countDumpRules, dumpFileNames, hasTables, legacyTools } from "./collect.js";
export type { ChainManager, ManagedChains, ManagedExclusion, ManagerId, RemovedJump } from "./managers.js";
export { chainManagers, excludeManagedChains, managerOfChain, parseManagerList, recogniseManagedChains } from "./managers.js";
export type { FamilyConversion, HostConversion, HostConvertOptions, NftTableRef } from "./convert.js";
export { convertHostInput } from "./convert.js";
export type { ApplySummary, EquivalenceSummary, FamilySummary, HostSummary, ManagerSummary, SummaryContext, SummaryDiagnostic, ValidationResult } from "./summary.js";
export { formatHostSummary, summariseHost } from "./summary.js";
export type { ApplyEnvironment, ApplyPlan, Confirm, ConfirmationAnswer, LegacyMigration } from "./apply.js";
export { applyHostRuleset, normaliseIptablesDump, normaliseNftListing } from "./apply.js";
export type { SignalSource } from "./confirm.js";
export { confirmFromStream, isYes } from "./confirm.js";
