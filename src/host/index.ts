/**
 * Host integration: running nft and friends.
 * @module
 */
export type { CommandResult, CommandRunner, NftCheckResult } from "./nft.js";
export { checkInNetns, systemRunner } from "./nft.js";
