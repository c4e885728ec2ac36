/** The path of the devstack binary for this machine (or DEVSTACK_BINARY). */
export function binaryPath(): string;
/** This machine as npm names platforms, e.g. `linux-x64`. */
export function platform(): string;
/** This package's version, the binary's too. */
export const version: string;
