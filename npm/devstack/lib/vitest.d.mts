export interface DevstackOptions {
  /** `embedded` (the default, or DEVSTACK_ENGINE), `dynamodb-local` or `ministack`. */
  engine?: 'embedded' | 'dynamodb-local' | 'ministack';
  /** The manifest; by default DEVSTACK_FILE, else devstack.toml from the root upwards. */
  file?: string;
  /** The devstack binary; by default this platform's package's (or DEVSTACK_BINARY). */
  binary?: string;
  /** No line about the stacks on stderr. */
  quiet?: boolean;
}
type Teardown = () => Promise<void>;
/** A vitest global set-up with these options. */
export function globalSetup(options?: DevstackOptions): (project: unknown) => Promise<Teardown>;
/** How many workers vitest runs at once with this resolved configuration. */
export function workerCount(config: Record<string, unknown>): number;
declare const setup: (project: unknown) => Promise<Teardown>;
export default setup;
