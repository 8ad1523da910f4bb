#!/usr/bin/env python3
"""Benchmarks of the foundation: KDF cost, whole-process `get`, large vaults.

Prints figures and ratios against references measured in the same run
(the machines are noisy, so every figure is the fastest of several runs
and is compared with a reference taken minutes apart at most):

  1. `agent secret get --show` at 600,000 iterations, whole process,
     against the bare PBKDF2 derivation of the same build (in-process, the
     `bench_kdf` example) and against OpenSSL's PBKDF2 (Python hashlib,
     in-process).
  2. With 100,000 secrets in 1,000 services: `get` and `set` against the
     same commands on a one-secret vault; `list --json` of everything; the
     peak resident memory of `get`.

Usage: python3 scripts/bench-foundation.py [--runs N] [--quick]
Exit status 0 always (this is a report, not a test); targets are printed
beside each figure with "ok" or "MISSED".
"""

import argparse
import hashlib
import json
import os
import subprocess
import tempfile
import time

from benchlib import AGENT, EXAMPLES, PASSWORD, ROOT, env_for, fastest, run, verdict






def peak_rss_kib(args, env):
    """Peak resident set of a command, from GNU time (Debian package `time`).

    os.wait4's ru_maxrss would count the forking Python process too, since
    the high-water mark survives exec."""
    out = subprocess.run(["/usr/bin/time", "-f", "%M"] + args, env=env, capture_output=True, text=True, check=True)
    return int(out.stderr.strip().splitlines()[-1])






def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--quick", action="store_true", help="10 services x 100 keys instead of 1,000 x 100")
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "agent-cli", "--bins", "--examples"],
                   cwd=ROOT, check=True)
    iterations = 600_000
    with tempfile.TemporaryDirectory() as tmp:
        # --- 1. KDF and whole-process get -------------------------------
        small = os.path.join(tmp, "small")
        env = env_for(small)
        run([AGENT, "secret", "init", "--iterations", str(iterations)], env)
        run([AGENT, "secret", "set", "openai", "api_key", "--value-stdin"], env, stdin="sk-fake-bench")
        get_small = fastest(a.runs, lambda: run([AGENT, "secret", "get", "openai", "api_key", "--show"], env))
        out = subprocess.run([os.path.join(EXAMPLES, "bench_kdf"), str(iterations), str(a.runs)],
                             check=True, capture_output=True, text=True).stdout
        kdf = json.loads(out)["min_s"]

        def openssl():
            t = time.perf_counter()
            hashlib.pbkdf2_hmac("sha256", b"bench-password", b"0123456789abcdef", iterations, 32)
            return time.perf_counter() - t

        ossl = fastest(max(3, a.runs // 2), openssl)
        print(f"== KDF and get at {iterations} iterations (fastest of {a.runs}) ==")
        print(f"bare PBKDF2, this build, in-process     {kdf*1000:8.1f} ms")
        print(f"OpenSSL PBKDF2 (python hashlib)         {ossl*1000:8.1f} ms   this build / OpenSSL = {kdf/ossl:.2f}  "
              f"(target < 1: {verdict(kdf < ossl)})")
        print(f"agent secret get --show, whole process  {get_small*1000:8.1f} ms   get / bare KDF = {get_small/kdf:.3f}  "
              f"(target <= 1.1: {verdict(get_small <= 1.1 * kdf)})")

        # --- 2. large vault ---------------------------------------------
        services, keys = (10, 100) if a.quick else (1000, 100)
        big = os.path.join(tmp, "big")
        benv = env_for(big)
        t = time.perf_counter()
        subprocess.run([os.path.join(EXAMPLES, "populate"), big, str(services), str(keys), str(iterations)],
                       env=benv, check=True, capture_output=True)
        print(f"\n== {services * keys} secrets in {services} services (populated in {time.perf_counter()-t:.1f} s) ==")
        get_big = fastest(a.runs, lambda: run([AGENT, "secret", "get", "svc0500" if services > 500 else "svc0005",
                                                         "key_50", "--show"], benv))
        rss_big = peak_rss_kib([AGENT, "secret", "get", "svc0005", "key_50", "--show"], benv)
        get_small = fastest(a.runs, lambda: run([AGENT, "secret", "get", "openai", "api_key", "--show"], env))
        n = [0]

        def set_in(e, service):
            n[0] += 1
            return run([AGENT, "secret", "set", service, f"bench_{n[0]}", "--value-stdin"], e, stdin="fake-new-value")

        set_big = fastest(a.runs, lambda: set_in(benv, "svc0007"))
        set_small = fastest(a.runs, lambda: set_in(env, "openai"))
        list_big = fastest(max(3, a.runs // 2), lambda: run([AGENT, "secret", "list", "--json"], benv))
        print(f"get  one-secret vault {get_small*1000:8.1f} ms   large vault {get_big*1000:8.1f} ms   "
              f"difference {(get_big-get_small)*1000:+6.1f} ms (target <= 10 ms: {verdict(get_big - get_small <= 0.010)})")
        print(f"set  one-secret vault {set_small*1000:8.1f} ms   large vault {set_big*1000:8.1f} ms   "
              f"difference {(set_big-set_small)*1000:+6.1f} ms (target <= 10 ms: {verdict(set_big - set_small <= 0.010)})")
        print(f"list --json of everything              {list_big*1000:8.1f} ms   (target <= 500 ms: {verdict(list_big <= 0.5)})")
        print(f"peak RSS of get on the large vault     {rss_big/1024:8.1f} MiB  (target <= 20 MB: {verdict(rss_big * 1024 <= 20e6)})")


if __name__ == "__main__":
    main()
