// Types of the agent-secrets package (CommonJS and ES module entries alike).

/** The stable error codes; one per category of the CLI's exit codes. */
export type AgentSecretsErrorCode =
  | 'WRONG_PASSWORD'
  | 'LOCKED'
  | 'NOT_FOUND'
  | 'INTEGRITY'
  | 'CONFLICT'
  | 'NOT_INITIALIZED'
  | 'INVALID_NAME'
  | 'INVALID_INPUT'
  | 'IO';

/** Every error the package throws on purpose. The message is the CLI's, never a value. */
export class AgentSecretsError extends Error {
  constructor(message: string, code: AgentSecretsErrorCode);
  readonly name: 'AgentSecretsError';
  readonly code: AgentSecretsErrorCode;
}

/** The codes as constants: `codes.NOT_FOUND === 'NOT_FOUND'`. */
export const codes: Readonly<{ [K in AgentSecretsErrorCode]: K }>;

/** Where the vault is and how to reach it. */
export interface VaultLocation {
  /** The vault folder. Default: $AGENT_SECRETS_DIR, else `.agent/secrets` under `process.cwd()`. */
  dir?: string;
  /** Where AGENT_SECRETS_* and the mapped variables are read. Default: `process.env`. */
  processEnv?: Record<string, string | undefined>;
  /** How long to wait for another writer's lock. Default: $AGENT_SECRETS_LOCK_TIMEOUT_MS (digits only, else INVALID_INPUT), else 10000. */
  lockTimeoutMs?: number;
}

export interface OpenOptions extends VaultLocation {
  /** The master password. Default: $AGENT_SECRETS_PASSWORD. Must be a non-empty string. */
  password?: string;
  /**
   * Use the vault's open session (`agent secret unlock`) when there is one: no password, no KDF.
   * Default: true, unless AGENT_SECRETS_NO_SESSION=1 in `processEnv`.
   */
  session?: boolean;
}

export interface LoadEnvOptions extends OpenOptions {
  /** Only these services' secrets. Default: every service. */
  services?: string[];
  /** Replace variables that are already set. Default: false (like dotenv). */
  override?: boolean;
}

/** What `loadEnv` did: variable names only, never values. */
export interface LoadEnvResult {
  /** Variables set from the vault. */
  loaded: string[];
  /** Variables left as they were because they were already set. */
  skipped: string[];
}

/** A value and where it came from. */
export type Resolved =
  | { value: string; source: 'vault' }
  | { value: string; source: 'env'; variable: string };

/** A known provider's credentials (openai, anthropic, gemini, supabase). */
export interface ProviderConfig {
  provider: string;
  /** Found credentials by key, e.g. `api_key`. */
  credentials: Record<string, Resolved>;
  /** Keys found neither in the vault nor in the environment. */
  missing: string[];
}

/** A document the password-free reads could not use; the others were still read. */
export interface Problem {
  code: AgentSecretsErrorCode;
  message: string;
}

/** Metadata of one secret, never its value. Timestamps are RFC 3339 UTC. */
export interface SecretInfo {
  key: string;
  key_id: string;
  created_at: string;
  updated_at: string;
}

export interface Listing {
  services: { service: string; secrets: SecretInfo[] }[];
  problems: Problem[];
}

/** Read without the password: config.json's MAC is not checked, so the policies are as the file states them. */
export interface Status {
  iterations: number;
  vault_key_id: string;
  recipients: string[];
  active_key: string;
  key_ids: string[];
  services: number;
  secrets: number;
  lockout: { max_attempts: number; base_delay_seconds: number; max_delay_seconds: number };
  alerts: { failed_unlocks: number; window_seconds: number } | null;
  created_at: string;
  updated_at: string;
  problems: Problem[];
}

/** One variable the env mapping gives for a secret, with its value. */
export interface EnvVar {
  variable: string;
  service: string;
  key: string;
  value: string;
}

/** An unlocked vault. Methods are synchronous; call `close()` when done. */
export class Vault {
  private constructor();
  /** The vault folder (absolute). */
  readonly dir: string;
  /** The value of service/key. Throws NOT_FOUND if the vault lacks it. */
  get(service: string, key: string): string;
  /** Stores a string value. */
  set(service: string, key: string, value: string): 'created' | 'updated';
  /** Removes service/key. Throws NOT_FOUND if absent. */
  delete(service: string, key: string): void;
  /** Names and metadata, never values. */
  list(service?: string): Listing;
  /** Vault first, then the mapped environment variables. */
  resolve(service: string, key: string): Resolved;
  /** A known provider's credentials, vault first, then the environment. */
  providerConfig(name: string): ProviderConfig;
  /**
   * Every variable the env mapping gives for these services' secrets (all when omitted), with values;
   * variables that steer a loader, shell or interpreter (LD_PRELOAD, …) are left out with an AgentSecretsWarning.
   */
  envVars(services?: string[]): EnvVar[];
  /** Wipes the keys; every later call throws. */
  close(): void;
}

/** Opens the vault: with its open session's key (`agent secret unlock`), else the password (PBKDF2 by WebCrypto). A wrong password counts toward the lockout. */
export function openVault(options?: OpenOptions): Promise<Vault>;

/** Fills `processEnv` (default `process.env`) from the vault with the CLI's env mapping. */
export function loadEnv(options?: LoadEnvOptions): Promise<LoadEnvResult>;

/** One secret, vault first, then its mapped environment variables. */
export function resolve(service: string, key: string, options?: OpenOptions): Promise<Resolved>;

/** A known provider's credentials, vault first, then the environment. */
export function providerConfig(name: string, options?: OpenOptions): Promise<ProviderConfig>;

/** Names and metadata without the password. */
export function list(service?: string, options?: VaultLocation): Listing;

/** The vault's state without the password. */
export function status(options?: VaultLocation): Status;

/** The variables a secret maps to without a vault's user mapping, preferred first. */
export function envVarsFor(service: string, key: string): string[];

/** The folder `openVault` uses when `dir` is not given. */
export function defaultDir(processEnv?: Record<string, string | undefined>): string;

