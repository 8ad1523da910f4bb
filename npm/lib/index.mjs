// ES module entry: the same objects as the CommonJS entry (one wasm instance).
import cjs from './index.js';

export const {
  openVault,
  loadEnv,
  resolve,
  providerConfig,
  list,
  status,
  envVarsFor,
  defaultDir,
  AgentSecretsError,
  codes,
  Vault,
} = cjs;
export default cjs;
