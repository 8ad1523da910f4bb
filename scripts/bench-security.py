#!/usr/bin/env python3
"""Benchmarks of the security operations, as figures beside references
measured in the same run (noisy machines):

  1. `agent secret rotate` of 100,000 secrets in 1,000 services at 600,000
     iterations, against the bare KDF of the same build: rotate - KDF <= 5 s.
  2. The audit line of every command: one append as `agent` does it (lock,
     tail read, append, fsync, unlock) on a log of 100,000 lines, in
     process; and a whole `agent secret get` for scale: added <= 2 ms.

Usage: python3 scripts/bench-security.py [--quick]
"""

import argparse
import json
import os
import subprocess
import tempfile

from benchlib import AGENT, EXAMPLES, PASSWORD, ROOT, env_for, fastest, run, verdict






def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="10 services x 100 keys")
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "agent-cli", "--bins", "--examples"],
                   cwd=ROOT, check=True)
    iterations = 600_000
    services, keys = (10, 100) if a.quick else (1000, 100)
    with tempfile.TemporaryDirectory() as tmp:
        vault = os.path.join(tmp, "vault")
        env = env_for(vault)
        subprocess.run([os.path.join(EXAMPLES, "populate"), vault, str(services), str(keys), str(iterations)],
                       env=env, check=True, capture_output=True)
        kdf = json.loads(subprocess.run([os.path.join(EXAMPLES, "bench_kdf"), str(iterations), "5"],
                                        check=True, capture_output=True, text=True).stdout)["min_s"]
        rotate = run([AGENT, "secret", "rotate"], env)
        print(f"== rotate: {services * keys} secrets in {services} services, {iterations} iterations ==")
        print(f"bare KDF (same build)      {kdf*1000:8.1f} ms")
        print(f"agent secret rotate        {rotate*1000:8.1f} ms   rotate - KDF = {rotate-kdf:.2f} s "
              f"(target <= 5 s: {verdict(rotate - kdf <= 5.0)})")
        get = min(run([AGENT, "secret", "get", "svc0001", "key_1"], env) for _ in range(5))
        out = subprocess.run([os.path.join(EXAMPLES, "bench_audit"), os.path.join(tmp, "audit"), "100000", "200"],
                             check=True, capture_output=True, text=True).stdout
        audit = json.loads(out)
        print("\n== audit line per command ==")
        print(f"one append on a 100,000-line log (lock, tail, append, fsync, unlock): "
              f"median {audit['median_ms']:.3f} ms, p95 {audit['p95_ms']:.3f} ms "
              f"(target <= 2 ms: {verdict(audit['median_ms'] <= 2.0)})")
        print(f"for scale, a whole `agent secret get` (audit line included): {get*1000:.1f} ms "
              f"-> the audit line is {audit['median_ms'] / (get * 1000) * 100:.1f} % of it")


if __name__ == "__main__":
    main()
