"""The couloir command line: version, config errors, migrate, user add, demo (idempotent),
serve with /healthz and a graceful stop on SIGTERM. Runs on SQLite, and on PostgreSQL when
COULOIR_TEST_PG_URL is set."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

import support

BIN = os.environ["COULOIR_BIN"]


def run(args, env, stdin=None, check=True):
    p = subprocess.run([BIN] + args, env=env, input=stdin, capture_output=True, text=True, timeout=120)
    if check and p.returncode != 0:
        print(p.stdout, p.stderr)
        raise AssertionError(f"couloir {' '.join(args)} exited {p.returncode}")
    return p


def base_env(store_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("COULOIR_")}
    env["COULOIR_STORE_URL"] = store_url
    env["COULOIR_LOG_LEVEL"] = "warn"
    return env


def check_backend(store_url, tmp):
    env = base_env(store_url)
    # version needs no configuration
    assert run(["version"], env).stdout.startswith("couloir ")
    # ins check: valid matricule and key, kind from the OID; invalid key exits non-zero
    out = run(["ins", "check", "1 09 07 63 220 834 89", "1.2.250.1.213.1.4.10"], env).stdout
    assert "VALIDE" in out and "test" in out.lower(), out
    p = run(["ins", "check", "109076322083488"], env, check=False)
    assert p.returncode != 0 and "INVALIDE" in p.stdout and "clé attendue" in p.stdout, p.stdout
    assert run(["ins", "frobnicate"], env, check=False).returncode == 2
    # an unknown key in the file is refused with the file, and the key, named
    bad = os.path.join(tmp, "bad.ini")
    with open(bad, "w") as f:
        f.write("[http]\nprot = 1\n")
    p = run(["--config", bad, "migrate"], env, check=False)
    assert p.returncode != 0 and "unknown setting [http] prot" in p.stderr, p.stderr
    # unknown verb
    assert run(["frobnicate"], env, check=False).returncode == 2
    # migrate twice: idempotent
    run(["migrate"], env)
    out = run(["migrate"], env).stdout
    assert "schéma à jour" in out, out
    # user add: password from stdin, bad role refused, duplicate refused, short password refused
    run(["user", "add", "alice", "--role", "admin", "--name", "Alice Admin", "--password-stdin"], env,
        stdin="correct horse battery\n")
    p = run(["user", "add", "bob", "--role", "chef", "--password-stdin"], env, stdin="whatever123\n", check=False)
    assert p.returncode == 2 and "--role" in p.stderr
    p = run(["user", "add", "alice", "--role", "admin", "--password-stdin"], env, stdin="another pass\n", check=False)
    assert p.returncode == 1 and "existe déjà" in p.stderr, p.stderr
    p = run(["user", "add", "carol", "--role", "accueil", "--password-stdin"], env, stdin="short\n", check=False)
    assert p.returncode == 2
    # demo twice: idempotent, prints the logins
    out1 = run(["demo"], env).stdout
    out2 = run(["demo"], env).stdout
    assert "Comptes de démonstration" in out1 and out1 == out2

    # serve: /healthz answers, SIGTERM stops it cleanly with status 0
    port = support.free_port()
    env["COULOIR_HTTP_PORT"] = str(port)
    env["COULOIR_LOG_LEVEL"] = "info"
    proc = subprocess.Popen([BIN, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 30
        body = None
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = json.loads(r.read())
                    break
            except OSError:
                time.sleep(0.2)
        assert body is not None, "server did not answer /healthz"
        assert body.get("status") == "ok", body
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, f"serve exited {proc.returncode}: {err}"
    assert "stopped" in err, err


def main():
    with tempfile.TemporaryDirectory() as tmp:
        check_backend("sqlite:" + os.path.join(tmp, "cli.db"), tmp)
        print("sqlite: ok")
        pg = os.environ.get("COULOIR_TEST_PG_URL")
        if not pg:
            support.skip_or_fail("COULOIR_TEST_PG_URL unset: PostgreSQL half not run")
        db = "t_cli_" + uuid.uuid4().hex[:12]
        subprocess.run(["psql", pg, "-qc", f"CREATE DATABASE {db}"], check=True)
        try:
            check_backend(pg.rsplit("/", 1)[0] + "/" + db, tmp)
            print("postgresql: ok")
        finally:
            subprocess.run(["psql", pg, "-qc", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"], check=False)


if __name__ == "__main__":
    main()
