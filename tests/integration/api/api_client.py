"""Starts a real `couloir serve` on a free loopback port and talks to it over HTTP(S).

Used by the API integration test and the API benchmark. Everything is bounded in time and
the server is stopped (SIGTERM, then SIGKILL) when the context ends."""
import gzip
import http.client
import json
import os
import random
import shutil
import signal
import ssl
import string
import subprocess
import sys
import tempfile
import time
import urllib.parse

import support


def couloir_bin():
    path = os.environ.get("COULOIR_BIN")
    if not path or not os.access(path, os.X_OK):
        support.skip_or_fail(f"couloir binary not built (COULOIR_BIN={path})")
    return path


class PgDatabase:
    """A fresh database on the throwaway cluster of COULOIR_TEST_PG_URL, dropped at exit."""

    def __init__(self, admin_url):
        self.admin_url = admin_url
        self.name = "t_api_" + "".join(random.choices(string.ascii_lowercase + string.digits, k=10))
        self._psql(f"CREATE DATABASE {self.name}")
        parts = urllib.parse.urlsplit(admin_url)
        self.url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + self.name, parts.query, ""))

    def _psql(self, sql):
        subprocess.run(["psql", self.admin_url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], check=True, timeout=60,
                       stdout=subprocess.DEVNULL)

    def drop(self):
        try:
            self._psql(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
        except subprocess.SubprocessError as e:
            print(f"warning: could not drop {self.name}: {e}", file=sys.stderr)


class Server:
    """`couloir migrate`, `couloir user add` and `couloir serve` with a temp configuration
    given through COULOIR_<SECTION>_<KEY> environment variables."""

    def __init__(self, store_url=None, tls=False, extra_env=None, workdir=None):
        self.bin = couloir_bin()
        self.own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix="couloir-api-")
        self.port = support.free_port()
        self.tls = tls
        self.env = dict(os.environ)
        self.env.update({
            "COULOIR_STORE_URL": store_url or f"sqlite:{self.dir}/couloir.db",
            "COULOIR_HTTP_BIND": "127.0.0.1",
            "COULOIR_HTTP_PORT": str(self.port),
            "COULOIR_HTTP_WEB_ROOT": os.path.join(self.dir, "web"),
            "COULOIR_LOG_LEVEL": "warn",
        })
        os.makedirs(os.path.join(self.dir, "web"), exist_ok=True)
        with open(os.path.join(self.dir, "web", "index.html"), "w", encoding="utf-8") as f:
            f.write("<!doctype html><title>Couloir</title>")
        if tls:
            self.cert = os.path.join(self.dir, "cert.pem")
            key = os.path.join(self.dir, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out",
                            self.cert, "-days", "2", "-subj", "/CN=localhost",
                            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                           check=True, timeout=60, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.env["COULOIR_HTTP_TLS_CERT"] = self.cert
            self.env["COULOIR_HTTP_TLS_KEY"] = key
        self.env.update(extra_env or {})
        self.proc = None
        self.log = None

    def run(self, *args, stdin=None):
        r = subprocess.run([self.bin, *args], env=self.env, input=stdin, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise AssertionError(f"couloir {' '.join(args)} failed ({r.returncode}): {r.stderr}")
        return r.stdout

    def migrate(self):
        self.run("migrate")

    def add_user(self, login, roles, password):
        self.run("user", "add", login, "--role", roles, "--password-stdin", stdin=password + "\n")

    def start(self):
        self.log = open(os.path.join(self.dir, "serve.log"), "w+", encoding="utf-8")
        self.proc = subprocess.Popen([self.bin, "serve"], env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"couloir serve exited ({self.proc.returncode}): {self.log_text()}")
            try:
                if self.client().request("GET", "/healthz").status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError("couloir serve did not answer /healthz within 60 s: " + self.log_text())

    def log_text(self):
        if not self.log:
            return ""
        self.log.flush()
        self.log.seek(0)
        return self.log.read()[-4000:]

    def client(self):
        return Client(self)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
                raise AssertionError("couloir serve did not stop on SIGTERM within 30 s")
            if rc != 0:
                raise AssertionError(f"couloir serve exited with {rc} on SIGTERM: {self.log_text()}")
        if self.log:
            self.log.close()
            self.log = None
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            self.stop()
        except AssertionError:
            if exc[0] is None:
                raise


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (name, value)
        self.raw = body
        self.json = None
        ctype = self.header("Content-Type") or ""
        if body and ctype.startswith("application/json"):
            text = gzip.decompress(body) if (self.header("Content-Encoding") or "") == "gzip" else body
            self.json = json.loads(text.decode("utf-8"))

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def error(self):
        return (self.json or {}).get("error", {})

    def __repr__(self):
        return f"<{self.status} {self.raw[:300]!r}>"


class Client:
    """A user agent holding one session cookie and its CSRF token."""

    def __init__(self, server):
        self.server = server
        self.cookie = None
        self.csrf = None
        self.user = None

    def _conn(self):
        if self.server.tls:
            ctx = ssl.create_default_context(cafile=self.server.cert)
            return http.client.HTTPSConnection("127.0.0.1", self.server.port, timeout=30, context=ctx)
        return http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)

    def request(self, method, path, body=None, csrf=True, headers=None, raw=None):
        hdrs = {"Accept": "application/json"}
        data = None
        if raw is not None:
            data = raw
            hdrs["Content-Type"] = "application/json"
        elif body is not None:
            data = json.dumps(body).encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        if self.cookie:
            hdrs["Cookie"] = f"couloir_session={self.cookie}"
        if csrf and self.csrf and method not in ("GET", "HEAD"):
            hdrs["X-CSRF-Token"] = self.csrf
        hdrs.update(headers or {})
        conn = self._conn()
        try:
            conn.request(method, path, body=data, headers=hdrs)
            r = conn.getresponse()
            return Response(r.status, r.getheaders(), r.read())
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def login(self, login, password):
        r = self.post("/api/v1/auth/login", {"login": login, "password": password}, csrf=False)
        if r.status == 200:
            for v in r.all("Set-Cookie"):
                if v.startswith("couloir_session="):
                    self.cookie = v.split(";", 1)[0].split("=", 1)[1]
            self.csrf = r.json["csrf_token"]
            self.user = r.json["user"]
        return r
