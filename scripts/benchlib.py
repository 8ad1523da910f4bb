"""What the bench-*.py scripts share: where the release build is, a
throw-away password, running a command and timing it, and the verdict
printed beside each figure."""

import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AGENT = os.path.join(ROOT, "target", "release", "agent")
EXAMPLES = os.path.join(ROOT, "target", "release", "examples")
PASSWORD = "Bench-Fake-Password-42"  # a throw-away password for throw-away vaults


def env_for(vault):
    """The environment of an `agent` run on `vault` with the bench password."""
    return dict(os.environ, AGENT_SECRETS_DIR=vault, AGENT_SECRETS_PASSWORD=PASSWORD)


def run(args, env, stdin=None):
    """Runs a command to completion and returns its wall-clock seconds;
    exits the script with the command's stderr if it fails."""
    start = time.perf_counter()
    proc = subprocess.run(args, env=env, input=stdin.encode() if stdin else None,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{args[1:]} failed ({proc.returncode}): {proc.stderr.decode(errors='replace')}")
    return elapsed


def fastest(n, fn):
    """The smallest of `n` results of `fn()`."""
    return min(fn() for _ in range(n))


def verdict(ok):
    return "ok" if ok else "MISSED"
