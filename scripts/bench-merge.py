#!/usr/bin/env python3
"""Benchmark of the git merge driver (docs/adr/0010): a merge of two
branches that each changed 1,000 different entries of one service.

In a throw-away repository with a vault at the KDF floor, one service of
3,000 secrets is committed (imported from a .env file); branch `ours`
re-sets the 1,000 even-numbered keys of the first 2,000, branch `theirs`
the 1,000 odd-numbered ones (so every changed entry sits next to one the
other side changed: the worst case for a text merge). Then, in the same
run, alternating, from the same two commits each time:

  - `git merge theirs` on `ours` with the driver installed (the
    `merge=agent-secrets` attribute and `merge.agent-secrets.driver` in the
    repository's config, as `agent secret git-setup` writes them);
  - the same merge with git's text merge (the reference: the attribute
    removed);

and the driver process alone on the three versions of the file. Prints
the fastest and the median of each, the ratio driver / text merge, whether
each merge was clean, and the issue's target (driver merge < 1 s).

Usage: python3 scripts/bench-merge.py [--runs N]
Exit status 0 always (a report, not a test).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import AGENT, ROOT, env_for, run, verdict

SECRETS = 3_000
CHANGED = 1_000


def git(repo, *args, check=True):
    proc = subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", *args],
                          cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=dict(os.environ, GIT_CONFIG_NOSYSTEM="1"))
    if check and proc.returncode != 0:
        sys.exit(f"git {args} failed: {proc.stderr.decode(errors='replace')}")
    return proc


def import_values(env, repo, values):
    path = os.path.join(repo, "..", "values.env")
    with open(path, "w") as f:
        for key, value in values:
            f.write(f"{key}={value}\n")
    run([AGENT, "secret", "import", "--dotenv", path, "--service", "svc"], env)
    os.remove(path)


def timed_merge(repo, ours_commit):
    git(repo, "checkout", "-q", "-f", "ours")
    git(repo, "reset", "-q", "--hard", ours_commit)
    start = time.perf_counter()
    proc = git(repo, "merge", "-q", "--no-edit", "theirs", check=False)
    elapsed = time.perf_counter() - start
    clean = proc.returncode == 0
    if not clean:
        git(repo, "merge", "--abort", check=False)
    git(repo, "reset", "-q", "--hard", ours_commit)
    return elapsed, clean


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "agent-cli", "--bins"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        repo = os.path.join(tmp, "repo")
        os.mkdir(repo)
        git(repo, "init", "-q", "-b", "main")
        vault = os.path.join(repo, ".agent", "secrets")
        env = dict(env_for(vault), HOME=tmp)
        run([AGENT, "secret", "init", "--shared", "--iterations", "100000"], env)
        keys = [f"KEY_{i:05d}" for i in range(SECRETS)]
        import_values(env, repo, [(k, f"base-value-{k}") for k in keys])
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "base")
        git(repo, "branch", "ours")
        git(repo, "branch", "theirs")
        for branch, parity in [("ours", 0), ("theirs", 1)]:
            git(repo, "checkout", "-q", branch)
            changed = [k for i, k in enumerate(keys[: 2 * CHANGED]) if i % 2 == parity]
            assert len(changed) == CHANGED
            import_values(env, repo, [(k, f"{branch}-value-{k}") for k in changed])
            git(repo, "commit", "-q", "-am", branch)
        ours_commit = git(repo, "rev-parse", "ours").stdout.decode().strip()
        rel = ".agent/secrets/svc.json"
        size = os.path.getsize(os.path.join(repo, rel))

        attributes = os.path.join(repo, ".git", "info", "attributes")
        os.makedirs(os.path.dirname(attributes), exist_ok=True)
        driver_cmd = f"'{AGENT}' secret merge-driver %O %A %B %P"
        git(repo, "config", "--local", "merge.agent-secrets.driver", driver_cmd)

        # The driver process alone, on the three versions.
        versions = {}
        for name, rev in [("base", "main"), ("ours", "ours"), ("theirs", "theirs")]:
            versions[name] = os.path.join(tmp, f"{name}.json")
            with open(versions[name], "wb") as f:
                f.write(git(repo, "show", f"{rev}:{rel}").stdout)

        def driver_alone():
            work = os.path.join(tmp, "work.json")
            with open(versions["ours"], "rb") as src, open(work, "wb") as dst:
                dst.write(src.read())
            start = time.perf_counter()
            proc = subprocess.run([AGENT, "secret", "merge-driver", versions["base"], work, versions["theirs"], rel],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            elapsed = time.perf_counter() - start
            if proc.returncode != 0:
                sys.exit(f"merge-driver failed: {proc.stderr.decode(errors='replace')}")
            return elapsed

        with_driver, text, alone = [], [], []
        clean_driver = clean_text = None
        for _ in range(a.runs):
            with open(attributes, "w") as f:
                f.write("/.agent/secrets/*.json merge=agent-secrets\n")
            t, clean_driver = timed_merge(repo, ours_commit)
            with_driver.append(t)
            with open(attributes, "w") as f:
                f.write("")
            t, clean_text = timed_merge(repo, ours_commit)
            text.append(t)
            alone.append(driver_alone())

        def show(name, xs):
            print(f"  {name:<38} fastest {min(xs) * 1000:8.1f} ms   median {statistics.median(xs) * 1000:8.1f} ms")

        print(f"One service of {SECRETS} secrets ({size:,} bytes); each branch changed {CHANGED} different entries "
              f"(interleaved); {a.runs} runs, alternating.")
        show("git merge, agent's merge driver", with_driver)
        show("git merge, git's text merge (reference)", text)
        show("merge-driver process alone", alone)
        print(f"  merged cleanly: driver {clean_driver}, text merge {clean_text}")
        ratio = statistics.median(with_driver) / statistics.median(text)
        print(f"  driver / text merge (medians): {ratio:.2f}x")
        best = min(with_driver)
        print(f"  target: driver merge < 1 s: {best * 1000:.1f} ms fastest, "
              f"{statistics.median(with_driver) * 1000:.1f} ms median -> {verdict(statistics.median(with_driver) < 1.0)}")


if __name__ == "__main__":
    main()
