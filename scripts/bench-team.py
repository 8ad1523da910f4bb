#!/usr/bin/env python3
"""Benchmarks of team vaults: opening with an SSH key against a password.

In one vault at 600,000 PBKDF2 iterations with two recipients (the owner's
password and an ssh-ed25519 key made here with ssh-keygen), times the whole
`agent secret get --show` process:

  - with the password (PBKDF2, then the X25519 identity, then the vault key);
  - with the SSH key (`--identity`, no KDF at all);

and the bare PBKDF2 derivation of the same build (the `bench_kdf` example).

With `--baseline PATH` (an `agent` binary of another revision, e.g. built
from main before team vaults), it also times that binary's password `get`
on a vault it made itself, pair by pair alternating with this build's, so
that both see the same load.

Usage: python3 scripts/bench-team.py [--runs N] [--baseline PATH]
Exit status 0 always (a report, not a test).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

from benchlib import AGENT, EXAMPLES, PASSWORD, ROOT, env_for, fastest, run

ITERATIONS = 600_000


def make_vault(agent, folder, home):
    env = dict(env_for(folder), HOME=home)
    run([agent, "secret", "init", "--iterations", str(ITERATIONS)], env)
    run([agent, "secret", "set", "openai", "api_key", "--value-stdin"], env, stdin="sk-fake-bench")
    return env


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--baseline", help="an agent binary of another revision to compare the password get with")
    a = ap.parse_args()
    if shutil.which("ssh-keygen") is None:
        sys.exit("ssh-keygen is needed to make the SSH key")
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "agent-cli", "--bins", "--examples"],
                   cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        # An empty HOME: no default SSH key is tried on the password runs.
        home = os.path.join(tmp, "home")
        os.mkdir(home)
        env = make_vault(AGENT, os.path.join(tmp, "vault"), home)
        key = os.path.join(tmp, "id_ed25519")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f", key],
                       check=True, stdin=subprocess.DEVNULL)
        run([AGENT, "secret", "recipients", "add", "laptop", "--ssh-key", key + ".pub"], env)
        key_env = {k: v for k, v in env.items() if k != "AGENT_SECRETS_PASSWORD"}
        get = [AGENT, "secret", "get", "openai", "api_key", "--show"]

        password = fastest(a.runs, lambda: run(get, env))
        ssh = fastest(a.runs, lambda: run(get + ["--identity", key], key_env))
        out = subprocess.run([os.path.join(EXAMPLES, "bench_kdf"), str(ITERATIONS), str(a.runs)],
                             check=True, capture_output=True, text=True).stdout
        kdf = json.loads(out)["min_s"]
        print(f"== get --show, whole process, {ITERATIONS} iterations (fastest of {a.runs}) ==")
        print(f"bare PBKDF2, this build, in-process      {kdf*1000:8.1f} ms")
        print(f"get with the password                    {password*1000:8.1f} ms   get / bare KDF = {password/kdf:.3f}")
        print(f"get with the SSH key (--identity)        {ssh*1000:8.1f} ms   password / SSH key = {password/ssh:.1f}")

        if a.baseline:
            base_home = os.path.join(tmp, "base-home")
            os.mkdir(base_home)
            base_env = make_vault(a.baseline, os.path.join(tmp, "base-vault"), base_home)
            base_get = [a.baseline] + get[1:]
            ours, theirs = [], []
            for _ in range(a.runs):
                theirs.append(run(base_get, base_env))
                ours.append(run(get, env))
            print(f"== against {a.baseline}, pairs alternating (fastest of {a.runs}) ==")
            print(f"baseline get with the password           {min(theirs)*1000:8.1f} ms")
            print(f"this build's get with the password       {min(ours)*1000:8.1f} ms   "
                  f"this / baseline = {min(ours)/min(theirs):.3f}")


if __name__ == "__main__":
    main()
