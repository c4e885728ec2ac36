export interface DevstackOptions {
  /** `embedded` (the default, or DEVSTACK_ENGINE), `dynamodb-local` or `ministack`. */
  engine?: 'embedded' | 'dynamodb-local' | 'ministack';
  /** The manifest; by default DEVSTACK_FILE, else devstack.toml from rootDir upwards. */
  file?: string;
  /** The devstack binary; by default this platform's package's (or DEVSTACK_BINARY). */
  binary?: string;
  /** No line about the stacks on stderr. */
  quiet?: boolean;
}
type Setup = (globalConfig: unknown, projectConfig: unknown) => Promise<void>;
declare const setup: Setup & {
  /** A jest global set-up with these options. */
  globalSetup(options?: DevstackOptions): Setup;
  /** Removes every stack the global set-up started. */
  globalTeardown(): Promise<void>;
};
export = setup;
