'use strict';
// Every error the package throws on purpose is an AgentSecretsError with a
// stable `code`. Messages are the core's (the CLI prints the same ones) and
// never hold a value, a password or a key.

/** The codes, one per category of the CLI's exit codes. */
const codes = Object.freeze({
  WRONG_PASSWORD: 'WRONG_PASSWORD',
  LOCKED: 'LOCKED',
  NOT_FOUND: 'NOT_FOUND',
  INTEGRITY: 'INTEGRITY',
  CONFLICT: 'CONFLICT',
  NOT_INITIALIZED: 'NOT_INITIALIZED',
  INVALID_NAME: 'INVALID_NAME',
  INVALID_INPUT: 'INVALID_INPUT',
  IO: 'IO',
});

class AgentSecretsError extends Error {
  /**
   * @param {string} message
   * @param {string} code one of `codes`
   */
  constructor(message, code) {
    super(message);
    this.name = 'AgentSecretsError';
    this.code = code;
  }
}

/**
 * An error thrown by the wasm core as the package's error: same message and
 * code, except that an invalid service or key name (the core's
 * INVALID_INPUT with `invalidName`) gets INVALID_NAME. Anything else is
 * returned as it is.
 */
function fromCore(e) {
  if (e instanceof AgentSecretsError) return e;
  if (e instanceof Error && e.name === 'AgentSecretsError' && typeof e.code === 'string') {
    const out = new AgentSecretsError(e.message, e.invalidName === true ? codes.INVALID_NAME : e.code);
    if (e.retry === true) out.retry = true;
    return out;
  }
  return e;
}

/** Runs `f`, rethrowing core errors as the package's. */
function core(f) {
  try {
    return f();
  } catch (e) {
    throw fromCore(e);
  }
}

function invalidInput(message) {
  return new AgentSecretsError(message, codes.INVALID_INPUT);
}

module.exports = { AgentSecretsError, codes, fromCore, core, invalidInput };
