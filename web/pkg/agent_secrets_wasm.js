/* @ts-self-types="./agent_secrets_wasm.d.ts" */

/**
 * An unlocked vault: the data keys are held inside the wasm module until
 * `free()` is called or the object is collected.
 */
export class Vault {
    static __wrap(ptr) {
        const obj = Object.create(Vault.prototype);
        obj.__wbg_ptr = ptr;
        VaultFinalization.register(obj, obj.__wbg_ptr, obj);
        return obj;
    }
    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        VaultFinalization.unregister(this);
        return ptr;
    }
    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_vault_free(ptr, 0);
    }
    /**
     * Appends one audit line for an operation on this open vault, MAC'ed
     * with its audit key (so that nobody without the password can forge
     * or edit it), with `"auth": "session"` when a session's key opened
     * it; same arguments as the free `appendAudit`.
     * @param {string} operation
     * @param {string} status
     * @param {string | null | undefined} service
     * @param {string | null | undefined} key
     * @param {string} user
     * @param {string} source
     * @param {number} nowUnixSeconds
     */
    appendAudit(operation, status, service, key, user, source, nowUnixSeconds) {
        const val7 = +nowUnixSeconds;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4, ptr5, len5;
        try {
            ptr0 = passStringToWasm0(operation, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passStringToWasm0(status, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = isLikeNone(service) ? 0 : passStringToWasm0(service, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = isLikeNone(key) ? 0 : passStringToWasm0(key, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len3 = WASM_VECTOR_LEN;
            ptr4 = passStringToWasm0(user, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len4 = WASM_VECTOR_LEN;
            ptr5 = passStringToWasm0(source, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len5 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr5) { wasm.__wbindgen_free(ptr5, len5 * 1, 1); }
            if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 1, 1); }
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 1, 1); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
            throw e;
        }
        const ret = wasm.vault_appendAudit(this.__wbg_ptr, ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4, ptr5, len5, val7);
        if (ret[1]) {
            throw takeFromExternrefTable0(ret[0]);
        }
    }
    /**
     * Like the free `auditNextLine`, MAC'ed with this open vault's audit
     * key (the server appends it only where it chains).
     * @param {Uint8Array | number[]} tail
     * @param {string} operation
     * @param {string} status
     * @param {string | null | undefined} service
     * @param {string | null | undefined} key
     * @param {string} user
     * @param {number} nowUnixSeconds
     * @returns {string}
     */
    auditNextLine(tail, operation, status, service, key, user, nowUnixSeconds) {
        let deferred9_0;
        let deferred9_1;
        try {
            const val7 = +nowUnixSeconds;
            let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4, ptr5, len5;
            try {
                ptr0 = passArray8ToWasm0(tail, wasm.__wbindgen_malloc);
                len0 = WASM_VECTOR_LEN;
                ptr1 = passStringToWasm0(operation, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
                len1 = WASM_VECTOR_LEN;
                ptr2 = passStringToWasm0(status, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
                len2 = WASM_VECTOR_LEN;
                ptr3 = isLikeNone(service) ? 0 : passStringToWasm0(service, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
                len3 = WASM_VECTOR_LEN;
                ptr4 = isLikeNone(key) ? 0 : passStringToWasm0(key, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
                len4 = WASM_VECTOR_LEN;
                ptr5 = passStringToWasm0(user, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
                len5 = WASM_VECTOR_LEN;
            } catch (e) {
                if (ptr5) { wasm.__wbindgen_free(ptr5, len5 * 1, 1); }
                if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 1, 1); }
                if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 1, 1); }
                if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
                if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
                if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
                throw e;
            }
            const ret = wasm.vault_auditNextLine(this.__wbg_ptr, ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4, ptr5, len5, val7);
            var ptr8 = ret[0];
            var len8 = ret[1];
            if (ret[3]) {
                ptr8 = 0; len8 = 0;
                throw takeFromExternrefTable0(ret[2]);
            }
            deferred9_0 = ptr8;
            deferred9_1 = len8;
            return getStringFromWasm0(ptr8, len8);
        } finally {
            wasm.__wbindgen_free(deferred9_0, deferred9_1, 1);
        }
    }
    /**
     * Checks a whole audit log's chain and, with this vault's audit key,
     * its MACs: `{ lines, firstBroken, reason }`.
     * @param {Uint8Array | number[]} log
     * @returns {AgentSecretsAuditCheck}
     */
    auditVerify(log) {
        const ptr0 = passArray8ToWasm0(log, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.vault_auditVerify(this.__wbg_ptr, ptr0, len0);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return takeFromExternrefTable0(ret[0]);
    }
    /**
     * Removes `service`/`key`.
     * @param {string} service
     * @param {string} key
     */
    delete(service, key) {
        let ptr0, len0, ptr1, len1;
        try {
            ptr0 = passStringToWasm0(service, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passStringToWasm0(key, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len1 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
            throw e;
        }
        const ret = wasm.vault_delete(this.__wbg_ptr, ptr0, len0, ptr1, len1);
        if (ret[1]) {
            throw takeFromExternrefTable0(ret[0]);
        }
    }
    /**
     * Every document of the store as an object of name -> text, for a
     * browser to persist after a change. The documents hold ciphertext
     * only.
     * @returns {Record<string, string>}
     */
    documents() {
        const ret = wasm.vault_documents(this.__wbg_ptr);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return takeFromExternrefTable0(ret[0]);
    }
    /**
     * The variables the secrets of `services` (all services when
     * `undefined`) set, each with its value, by the core's
     * [`env::plan_env`] (as `agent secret run`): `{ vars, warnings }`,
     * `warnings` naming what is left out (a variable that never carries
     * a secret, a variable two secrets map to). A service document that
     * cannot be read fails the whole call (nothing half-loaded).
     * @param {string[] | null} [services]
     * @returns {AgentSecretsEnvPlan}
     */
    envVars(services) {
        var ptr0 = isLikeNone(services) ? 0 : passArrayJsValueToWasm0(services, wasm.__wbindgen_malloc);
        var len0 = WASM_VECTOR_LEN;
        const ret = wasm.vault_envVars(this.__wbg_ptr, ptr0, len0);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return takeFromExternrefTable0(ret[0]);
    }
    /**
     * The value of `service`/`key`.
     * @param {string} service
     * @param {string} key
     * @returns {string}
     */
    get(service, key) {
        let ptr0, len0, ptr1, len1;
        try {
            ptr0 = passStringToWasm0(service, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passStringToWasm0(key, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len1 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
            throw e;
        }
        const ret = wasm.vault_get(this.__wbg_ptr, ptr0, len0, ptr1, len1);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return takeFromExternrefTable0(ret[0]);
    }
    /**
     * Creates a vault in `store` (refused if it has a `config.json`). The
     * password must pass the core's strength rule (the core's `init`
     * checks it); `iterations` must be within 100,000 to 10,000,000.
     * @param {AgentSecretsStore} store
     * @param {string} password
     * @param {number} iterations
     * @param {number} nowUnixSeconds
     * @returns {Vault}
     */
    static init(store, password, iterations, nowUnixSeconds) {
        const val2 = +iterations;
        const val3 = +nowUnixSeconds;
        const ptr0 = passStringToWasm0(password, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.vault_init(store, ptr0, len0, val2, val3);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return Vault.__wrap(ret[0]);
    }
    /**
     * Like the free function `list`, on this vault's store.
     * @param {string | null} [service]
     * @returns {AgentSecretsListing}
     */
    list(service) {
        var ptr0 = isLikeNone(service) ? 0 : passStringToWasm0(service, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        var len0 = WASM_VECTOR_LEN;
        const ret = wasm.vault_list(this.__wbg_ptr, ptr0, len0);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return takeFromExternrefTable0(ret[0]);
    }
    /**
     * A known provider's credentials (openai, anthropic, gemini,
     * supabase), vault first, then `env`; an unknown provider is
     * `NOT_FOUND`.
     * @param {string} name
     * @param {Record<string, string | undefined>} env
     * @returns {AgentSecretsProviderConfig}
     */
    providerConfig(name, env) {
        const ptr0 = passStringToWasm0(name, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.vault_providerConfig(this.__wbg_ptr, ptr0, len0, env);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return takeFromExternrefTable0(ret[0]);
    }
    /**
     * The value of `service`/`key` from the vault, else from the mapped
     * variables of `env`: `{ value, source, variable? }`.
     * @param {string} service
     * @param {string} key
     * @param {Record<string, string | undefined>} env
     * @returns {AgentSecretsResolved}
     */
    resolve(service, key, env) {
        let ptr0, len0, ptr1, len1;
        try {
            ptr0 = passStringToWasm0(service, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passStringToWasm0(key, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len1 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
            throw e;
        }
        const ret = wasm.vault_resolve(this.__wbg_ptr, ptr0, len0, ptr1, len1, env);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return takeFromExternrefTable0(ret[0]);
    }
    /**
     * Sets (`variables`) or removes (`null`) the user mapping of
     * `service`/`key` in this vault's `config.json` (re-MAC'ed), with the
     * core's checks; the caller sends the new `config.json` to the server.
     * @param {string} service
     * @param {string} key
     * @param {string[] | null | undefined} variables
     * @param {number} nowUnixSeconds
     */
    setUserMapping(service, key, variables, nowUnixSeconds) {
        const val4 = +nowUnixSeconds;
        let ptr0, len0, ptr1, len1, ptr2, len2;
        try {
            ptr0 = passStringToWasm0(service, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passStringToWasm0(key, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = isLikeNone(variables) ? 0 : passArrayJsValueToWasm0(variables, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr2) { wasm.__externref_drop_slice(ptr2, len2); wasm.__wbindgen_free(ptr2, len2 * 4, 4); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
            throw e;
        }
        const ret = wasm.vault_setUserMapping(this.__wbg_ptr, ptr0, len0, ptr1, len1, ptr2, len2, val4);
        if (ret[1]) {
            throw takeFromExternrefTable0(ret[0]);
        }
    }
    /**
     * Stores `value` under `service`/`key`: `"created"` or `"updated"`.
     * @param {string} service
     * @param {string} key
     * @param {string} value
     * @param {number} nowUnixSeconds
     * @returns {"created" | "updated"}
     */
    set(service, key, value, nowUnixSeconds) {
        let deferred6_0;
        let deferred6_1;
        try {
            const val4 = +nowUnixSeconds;
            let ptr0, len0, ptr1, len1, ptr2, len2;
            try {
                ptr0 = passStringToWasm0(service, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
                len0 = WASM_VECTOR_LEN;
                ptr1 = passStringToWasm0(key, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
                len1 = WASM_VECTOR_LEN;
                ptr2 = passStringToWasm0(value, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
                len2 = WASM_VECTOR_LEN;
            } catch (e) {
                if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
                if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
                if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
                throw e;
            }
            const ret = wasm.vault_set(this.__wbg_ptr, ptr0, len0, ptr1, len1, ptr2, len2, val4);
            var ptr5 = ret[0];
            var len5 = ret[1];
            if (ret[3]) {
                ptr5 = 0; len5 = 0;
                throw takeFromExternrefTable0(ret[2]);
            }
            deferred6_0 = ptr5;
            deferred6_1 = len5;
            return getStringFromWasm0(ptr5, len5);
        } finally {
            wasm.__wbindgen_free(deferred6_0, deferred6_1, 1);
        }
    }
    /**
     * Like the free function `status`, on this vault's store.
     * @returns {AgentSecretsStatus}
     */
    status() {
        const ret = wasm.vault_status(this.__wbg_ptr);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return takeFromExternrefTable0(ret[0]);
    }
    /**
     * Opens the vault in `store` with a password key the caller derived
     * (PBKDF2-HMAC-SHA256, 32 bytes, with `recipient`'s parameters from
     * `unlockParams`, which counted the attempt; the npm package uses
     * WebCrypto). The MAC of `config.json` is verified before anything in
     * it is used. A key that opens nothing throws the plain
     * `WRONG_PASSWORD` and leaves the attempt counted: try the next
     * recipient, then call `failUnlock`. The key bytes handed over are
     * wiped here; the caller wipes its own copy.
     * @param {AgentSecretsStore} store
     * @param {string} recipient
     * @param {Uint8Array | number[]} passwordKey
     * @param {number} nowUnixSeconds
     * @returns {Vault}
     */
    static unlockWithPasswordKey(store, recipient, passwordKey, nowUnixSeconds) {
        const val3 = +nowUnixSeconds;
        let ptr0, len0, ptr1, len1;
        try {
            ptr0 = passStringToWasm0(recipient, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray8ToWasm0(passwordKey, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
            throw e;
        }
        const ret = wasm.vault_unlockWithPasswordKey(store, ptr0, len0, ptr1, len1, val3);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return Vault.__wrap(ret[0]);
    }
    /**
     * Opens the vault in `store` with a session agent's answer `frame` (a
     * whole frame; the caller wipes its copy): no password, no KDF. The
     * key's id must be the vault's current one and `config.json` must
     * verify under it. `undefined` when the session has ended; a miss
     * (the vault was rotated or replaced) throws the core's miss
     * (`WRONG_PASSWORD`), after which the caller uses the password.
     * @param {AgentSecretsStore} store
     * @param {Uint8Array | number[]} frame
     * @param {number} nowUnixSeconds
     * @returns {Vault | undefined}
     */
    static unlockWithSession(store, frame, nowUnixSeconds) {
        const val2 = +nowUnixSeconds;
        const ptr0 = passArray8ToWasm0(frame, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.vault_unlockWithSession(store, ptr0, len0, val2);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return ret[0] === 0 ? undefined : Vault.__wrap(ret[0]);
    }
    /**
     * Opens the vault in `store` with the password. Wrong passwords count
     * toward the lockout (`state.json` in the store); `nowUnixSeconds` is
     * the current time.
     * @param {AgentSecretsStore} store
     * @param {string} password
     * @param {number} now_unix_seconds
     * @returns {Vault}
     */
    static unlock(store, password, now_unix_seconds) {
        const val2 = +now_unix_seconds;
        const ptr0 = passStringToWasm0(password, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.vault_unlock(store, ptr0, len0, val2);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return Vault.__wrap(ret[0]);
    }
}
if (Symbol.dispose) Vault.prototype[Symbol.dispose] = Vault.prototype.free;

/**
 * Takes the write lock of the folder shown as `folder` (ending in `/`)
 * for `tool` (`"node"` or `"ui"`; `"cli"` too), waiting up to `timeoutMs`
 * (`undefined`: the default) for a live holder. Returns the bytes written
 * to `.lock`, the proof `releaseLock` needs.
 * @param {AgentSecretsLockPrimitives} io
 * @param {string} folder
 * @param {number | null | undefined} timeout_ms
 * @param {string} tool
 * @returns {Uint8Array}
 */
export function acquireLock(io, folder, timeout_ms, tool) {
    const val3 = +(isLikeNone(timeout_ms) ? 0 : timeout_ms);
    let ptr0, len0, ptr1, len1;
    try {
        ptr0 = passStringToWasm0(folder, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len0 = WASM_VECTOR_LEN;
        ptr1 = passStringToWasm0(tool, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len1 = WASM_VECTOR_LEN;
    } catch (e) {
        if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
        if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
        throw e;
    }
    const ret = wasm.acquireLock(io, ptr0, len0, !isLikeNone(timeout_ms), val3, ptr1, len1);
    if (ret[3]) {
        throw takeFromExternrefTable0(ret[2]);
    }
    var v4 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
    wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
    return v4;
}

/**
 * After a failed unlock: the core's [`operation::alert_after_failure`].
 * When `config.json` has `alerts` thresholds and the failed unlocks
 * reach them, it appends an `alert` line (status `failed`) and this
 * returns `{ line, message, failedUnlocks, windowSeconds }` (`line` is
 * the appended audit line as JSON, for the user's alert command,
 * `alertCommand`: never one from the vault's `config.json`; `message`
 * the warning to show); otherwise `null`. A failure to append the line
 * is thrown.
 * @param {AgentSecretsStore} store
 * @param {string} user
 * @param {string} source
 * @param {number} nowUnixSeconds
 * @returns {AgentSecretsAlert | null}
 */
export function alertAfterFailure(store, user, source, nowUnixSeconds) {
    const val3 = +nowUnixSeconds;
    let ptr0, len0, ptr1, len1;
    try {
        ptr0 = passStringToWasm0(user, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len0 = WASM_VECTOR_LEN;
        ptr1 = passStringToWasm0(source, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len1 = WASM_VECTOR_LEN;
    } catch (e) {
        if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
        if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
        throw e;
    }
    const ret = wasm.alertAfterFailure(store, ptr0, len0, ptr1, len1, val3);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return takeFromExternrefTable0(ret[0]);
}

/**
 * The alert command ([`user_config::alert_command`]): `envValue` is
 * `AGENT_SECRETS_ALERT_COMMAND`, `file` what the package found at `path`
 * (opened without following a link, without blocking), `user` the
 * effective uid. `{ command?, warning? }`.
 * @param {string | null | undefined} envValue
 * @param {string | null | undefined} path
 * @param {AgentSecretsUserConfigFile} file
 * @param {number} user
 * @returns {AgentSecretsAlertCommand}
 */
export function alertCommand(envValue, path, file, user) {
    const val3 = +user;
    let ptr0, len0, ptr1, len1;
    try {
        ptr0 = isLikeNone(envValue) ? 0 : passStringToWasm0(envValue, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len0 = WASM_VECTOR_LEN;
        ptr1 = isLikeNone(path) ? 0 : passStringToWasm0(path, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len1 = WASM_VECTOR_LEN;
    } catch (e) {
        if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
        if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
        throw e;
    }
    const ret = wasm.alertCommand(ptr0, len0, ptr1, len1, file, val3);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return takeFromExternrefTable0(ret[0]);
}

/**
 * Appends one audit line for an operation of a front end (`source`:
 * `"node"` for the npm package), under the store's write lock.
 * `operation` and `status` are the names of the audit format
 * (`"get"`, `"success"`, …); service and key names that are not valid
 * names are left out, so nothing but a name reaches the log.
 * @param {AgentSecretsStore} store
 * @param {string} operation
 * @param {string} status
 * @param {string | null | undefined} service
 * @param {string | null | undefined} key
 * @param {string} user
 * @param {string} source
 * @param {number} nowUnixSeconds
 */
export function appendAudit(store, operation, status, service, key, user, source, nowUnixSeconds) {
    const val7 = +nowUnixSeconds;
    let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4, ptr5, len5;
    try {
        ptr0 = passStringToWasm0(operation, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len0 = WASM_VECTOR_LEN;
        ptr1 = passStringToWasm0(status, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len1 = WASM_VECTOR_LEN;
        ptr2 = isLikeNone(service) ? 0 : passStringToWasm0(service, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len2 = WASM_VECTOR_LEN;
        ptr3 = isLikeNone(key) ? 0 : passStringToWasm0(key, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len3 = WASM_VECTOR_LEN;
        ptr4 = passStringToWasm0(user, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len4 = WASM_VECTOR_LEN;
        ptr5 = passStringToWasm0(source, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len5 = WASM_VECTOR_LEN;
    } catch (e) {
        if (ptr5) { wasm.__wbindgen_free(ptr5, len5 * 1, 1); }
        if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 1, 1); }
        if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 1, 1); }
        if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
        if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
        if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
        throw e;
    }
    const ret = wasm.appendAudit(store, ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4, ptr5, len5, val7);
    if (ret[1]) {
        throw takeFromExternrefTable0(ret[0]);
    }
}

/**
 * The lines of an audit log that parse (as stored, each with its line
 * `number`) and the numbers of those that do not.
 * @param {Uint8Array | number[]} log
 * @returns {AgentSecretsAuditLines}
 */
export function auditLines(log) {
    const ptr0 = passArray8ToWasm0(log, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.auditLines(ptr0, len0);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return takeFromExternrefTable0(ret[0]);
}

/**
 * The audit line (with its newline) the page sends to the server for an
 * operation of its own (`source` `ui`) made without the vault open (a
 * failed unlock), chained after the log whose last bytes are `tail`, with
 * no MAC. Names that are not valid names are left out. An open vault's
 * lines come from `Vault.auditNextLine`.
 * @param {Uint8Array | number[]} tail
 * @param {string} operation
 * @param {string} status
 * @param {string | null | undefined} service
 * @param {string | null | undefined} key
 * @param {string} user
 * @param {number} nowUnixSeconds
 * @returns {string}
 */
export function auditNextLine(tail, operation, status, service, key, user, nowUnixSeconds) {
    let deferred9_0;
    let deferred9_1;
    try {
        const val7 = +nowUnixSeconds;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4, ptr5, len5;
        try {
            ptr0 = passArray8ToWasm0(tail, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passStringToWasm0(operation, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passStringToWasm0(status, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = isLikeNone(service) ? 0 : passStringToWasm0(service, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len3 = WASM_VECTOR_LEN;
            ptr4 = isLikeNone(key) ? 0 : passStringToWasm0(key, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len4 = WASM_VECTOR_LEN;
            ptr5 = passStringToWasm0(user, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len5 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr5) { wasm.__wbindgen_free(ptr5, len5 * 1, 1); }
            if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 1, 1); }
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 1, 1); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
            throw e;
        }
        const ret = wasm.auditNextLine(ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4, ptr5, len5, val7);
        var ptr8 = ret[0];
        var len8 = ret[1];
        if (ret[3]) {
            ptr8 = 0; len8 = 0;
            throw takeFromExternrefTable0(ret[2]);
        }
        deferred9_0 = ptr8;
        deferred9_1 = len8;
        return getStringFromWasm0(ptr8, len8);
    } finally {
        wasm.__wbindgen_free(deferred9_0, deferred9_1, 1);
    }
}

/**
 * The audit status (`"success"`, `"unauthorized"`, …) an operation's
 * line is recorded with, by the core's [`operation::audit_status`]:
 * `code` is the `code` of the error it failed with (`undefined` when it
 * succeeded; the package's `INVALID_NAME` is a core `INVALID_INPUT`; an
 * unknown code a failure), `fromEnv` whether a value came from an
 * environment variable. `undefined` when nothing is recorded (bad input
 * never reached the vault; no vault).
 * @param {string | null | undefined} code
 * @param {boolean} fromEnv
 * @returns {string | undefined}
 */
export function auditStatus(code, fromEnv) {
    const val2 = +fromEnv;
    var ptr0 = isLikeNone(code) ? 0 : passStringToWasm0(code, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    var len0 = WASM_VECTOR_LEN;
    const ret = wasm.auditStatus(ptr0, len0, val2);
    let v3;
    if (ret[0] !== 0) {
        v3 = getStringFromWasm0(ret[0], ret[1]);
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
    }
    return v3;
}

/**
 * Checks the hash chain of a whole audit log, without a key (MACs are
 * not checked; `Vault.auditVerify` does): `{ lines, firstBroken, reason,
 * macsChecked, authenticated, summary }` (`summary` is the core's sentence).
 * @param {Uint8Array | number[]} log
 * @returns {AgentSecretsAuditCheck}
 */
export function auditVerify(log) {
    const ptr0 = passArray8ToWasm0(log, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.auditVerify(ptr0, len0);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return takeFromExternrefTable0(ret[0]);
}

/**
 * The 32-byte password key: PBKDF2-HMAC-SHA256 of the password's UTF-8
 * bytes, as the vault derives it, for `Vault.unlockWithPasswordKey`. The
 * parameters must be a recipient's (`unlockParams`): a 16-byte salt and
 * 100,000 to 10,000,000 iterations, else it throws with `code =
 * "INVALID_INPUT"` before any work.
 * @param {string} password
 * @param {Uint8Array | number[]} salt
 * @param {number} iterations
 * @returns {Uint8Array}
 */
export function deriveKey(password, salt, iterations) {
    const val3 = +iterations;
    let ptr0, len0, ptr1, len1;
    try {
        ptr0 = passStringToWasm0(password, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len0 = WASM_VECTOR_LEN;
        ptr1 = passArray8ToWasm0(salt, wasm.__wbindgen_malloc);
        len1 = WASM_VECTOR_LEN;
    } catch (e) {
        if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
        if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
        throw e;
    }
    const ret = wasm.deriveKey(ptr0, len0, ptr1, len1, val3);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return takeFromExternrefTable0(ret[0]);
}

/**
 * The variables a secret maps to without a vault's user mapping,
 * preferred first (the CLI's built-ins and rules).
 * @param {string} service_name
 * @param {string} key_name
 * @returns {string[]}
 */
export function envVarsFor(service_name, key_name) {
    let ptr0, len0, ptr1, len1;
    try {
        ptr0 = passStringToWasm0(service_name, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len0 = WASM_VECTOR_LEN;
        ptr1 = passStringToWasm0(key_name, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len1 = WASM_VECTOR_LEN;
    } catch (e) {
        if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
        if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
        throw e;
    }
    const ret = wasm.envVarsFor(ptr0, len0, ptr1, len1);
    if (ret[3]) {
        throw takeFromExternrefTable0(ret[2]);
    }
    var v3 = getArrayJsValueFromWasm0(ret[0], ret[1]);
    wasm.__wbindgen_free(ret[0], ret[1] * 4, 4);
    return v3;
}

/**
 * The last step of an unlock begun with `unlockParams` when no derived
 * key opened a recipient: the attempt counted as a wrong password; always
 * throws the wrong-password error with the attempts left (or the lockout
 * it started).
 * @param {AgentSecretsStore} store
 * @param {number} now_unix_seconds
 */
export function failUnlock(store, now_unix_seconds) {
    const ret = wasm.failUnlock(store, now_unix_seconds);
    if (ret[1]) {
        throw takeFromExternrefTable0(ret[0]);
    }
}

/**
 * Why the file `name` (shown as `path`; its `fstat`, or its `lstat` when
 * the open failed) may not be used for `access` by the user `euid`, or
 * `undefined` if it may.
 * @param {string} path
 * @param {string} name
 * @param {number} mode
 * @param {number} uid
 * @param {number} nlink
 * @param {number} size
 * @param {number} euid
 * @param {string} access_name
 * @returns {string | undefined}
 */
export function fileProblem(path, name, mode, uid, nlink, size, euid, access_name) {
    const val4 = +mode;
    const val5 = +uid;
    const val6 = +nlink;
    const val7 = +size;
    const val8 = +euid;
    let ptr0, len0, ptr1, len1, ptr2, len2;
    try {
        ptr0 = passStringToWasm0(path, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len0 = WASM_VECTOR_LEN;
        ptr1 = passStringToWasm0(name, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len1 = WASM_VECTOR_LEN;
        ptr2 = passStringToWasm0(access_name, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len2 = WASM_VECTOR_LEN;
    } catch (e) {
        if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
        if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
        if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
        throw e;
    }
    const ret = wasm.fileProblem(ptr0, len0, ptr1, len1, val4, val5, val6, val7, val8, ptr2, len2);
    if (ret[3]) {
        throw takeFromExternrefTable0(ret[2]);
    }
    let v9;
    if (ret[0] !== 0) {
        v9 = getStringFromWasm0(ret[0], ret[1]);
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
    }
    return v9;
}

/**
 * Why the vault folder `path` (its `lstat`: `mode`, `uid`) may not be
 * used by the user `euid`, or `undefined` if it may.
 * @param {string} path
 * @param {number} mode
 * @param {number} uid
 * @param {number} euid
 * @returns {string | undefined}
 */
export function folderProblem(path, mode, uid, euid) {
    const val2 = +mode;
    const val3 = +uid;
    const val4 = +euid;
    const ptr0 = passStringToWasm0(path, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.folderProblem(ptr0, len0, val2, val3, val4);
    let v5;
    if (ret[0] !== 0) {
        v5 = getStringFromWasm0(ret[0], ret[1]);
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
    }
    return v5;
}

/**
 * The plan of importing the `.env` bytes `file` into a vault with the
 * configuration `config` and the secrets `existing` (`[[service, key],
 * …]`), into `service` if given: `{ planned: [{ service, key, variable,
 * line, value }], notes }`. Any problem fails the whole plan with every
 * `line N: reason` in the message (never a line's content).
 * @param {Uint8Array | number[]} file
 * @param {Uint8Array | number[]} config
 * @param {[string, string][]} existing
 * @param {string | null} [service]
 * @returns {AgentSecretsImportPlan}
 */
export function importPlan(file, config, existing, service) {
    let ptr0, len0, ptr1, len1, ptr2, len2;
    try {
        ptr0 = passArray8ToWasm0(file, wasm.__wbindgen_malloc);
        len0 = WASM_VECTOR_LEN;
        ptr1 = passArray8ToWasm0(config, wasm.__wbindgen_malloc);
        len1 = WASM_VECTOR_LEN;
        ptr2 = isLikeNone(service) ? 0 : passStringToWasm0(service, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len2 = WASM_VECTOR_LEN;
    } catch (e) {
        if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
        if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
        if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
        throw e;
    }
    const ret = wasm.importPlan(ptr0, len0, ptr1, len1, existing, ptr2, len2);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return takeFromExternrefTable0(ret[0]);
}

/**
 * Looks at the lock without taking or breaking it:
 * `{ state: "free" | "held" | "stale" | "refused", detail? }`.
 * @param {AgentSecretsLockPrimitives} io
 * @param {string} folder
 * @returns {any}
 */
export function inspectLock(io, folder) {
    const ptr0 = passStringToWasm0(folder, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.inspectLock(io, ptr0, len0);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return takeFromExternrefTable0(ret[0]);
}

/**
 * Whether `name` is a temporary file of ours (the only names ever swept).
 * @param {string} name
 * @returns {boolean}
 */
export function isTempName(name) {
    const ptr0 = passStringToWasm0(name, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.isTempName(ptr0, len0);
    return ret !== 0;
}

/**
 * Names and metadata of the secrets in `store`, without the password
 * (names are not secret). With `service`, only that one.
 *
 * Returns `{ services: [{ service, secrets: [{ key, key_id, created_at,
 * updated_at }] }], problems: [{ code, message }] }`; a service document
 * that does not parse is a problem and the others are still listed.
 * @param {AgentSecretsStore} store
 * @param {string | null} [service]
 * @returns {AgentSecretsListing}
 */
export function list(store, service) {
    var ptr0 = isLikeNone(service) ? 0 : passStringToWasm0(service, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    var len0 = WASM_VECTOR_LEN;
    const ret = wasm.list(store, ptr0, len0);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return takeFromExternrefTable0(ret[0]);
}

/**
 * The pause before attempt `attempt + 1` of a waiting writer, in
 * milliseconds ([`Backoff`]: 1, 2, 4, …, 50).
 * @param {number} attempt
 * @returns {number}
 */
export function lockPauseMs(attempt) {
    const ret = wasm.lockPauseMs(attempt);
    return ret;
}

/**
 * The wait from the value of `AGENT_SECRETS_LOCK_TIMEOUT_MS`
 * (`undefined` when unset), in milliseconds, by the core's grammar
 * ([`lock::timeout_from_env`]); a value that breaks it throws
 * `INVALID_INPUT`.
 * @param {string | null} [value]
 * @returns {number}
 */
export function lockTimeoutMs(value) {
    var ptr0 = isLikeNone(value) ? 0 : passStringToWasm0(value, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    var len0 = WASM_VECTOR_LEN;
    const ret = wasm.lockTimeoutMs(ptr0, len0);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return ret[0];
}

/**
 * The variables `service`/`key` maps to under the configuration
 * `config` (the text of `config.json`), and where that comes from.
 * @param {Uint8Array | number[]} config
 * @param {string} service
 * @param {string} key
 * @returns {AgentSecretsMapping}
 */
export function mappingOf(config, service, key) {
    let ptr0, len0, ptr1, len1, ptr2, len2;
    try {
        ptr0 = passArray8ToWasm0(config, wasm.__wbindgen_malloc);
        len0 = WASM_VECTOR_LEN;
        ptr1 = passStringToWasm0(service, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len1 = WASM_VECTOR_LEN;
        ptr2 = passStringToWasm0(key, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len2 = WASM_VECTOR_LEN;
    } catch (e) {
        if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
        if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
        if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
        throw e;
    }
    const ret = wasm.mappingOf(ptr0, len0, ptr1, len1, ptr2, len2);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return takeFromExternrefTable0(ret[0]);
}

/**
 * The most bytes read whole of the file `name`.
 * @param {string} name
 * @returns {number}
 */
export function maxBytes(name) {
    const ptr0 = passStringToWasm0(name, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.maxBytes(ptr0, len0);
    return ret;
}

/**
 * The variables no child process inherits (the master passwords).
 * @returns {string[]}
 */
export function notInherited() {
    const ret = wasm.notInherited();
    var v1 = getArrayJsValueFromWasm0(ret[0], ret[1]);
    wasm.__wbindgen_free(ret[0], ret[1] * 4, 4);
    return v1;
}

/**
 * Opens a vault from its documents (an object of name -> JSON text or
 * bytes, e.g. `{ "config.json": "...", "openai.json": "..." }`), held in
 * memory. Read them back after changes with [`Vault::documents`].
 * @param {Record<string, string | Uint8Array>} documents
 * @param {string} password
 * @param {number} now_unix_seconds
 * @returns {Vault}
 */
export function openDocuments(documents, password, now_unix_seconds) {
    const val2 = +now_unix_seconds;
    const ptr0 = passStringToWasm0(password, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.openDocuments(documents, ptr0, len0, val2);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return Vault.__wrap(ret[0]);
}

/**
 * `providerConfig` without a vault: every credential from `env`.
 * @param {string} name
 * @param {Record<string, string | undefined>} env
 * @returns {AgentSecretsProviderConfig}
 */
export function providerConfigEnv(name, env) {
    const ptr0 = passStringToWasm0(name, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.providerConfigEnv(ptr0, len0, env);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return takeFromExternrefTable0(ret[0]);
}

/**
 * Releases the lock `acquireLock` took (`held`: the bytes it returned) if
 * `.lock` still holds them.
 * @param {AgentSecretsLockPrimitives} io
 * @param {string} folder
 * @param {Uint8Array | number[]} held
 */
export function releaseLock(io, folder, held) {
    let ptr0, len0, ptr1, len1;
    try {
        ptr0 = passStringToWasm0(folder, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len0 = WASM_VECTOR_LEN;
        ptr1 = passArray8ToWasm0(held, wasm.__wbindgen_malloc);
        len1 = WASM_VECTOR_LEN;
    } catch (e) {
        if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
        if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
        throw e;
    }
    const ret = wasm.releaseLock(io, ptr0, len0, ptr1, len1);
    if (ret[1]) {
        throw takeFromExternrefTable0(ret[0]);
    }
}

/**
 * `resolve` without a vault (none initialized): the mapped environment
 * variables of `env`, or the not-found error.
 * @param {string} service
 * @param {string} key
 * @param {Record<string, string | undefined>} env
 * @returns {AgentSecretsResolved}
 */
export function resolveEnv(service, key, env) {
    let ptr0, len0, ptr1, len1;
    try {
        ptr0 = passStringToWasm0(service, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len0 = WASM_VECTOR_LEN;
        ptr1 = passStringToWasm0(key, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len1 = WASM_VECTOR_LEN;
    } catch (e) {
        if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
        if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
        throw e;
    }
    const ret = wasm.resolveEnv(ptr0, len0, ptr1, len1, env);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return takeFromExternrefTable0(ret[0]);
}

/**
 * Whether `AGENT_SECRETS_NO_SESSION` (its value) turns sessions off.
 * @param {string | null} [value]
 * @returns {boolean}
 */
export function sessionDisabled(value) {
    var ptr0 = isLikeNone(value) ? 0 : passStringToWasm0(value, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    var len0 = WASM_VECTOR_LEN;
    const ret = wasm.sessionDisabled(ptr0, len0);
    return ret !== 0;
}

/**
 * Why the socket folder `path` (its `lstat`: `mode`, `uid`) may not be
 * used by the user `euid`, or `undefined` if it may.
 * @param {string} path
 * @param {number} mode
 * @param {number} uid
 * @param {number} euid
 * @returns {string | undefined}
 */
export function sessionFolderProblem(path, mode, uid, euid) {
    const val2 = +mode;
    const val3 = +uid;
    const val4 = +euid;
    const ptr0 = passStringToWasm0(path, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.sessionFolderProblem(ptr0, len0, val2, val3, val4);
    let v5;
    if (ret[0] !== 0) {
        v5 = getStringFromWasm0(ret[0], ret[1]);
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
    }
    return v5;
}

/**
 * The length of the frame whose first 4 bytes are `header`, prefix
 * included (throws when out of bounds): how many bytes to wait for.
 * @param {Uint8Array | number[]} header
 * @returns {number}
 */
export function sessionFrameLength(header) {
    const ptr0 = passArray8ToWasm0(header, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.sessionFrameLength(ptr0, len0);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return ret[0] >>> 0;
}

/**
 * The key request for the vault in `store` (the `vault_key_id` its
 * `config.json` names, unverified) whose canonical path is
 * `canonical_vault_path`, as one frame; `undefined` when there is no
 * `config.json` that parses.
 * @param {AgentSecretsStore} store
 * @param {Uint8Array | number[]} canonical_vault_path
 * @returns {Uint8Array | undefined}
 */
export function sessionKeyRequest(store, canonical_vault_path) {
    const ptr0 = passArray8ToWasm0(canonical_vault_path, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.sessionKeyRequest(store, ptr0, len0);
    if (ret[3]) {
        throw takeFromExternrefTable0(ret[2]);
    }
    let v2;
    if (ret[0] !== 0) {
        v2 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
    }
    return v2;
}

/**
 * The socket of the vault whose canonical path is `canonical_vault_path`
 * (its bytes): `$XDG_RUNTIME_DIR/agent-secrets/<hash>.sock` when
 * `runtime_dir` is absolute, else `<temp_dir>/agent-secrets-<uid>/<hash>.sock`.
 * Throws when the path is too long for a Unix socket.
 * @param {string | null | undefined} runtime_dir
 * @param {string} temp_dir
 * @param {number} uid
 * @param {Uint8Array | number[]} canonical_vault_path
 * @returns {string}
 */
export function sessionSocketPath(runtime_dir, temp_dir, uid, canonical_vault_path) {
    let deferred6_0;
    let deferred6_1;
    try {
        const val4 = +uid;
        let ptr0, len0, ptr1, len1, ptr2, len2;
        try {
            ptr0 = isLikeNone(runtime_dir) ? 0 : passStringToWasm0(runtime_dir, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passStringToWasm0(temp_dir, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArray8ToWasm0(canonical_vault_path, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
            throw e;
        }
        const ret = wasm.sessionSocketPath(ptr0, len0, ptr1, len1, val4, ptr2, len2);
        var ptr5 = ret[0];
        var len5 = ret[1];
        if (ret[3]) {
            ptr5 = 0; len5 = 0;
            throw takeFromExternrefTable0(ret[2]);
        }
        deferred6_0 = ptr5;
        deferred6_1 = len5;
        return getStringFromWasm0(ptr5, len5);
    } finally {
        wasm.__wbindgen_free(deferred6_0, deferred6_1, 1);
    }
}

/**
 * Why the socket `path` (its `lstat`) may not be used by the user `euid`,
 * or `undefined` if it may.
 * @param {string} path
 * @param {number} mode
 * @param {number} uid
 * @param {number} euid
 * @returns {string | undefined}
 */
export function sessionSocketProblem(path, mode, uid, euid) {
    const val2 = +mode;
    const val3 = +uid;
    const val4 = +euid;
    const ptr0 = passStringToWasm0(path, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.sessionSocketProblem(ptr0, len0, val2, val3, val4);
    let v5;
    if (ret[0] !== 0) {
        v5 = getStringFromWasm0(ret[0], ret[1]);
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
    }
    return v5;
}

/**
 * Why `size` bytes read of the file `name` are too many, or `undefined`.
 * @param {string} path
 * @param {string} name
 * @param {number} size
 * @returns {string | undefined}
 */
export function sizeProblem(path, name, size) {
    const val3 = +size;
    let ptr0, len0, ptr1, len1;
    try {
        ptr0 = passStringToWasm0(path, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len0 = WASM_VECTOR_LEN;
        ptr1 = passStringToWasm0(name, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len1 = WASM_VECTOR_LEN;
    } catch (e) {
        if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
        if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
        throw e;
    }
    const ret = wasm.sizeProblem(ptr0, len0, ptr1, len1, val3);
    let v4;
    if (ret[0] !== 0) {
        v4 = getStringFromWasm0(ret[0], ret[1]);
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
    }
    return v4;
}

/**
 * The vault's state in `store`, without the password: `{ iterations,
 * active_key, key_ids, services, secrets, lockout, created_at,
 * updated_at, problems }`.
 * @param {AgentSecretsStore} store
 * @returns {AgentSecretsStatus}
 */
export function status(store) {
    const ret = wasm.status(store);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return takeFromExternrefTable0(ret[0]);
}

/**
 * A fresh temporary file name (`.agent-tmp-` and 16 random hex characters).
 * @returns {string}
 */
export function tempName() {
    let deferred2_0;
    let deferred2_1;
    try {
        const ret = wasm.tempName();
        var ptr1 = ret[0];
        var len1 = ret[1];
        if (ret[3]) {
            ptr1 = 0; len1 = 0;
            throw takeFromExternrefTable0(ret[2]);
        }
        deferred2_0 = ptr1;
        deferred2_1 = len1;
        return getStringFromWasm0(ptr1, len1);
    } finally {
        wasm.__wbindgen_free(deferred2_0, deferred2_1, 1);
    }
}

/**
 * The first step of an unlock whose key the caller derives (the core's
 * [`begin_unlock`]): `config.json` parsed (bounds only, nothing else
 * believed), the attempt counted before any derivation (refused with
 * `code = "LOCKED"` while locked out, or while as many attempts as the
 * lockout allows are running: retry shortly), then the password
 * recipients' PBKDF2 parameters in the order to try them. A corrupt
 * `state.json` is replaced (`unlockWarnings`, called before, says so).
 * Then derive, call `Vault.unlockWithPasswordKey` per recipient, and
 * `failUnlock` if none opened.
 * @param {AgentSecretsStore} store
 * @param {number} now_unix_seconds
 * @returns {AgentSecretsUnlockParams}
 */
export function unlockParams(store, now_unix_seconds) {
    const ret = wasm.unlockParams(store, now_unix_seconds);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return takeFromExternrefTable0(ret[0]);
}

/**
 * The warnings every unlock gives before the password is tried (the
 * core's [`operation::unlock_warnings`], as the CLI's): an
 * `alerts.command` in `config.json`, which is never run, and a corrupt
 * `state.json` (its lockout counter starts again from zero). Empty when
 * there is nothing to say or no readable `config.json` (the unlock itself
 * reports that).
 * @param {AgentSecretsStore} store
 * @param {number} now_unix_seconds
 * @returns {string[]}
 */
export function unlockWarnings(store, now_unix_seconds) {
    const ret = wasm.unlockWarnings(store, now_unix_seconds);
    if (ret[3]) {
        throw takeFromExternrefTable0(ret[2]);
    }
    var v1 = getArrayJsValueFromWasm0(ret[0], ret[1]);
    wasm.__wbindgen_free(ret[0], ret[1] * 4, 4);
    return v1;
}

/**
 * The user configuration file's path from `XDG_CONFIG_HOME` and `HOME`
 * ([`user_config::path`]); `undefined` when neither gives one.
 * @param {string | null} [xdgConfigHome]
 * @param {string | null} [home]
 * @returns {string | undefined}
 */
export function userConfigPath(xdgConfigHome, home) {
    let ptr0, len0, ptr1, len1;
    try {
        ptr0 = isLikeNone(xdgConfigHome) ? 0 : passStringToWasm0(xdgConfigHome, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len0 = WASM_VECTOR_LEN;
        ptr1 = isLikeNone(home) ? 0 : passStringToWasm0(home, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len1 = WASM_VECTOR_LEN;
    } catch (e) {
        if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
        if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
        throw e;
    }
    const ret = wasm.userConfigPath(ptr0, len0, ptr1, len1);
    let v3;
    if (ret[0] !== 0) {
        v3 = getStringFromWasm0(ret[0], ret[1]);
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
    }
    return v3;
}

/**
 * The most bytes the package reads of the user configuration file:
 * [`user_config::MAX_BYTES`] + 1 (one more tells "too large" apart).
 * @returns {number}
 */
export function userConfigReadLimit() {
    const ret = wasm.userConfigReadLimit();
    return ret >>> 0;
}
function __wbg_get_imports() {
    const import0 = {
        __proto__: null,
        __wbg___wbindgen_boolean_get_4f1baf9a00be3c74: function(arg0) {
            const v = arg0;
            const ret = typeof(v) === 'boolean' ? v : undefined;
            return isLikeNone(ret) ? 0xFFFFFF : ret ? 1 : 0;
        },
        __wbg___wbindgen_is_falsy_d864b623500ae65d: function(arg0) {
            const ret = !arg0;
            return ret;
        },
        __wbg___wbindgen_is_function_741ff2bb612836f5: function(arg0) {
            const ret = typeof(arg0) === 'function';
            return ret;
        },
        __wbg___wbindgen_is_null_c22311b1cc228e3a: function(arg0) {
            const ret = arg0 === null;
            return ret;
        },
        __wbg___wbindgen_is_object_8b968c3ab8e96595: function(arg0) {
            const val = arg0;
            const ret = typeof(val) === 'object' && val !== null;
            return ret;
        },
        __wbg___wbindgen_is_undefined_be5b34249ff1fc15: function(arg0) {
            const ret = arg0 === undefined;
            return ret;
        },
        __wbg___wbindgen_number_get_934b640d0889af78: function(arg0, arg1) {
            const obj = arg1;
            const ret = typeof(obj) === 'number' ? obj : undefined;
            getDataViewMemory0().setFloat64((arg0 >>> 0) + 8 * 1, isLikeNone(ret) ? 0 : ret, true);
            getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 0, !isLikeNone(ret), true);
        },
        __wbg___wbindgen_string_get_7ce8eee7fd327545: function(arg0, arg1) {
            const obj = arg1;
            const ret = typeof(obj) === 'string' ? obj : undefined;
            var ptr1 = isLikeNone(ret) ? 0 : passStringToWasm0(ret, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            var len1 = WASM_VECTOR_LEN;
            getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 1, len1, true);
            getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 0, ptr1, true);
        },
        __wbg___wbindgen_throw_4c88d8bf264fd984: function(arg0, arg1) {
            throw new Error(getStringFromWasm0(arg0, arg1));
        },
        __wbg_ageMs_f9bb46d476f007a0: function() { return handleError(function (arg0, arg1, arg2) {
            const ret = arg0.ageMs(getStringFromWasm0(arg1, arg2));
            return ret;
        }, arguments); },
        __wbg_append_e1c944c61f758957: function() { return handleError(function (arg0, arg1, arg2, arg3) {
            arg0.append(getStringFromWasm0(arg1, arg2), arg3);
        }, arguments); },
        __wbg_createExclusive_378d5763b007c962: function() { return handleError(function (arg0, arg1, arg2, arg3) {
            const ret = arg0.createExclusive(getStringFromWasm0(arg1, arg2), arg3);
            return ret;
        }, arguments); },
        __wbg_entries_7bb1459bd9b5c2b9: function(arg0) {
            const ret = Object.entries(arg0);
            return ret;
        },
        __wbg_getRandomValues_5d8c030b527203a6: function() { return handleError(function (arg0, arg1) {
            globalThis.crypto.getRandomValues(getArrayU8FromWasm0(arg0, arg1));
        }, arguments); },
        __wbg_get_2080c49015e35254: function() { return handleError(function (arg0, arg1) {
            const ret = Reflect.get(arg0, arg1);
            return ret;
        }, arguments); },
        __wbg_get_d7176cfb76d71114: function(arg0, arg1) {
            const ret = arg0[arg1 >>> 0];
            return ret;
        },
        __wbg_get_unchecked_e6325ad374eff861: function(arg0, arg1) {
            const ret = arg0[arg1 >>> 0];
            return ret;
        },
        __wbg_host_d183df744aa0f4d2: function() { return handleError(function (arg0, arg1) {
            const ret = arg1.host();
            const ptr1 = passStringToWasm0(ret, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            const len1 = WASM_VECTOR_LEN;
            getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 1, len1, true);
            getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 0, ptr1, true);
        }, arguments); },
        __wbg_instanceof_Error_74e3cca0c4a69161: function(arg0) {
            let result;
            try {
                result = arg0 instanceof Error;
            } catch (_) {
                result = false;
            }
            const ret = result;
            return ret;
        },
        __wbg_instanceof_Uint8Array_d7aeb0dcb3108fea: function(arg0) {
            let result;
            try {
                result = arg0 instanceof Uint8Array;
            } catch (_) {
                result = false;
            }
            const ret = result;
            return ret;
        },
        __wbg_isArray_bcf1376d0d732d08: function(arg0) {
            const ret = Array.isArray(arg0);
            return ret;
        },
        __wbg_length_186163212ffe79c3: function(arg0) {
            const ret = arg0.length;
            return ret;
        },
        __wbg_length_b03a0fabb109b1e9: function(arg0) {
            const ret = arg0.length;
            return ret;
        },
        __wbg_list_1c10ed9783699247: function() { return handleError(function (arg0) {
            const ret = arg0.list();
            return ret;
        }, arguments); },
        __wbg_lock_038c1b49f8b1c93e: function() { return handleError(function (arg0) {
            arg0.lock();
        }, arguments); },
        __wbg_message_43d8c8f1d543a349: function(arg0) {
            const ret = arg0.message;
            return ret;
        },
        __wbg_monotonicMs_34630cc298ca4d32: function() { return handleError(function (arg0) {
            const ret = arg0.monotonicMs();
            return ret;
        }, arguments); },
        __wbg_new_37eb45aaf5eeb820: function() {
            const ret = new Array();
            return ret;
        },
        __wbg_new_787b9fb330d55d78: function(arg0, arg1) {
            const ret = new Error(getStringFromWasm0(arg0, arg1));
            return ret;
        },
        __wbg_new_cd4348290afae586: function() {
            const ret = new Object();
            return ret;
        },
        __wbg_new_from_slice_b8daf545a41c6aa0: function(arg0, arg1) {
            const ret = new Uint8Array(getArrayU8FromWasm0(arg0, arg1));
            return ret;
        },
        __wbg_nonce_07e866d27cbb8072: function() { return handleError(function (arg0) {
            const ret = arg0.nonce();
            return ret;
        }, arguments); },
        __wbg_nowMs_5f51774a71323073: function() { return handleError(function (arg0) {
            const ret = arg0.nowMs();
            return ret;
        }, arguments); },
        __wbg_parse_c3f72b5a24f83c01: function() { return handleError(function (arg0, arg1) {
            const ret = JSON.parse(getStringFromWasm0(arg0, arg1));
            return ret;
        }, arguments); },
        __wbg_pidAlive_17b25e9475efe250: function() { return handleError(function (arg0, arg1) {
            const ret = arg0.pidAlive(arg1 >>> 0);
            return ret;
        }, arguments); },
        __wbg_pid_5e61f6a254fbb891: function() { return handleError(function (arg0) {
            const ret = arg0.pid();
            return ret;
        }, arguments); },
        __wbg_prototypesetcall_13162965d1fe7aa3: function(arg0, arg1, arg2) {
            Uint8Array.prototype.set.call(getArrayU8FromWasm0(arg0, arg1), arg2);
        },
        __wbg_push_c9f4893fc209f768: function(arg0, arg1) {
            const ret = arg0.push(arg1);
            return ret;
        },
        __wbg_readTail_803efda918b6f90f: function() { return handleError(function (arg0, arg1, arg2, arg3) {
            const ret = arg0.readTail(getStringFromWasm0(arg1, arg2), arg3);
            return ret;
        }, arguments); },
        __wbg_read_bd8778281308fdf4: function() { return handleError(function (arg0, arg1, arg2) {
            const ret = arg0.read(getStringFromWasm0(arg1, arg2));
            return ret;
        }, arguments); },
        __wbg_read_ef6ed5d85f9252c7: function() { return handleError(function (arg0, arg1, arg2) {
            const ret = arg0.read(getStringFromWasm0(arg1, arg2));
            return ret;
        }, arguments); },
        __wbg_remove_41696d0c911517db: function() { return handleError(function (arg0, arg1, arg2) {
            arg0.remove(getStringFromWasm0(arg1, arg2));
        }, arguments); },
        __wbg_remove_db54527c4c428278: function() { return handleError(function (arg0, arg1, arg2) {
            arg0.remove(getStringFromWasm0(arg1, arg2));
        }, arguments); },
        __wbg_set_2793479888329cb6: function() { return handleError(function (arg0, arg1, arg2) {
            const ret = Reflect.set(arg0, arg1, arg2);
            return ret;
        }, arguments); },
        __wbg_set_name_822e3903f3184979: function(arg0, arg1, arg2) {
            arg0.name = getStringFromWasm0(arg1, arg2);
        },
        __wbg_sleep_0cfe33ab85265e76: function() { return handleError(function (arg0, arg1) {
            arg0.sleep(arg1);
        }, arguments); },
        __wbg_unlock_1a835cb0778722f7: function() { return handleError(function (arg0) {
            arg0.unlock();
        }, arguments); },
        __wbg_writeUnsynced_cc718416e2aea96c: function() { return handleError(function (arg0, arg1, arg2, arg3) {
            arg0.writeUnsynced(getStringFromWasm0(arg1, arg2), arg3);
        }, arguments); },
        __wbg_write_1bb04c566a2d1e14: function() { return handleError(function (arg0, arg1, arg2, arg3) {
            arg0.write(getStringFromWasm0(arg1, arg2), arg3);
        }, arguments); },
        __wbindgen_generic_0000000000000001: function(arg0) {
            // Cast intrinsic for `F64 -> Externref`.
            const ret = arg0;
            return ret;
        },
        __wbindgen_generic_0000000000000002: function(arg0, arg1) {
            // Cast intrinsic for `Ref(String) -> Externref`.
            const ret = getStringFromWasm0(arg0, arg1);
            return ret;
        },
        __wbindgen_init_externref_table: function() {
            const table = wasm.__wbindgen_externrefs;
            table.set(0, undefined);
            table.set(1024, undefined);
            table.set(1025, null);
            table.set(1026, true);
            table.set(1027, false);
        },
    };
    return {
        __proto__: null,
        "./agent_secrets_wasm_bg.js": import0,
    };
}

const VaultFinalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_vault_free(ptr, 1));

function addToExternrefTable0(obj) {
    const idx = wasm.__externref_table_alloc();
    wasm.__wbindgen_externrefs.set(idx, obj);
    return idx;
}

function getArrayJsValueFromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    const mem = getDataViewMemory0();
    const result = [];
    for (let i = ptr; i < ptr + 4 * len; i += 4) {
        result.push(wasm.__wbindgen_externrefs.get(mem.getUint32(i, true)));
    }
    wasm.__externref_drop_slice(ptr, len);
    return result;
}

function getArrayU8FromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    return getUint8ArrayMemory0().subarray(ptr / 1, ptr / 1 + len);
}

let cachedDataViewMemory0 = null;
function getDataViewMemory0() {
    if (cachedDataViewMemory0 === null || cachedDataViewMemory0.buffer.detached === true || (cachedDataViewMemory0.buffer.detached === undefined && cachedDataViewMemory0.buffer !== wasm.memory.buffer)) {
        cachedDataViewMemory0 = new DataView(wasm.memory.buffer);
    }
    return cachedDataViewMemory0;
}

function getStringFromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    return decodeText(getUint8ArrayMemory0().subarray(ptr, ptr + len));
}

let cachedUint8ArrayMemory0 = null;
function getUint8ArrayMemory0() {
    if (cachedUint8ArrayMemory0 === null || cachedUint8ArrayMemory0.byteLength === 0) {
        cachedUint8ArrayMemory0 = new Uint8Array(wasm.memory.buffer);
    }
    return cachedUint8ArrayMemory0;
}

function handleError(f, args) {
    try {
        return f.apply(this, args);
    } catch (e) {
        const idx = addToExternrefTable0(e);
        wasm.__wbindgen_exn_store(idx);
    }
}

function isLikeNone(x) {
    return x === undefined || x === null;
}

function passArray8ToWasm0(arg, malloc) {
    const ptr = malloc(arg.length * 1, 1) >>> 0;
    getUint8ArrayMemory0().set(arg, ptr / 1);
    WASM_VECTOR_LEN = arg.length;
    return ptr;
}

function passArrayJsValueToWasm0(array, malloc) {
    const ptr = malloc(array.length * 4, 4) >>> 0;
    for (let i = 0; i < array.length; i++) {
        const add = addToExternrefTable0(array[i]);
        getDataViewMemory0().setUint32(ptr + 4 * i, add, true);
    }
    WASM_VECTOR_LEN = array.length;
    return ptr;
}

function passStringToWasm0(arg, malloc, realloc) {
    if (realloc === undefined) {
        const buf = cachedTextEncoder.encode(arg);
        const ptr = malloc(buf.length, 1) >>> 0;
        getUint8ArrayMemory0().subarray(ptr, ptr + buf.length).set(buf);
        WASM_VECTOR_LEN = buf.length;
        return ptr;
    }

    let len = arg.length;
    let ptr = malloc(len, 1) >>> 0;

    const mem = getUint8ArrayMemory0();

    let offset = 0;

    for (; offset < len; offset++) {
        const code = arg.charCodeAt(offset);
        if (code > 0x7F) break;
        mem[ptr + offset] = code;
    }
    if (offset !== len) {
        if (offset !== 0) {
            arg = arg.slice(offset);
        }
        ptr = realloc(ptr, len, len = offset + arg.length * 3, 1) >>> 0;
        const view = getUint8ArrayMemory0().subarray(ptr + offset, ptr + len);
        const ret = cachedTextEncoder.encodeInto(arg, view);

        offset += ret.written;
        ptr = realloc(ptr, len, offset, 1) >>> 0;
    }

    WASM_VECTOR_LEN = offset;
    return ptr;
}

function takeFromExternrefTable0(idx) {
    const value = wasm.__wbindgen_externrefs.get(idx);
    wasm.__externref_table_dealloc(idx);
    return value;
}

let cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
cachedTextDecoder.decode();
const MAX_SAFARI_DECODE_BYTES = 2146435072;
let numBytesDecoded = 0;
function decodeText(bytes) {
    numBytesDecoded += bytes.length;
    if (numBytesDecoded >= MAX_SAFARI_DECODE_BYTES) {
        cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
        cachedTextDecoder.decode();
        numBytesDecoded = bytes.length;
    }
    return cachedTextDecoder.decode(bytes);
}

const cachedTextEncoder = new TextEncoder();

if (!('encodeInto' in cachedTextEncoder)) {
    cachedTextEncoder.encodeInto = function (arg, view) {
        const buf = cachedTextEncoder.encode(arg);
        view.set(buf);
        return {
            read: arg.length,
            written: buf.length
        };
    };
}

let WASM_VECTOR_LEN = 0;

let wasmModule, wasmInstance, wasm;
function __wbg_finalize_init(instance, module) {
    wasmInstance = instance;
    wasm = instance.exports;
    wasmModule = module;
    cachedDataViewMemory0 = null;
    cachedUint8ArrayMemory0 = null;
    wasm.__wbindgen_start();
    return wasm;
}

async function __wbg_load(module, imports) {
    if (typeof Response === 'function' && module instanceof Response) {
        if (!module.ok) {
            throw new Error(`failed to fetch Wasm: ${module.status} ${module.statusText} fetching '${module.url}'`);
        }

        if (typeof WebAssembly.instantiateStreaming === 'function') {
            try {
                return await WebAssembly.instantiateStreaming(module, imports);
            } catch (e) {
                const validResponse = expectedResponseType(module.type);

                if (validResponse && module.headers.get('Content-Type') !== 'application/wasm') {
                    console.warn("`WebAssembly.instantiateStreaming` failed because your server does not serve Wasm with `application/wasm` MIME type. Falling back to `WebAssembly.instantiate` which is slower. Original error:\n", e);

                } else { throw e; }
            }
        }

        const bytes = await module.arrayBuffer();
        return await WebAssembly.instantiate(bytes, imports);
    } else {
        const instance = await WebAssembly.instantiate(module, imports);

        if (instance instanceof WebAssembly.Instance) {
            return { instance, module };
        } else {
            return instance;
        }
    }

    function expectedResponseType(type) {
        switch (type) {
            case 'basic': case 'cors': case 'default': return true;
        }
        return false;
    }
}

function initSync(module) {
    if (wasm !== undefined) return wasm;


    if (module !== undefined) {
        if (Object.getPrototypeOf(module) === Object.prototype) {
            ({module} = module)
        } else {
            console.warn('using deprecated parameters for `initSync()`; pass a single object instead')
        }
    }

    const imports = __wbg_get_imports();
    if (!(module instanceof WebAssembly.Module)) {
        module = new WebAssembly.Module(module);
    }
    const instance = new WebAssembly.Instance(module, imports);
    return __wbg_finalize_init(instance, module);
}

let __wbg_init_promise;
async function __wbg_init(module_or_path) {
    if (wasm !== undefined) return wasm;
    if (__wbg_init_promise === undefined) {
        __wbg_init_promise = __wbg_init_once(module_or_path);
        __wbg_init_promise.catch(() => { __wbg_init_promise = undefined; });
    }
    return __wbg_init_promise;
}

async function __wbg_init_once(module_or_path) {

    if (module_or_path !== undefined) {
        if (Object.getPrototypeOf(module_or_path) === Object.prototype) {
            ({module_or_path} = module_or_path)
        } else {
            console.warn('using deprecated parameters for the initialization function; pass a single object instead')
        }
    }

    if (module_or_path === undefined) {
        module_or_path = new URL('agent_secrets_wasm_bg.wasm', import.meta.url);
    }
    const imports = __wbg_get_imports();

    if (typeof module_or_path === 'string' || (typeof Request === 'function' && module_or_path instanceof Request) || (typeof URL === 'function' && module_or_path instanceof URL)) {
        module_or_path = fetch(module_or_path);
    }

    const { instance, module } = await __wbg_load(await module_or_path, imports);

    return __wbg_finalize_init(instance, module);
}

export { initSync, __wbg_init as default };
