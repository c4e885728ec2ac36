/** The path of the devstack binary for this machine (or DEVSTACK_BINARY). */
export function binaryPath(): string;
/** This machine as npm names platforms, e.g. `linux-x64`. */
export function platform(): string;
/** This package's version, the binary's too. */
export const version: string;
/**
 * Brings tables of this test worker's stack back to their seed data
 * (`devstack reset [TABLE...]`; every manifest table when none is named).
 * Synchronous: done when it returns.
 */
export function reset(...tables: Array<string | string[]>): void;
/** The physical name of a manifest table: DEVSTACK_TABLE_PREFIX + `name`. */
export function tableName(name: string): string;
