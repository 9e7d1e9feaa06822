"""Identity API (issue 5, item 5) over real HTTP against `couloir serve`, which calls the INSi
stand-in (couloir-insi-sim) over mutual TLS with certificates generated here by the openssl CLI.

Covers: search -> CR 00 -> accept -> récupérée -> identity document -> qualifiée; CR 01 and CR 02
answers (nothing to accept); an INSi return refused by the rules (OID not accepted, RIS.INS.13);
a SOAP fault (unknown software authorisation number); role refusals (manipulateur may neither
call INSi nor see the INS; admin may not record documents); bad input (unknown field, wrong
type, unknown trace, trace of another identity, second acceptance, unknown document type);
the INSi traces, the identity history, the documents and the audit entries; 503 when [insi] is
not configured.

Usage: test_identity_api.py sqlite | pg   (pg: a fresh database on COULOIR_TEST_PG_URL's cluster;
skips, or fails under CI, without it)."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "api"))

import support  # noqa: E402
from api_client import PgDatabase, Server  # noqa: E402

PASSWORDS = {"admin": "admin-secret-1", "accueil": "accueil-secret-1", "manip": "manip-secret-1",
             "radio": "radio-secret-1"}
IDAM = "IDAM-COULOIR-TEST"
failures = []
checks = [0]


def check(cond, what, resp=None):
    checks[0] += 1
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}" + (f" -> {resp!r}" if resp is not None else ""), file=sys.stderr)
    return cond


def expect_error(resp, status, code, what, field=None):
    ok = check(resp.status == status, f"{what}: status {status} expected, got {resp.status}", resp)
    ok = check(resp.error.get("code") == code, f"{what}: code {code} expected", resp) and ok
    msg = resp.error.get("message", "")
    ok = check(isinstance(msg, str) and len(msg) > 5, f"{what}: a French message is expected", resp) and ok
    if field is not None:
        ok = check(resp.error.get("field") == field, f"{what}: field {field} expected", resp) and ok
    return ok


def sim_binary():
    path = os.environ.get("COULOIR_INSI_SIM") or os.path.join(os.environ.get("COULOIR_BINARY_DIR", ""), "sim", "insi",
                                                               "couloir-insi-sim")
    if not os.access(path, os.X_OK):
        support.skip_or_fail(f"couloir-insi-sim not built ({path})")
    return path


def make_pki(d):
    """A CA, a server certificate for 127.0.0.1 and a client certificate CN=INSI-AUTO."""
    if shutil.which("openssl") is None:
        support.skip_or_fail("openssl CLI absent")

    def ossl(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, timeout=60, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1",
         "-subj", "/CN=Couloir Test CA")
    with open(os.path.join(d, "san.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    for name, cn, ext in (("server", "127.0.0.1", True), ("client", "INSI-AUTO", False)):
        ossl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={cn}")
        ossl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out",
             f"{name}.pem", "-days", "1", *(["-extfile", "san.ext"] if ext else []))


class Sim:
    def __init__(self, d):
        self.d = d
        portfile = os.path.join(d, "sim.port")
        self.log = open(os.path.join(d, "sim.log"), "w+")
        self.proc = subprocess.Popen([sim_binary(), "--cert", os.path.join(d, "server.pem"), "--key",
                                      os.path.join(d, "server.key"), "--client-ca", os.path.join(d, "ca.pem"),
                                      "--port", "0", "--port-file", portfile, "--idam", IDAM, "--allowed-cn",
                                      "INSI-AUTO", "--max-seconds", "280"], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        self.port = 0
        while time.monotonic() < deadline and not self.port:
            if self.proc.poll() is not None:
                raise AssertionError("couloir-insi-sim exited early")
            try:
                with open(portfile) as f:
                    self.port = int(f.read().strip() or 0)
            except (OSError, ValueError):
                time.sleep(0.05)
        if not self.port:
            raise AssertionError("couloir-insi-sim did not start within 20 s")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


def insi_env(d, port, idam=IDAM):
    return {
        "COULOIR_INSI_URL": f"https://127.0.0.1:{port}/lps",
        "COULOIR_INSI_CERT_FILE": os.path.join(d, "client.pem"),
        "COULOIR_INSI_KEY_FILE": os.path.join(d, "client.key"),
        "COULOIR_INSI_CA_FILE": os.path.join(d, "ca.pem"),
        "COULOIR_INSI_IDAM": idam,
        "COULOIR_INSI_INSTANCE": "6f1c2a54-0d1e-4c1a-9a57-3a3b2c1d0e0f",
        "COULOIR_INSI_TIMEOUT_MS": "10000",
        "COULOIR_INS_INSI_ROLES": "accueil,admin",
        "COULOIR_INS_VIEW_ROLES": "accueil,radiologue,admin",
        "COULOIR_INS_SUPER_USER_ROLES": "admin",
    }


def new_identity(accueil, ipp, **traits):
    r = accueil.post("/api/v1/patients", {"ipp": ipp})
    assert r.status == 201, r
    body = {"patient_id": r.json["id"]}
    body.update(traits)
    r = accueil.post("/api/v1/identities", body)
    assert r.status == 201, r
    return r.json["id"], r.json["patient_id"]


def audit_count(admin, action, patient_id, outcome="success"):
    r = admin.get(f"/api/v1/audit?action={action}&patient_id={patient_id}&object_type=identities&limit=1000")
    check(r.status == 200, f"audit list {action}", r)
    items = (r.json or {}).get("items", [])
    return len([i for i in items if i.get("outcome") == outcome])


def scenario(srv):
    admin, accueil, manip, radio = srv.client(), srv.client(), srv.client(), srv.client()
    for c, login in ((admin, "admin"), (accueil, "accueil"), (manip, "manip"), (radio, "radio")):
        assert c.login(login, PASSWORDS[login]).status == 200

    # --- CR 00 -> récupérée -> qualifiée ------------------------------------------------------------
    iid, pid = new_identity(accueil, "IPP-INSI-1", birth_name="ECETINSI", first_given_name="PIERRE-ALAIN",
                            given_names="PIERRE-ALAIN MURIEL FLORIANT", birth_date="2009-07-14", sex="M",
                            birth_cog="63220")
    base = f"/api/v1/identities/{iid}"
    expect_error(manip.post(base + "/insi-search"), 403, "forbidden", "manipulateur cannot call INSi")
    check(audit_count(admin, "insi_search", pid, "denied") == 1, "denied INSi search audited under its patient")
    expect_error(accueil.post(base + "/insi-search", {"force": True}), 422, "unknown_field", "unknown body field",
                 "force")
    expect_error(accueil.post("/api/v1/identities/999999/insi-search"), 404, "not_found", "unknown identity")
    r = accueil.post(base + "/insi-search")
    if check(r.status == 200, "search answered", r):
        check(r.json["outcome"] == "00", "CR 00 for ECETINSI", r)
        check(isinstance(r.json["message"], str) and len(r.json["message"]) > 5, "French message", r)
        res = r.json["result"] or {}
        check(res.get("ins_matricule") == "109076322083489", "INS shown to accueil (view role)", r)
        check(res.get("ins_oid") == "1.2.250.1.213.1.4.8", "OID returned", r)
        check(len(r.json["calls"]) >= 1 and r.json["calls"][-1]["outcome"] == "00", "calls listed", r)
        trace_found = res.get("trace_id")
    else:
        trace_found = 0
    r = admin.post(base + "/insi-search")
    check(r.status == 200 and r.json["outcome"] == "00", "admin may call INSi", r)

    # acceptance: bad input first
    expect_error(accueil.post(base + "/insi-accept", {}), 422, "missing_field", "trace_id required", "trace_id")
    expect_error(accueil.post(base + "/insi-accept", {"trace_id": "1"}), 422, "invalid_type", "trace_id type",
                 "trace_id")
    expect_error(accueil.post(base + "/insi-accept", {"trace_id": 987654}), 422, "invalid_value", "unknown trace",
                 "trace_id")
    expect_error(manip.post(base + "/insi-accept", {"trace_id": trace_found}), 403, "forbidden",
                 "manipulateur cannot accept")
    r = accueil.post(base + "/insi-accept", {"trace_id": trace_found})
    if check(r.status == 200, "accept CR 00", r):
        ident = r.json["identity"]
        check(ident["status"] == "RECUP", "identity récupérée", r)
        check(ident["ins_matricule"] == "109076322083489" and ident["from_insi"], "INS stored", r)
    expect_error(accueil.post(base + "/insi-accept", {"trace_id": trace_found}), 409, "conflict", "second acceptance")
    r = accueil.get(f"/api/v1/identities/{iid}")
    check(r.status == 200 and r.json["rniv_status"] == "recuperee" and r.json["ins_matricule"] == "109076322083489",
          "identity row updated", r)

    # identity document
    expect_error(admin.post(base + "/proof", {"proof_type": "PASSEPORT"}), 403, "forbidden", "admin cannot record")
    expect_error(accueil.post(base + "/proof", {"proof_type": "CARTE_BLEUE"}), 422, "invalid_value",
                 "unknown document type", "proof_type")
    expect_error(accueil.post(base + "/proof", {"proof_type": 3}), 422, "invalid_type", "document type type",
                 "proof_type")
    expect_error(accueil.post(base + "/proof", {}), 422, "missing_field", "document type required", "proof_type")
    r = accueil.post(base + "/proof", {"proof_type": "PASSEPORT", "validate": True})
    if check(r.status == 200, "proof recorded", r):
        check(r.json["identity"]["status"] == "QUAL", "identity qualifiée", r)
        check(r.json["identity"]["proof_type"] == "PASSEPORT", "proof type kept", r)
    r = accueil.get(f"/api/v1/identities/{iid}")
    check(r.status == 200 and r.json["rniv_status"] == "qualifiee" and r.json["id_document_type"] == "passeport"
          and r.json["id_document_checked_at"], "identity row qualifiée with its document", r)

    # history and traces
    r = accueil.get(base + "/history")
    if check(r.status == 200, "history", r):
        ev = r.json["events"]
        fields = [e["field"] for e in ev]
        check("ins" in fields and "status" in fields and "proof" in fields, "history entries: ins, status, proof", r)
        check([e["new_value"] for e in ev if e["field"] == "status"][-1:] == ["QUAL"], "last status QUAL", r)
        ins_ev = [e for e in ev if e["field"] == "ins"]
        check(ins_ev and ins_ev[0]["new_value"] and ins_ev[0]["actor"] == "accueil", "ins entry visible", r)
        check(len(r.json["proofs"]) == 1 and r.json["proofs"][0]["proof_type"] == "PASSEPORT"
              and r.json["proofs"][0]["high_trust"] is True, "document check stored", r)
    r = manip.get(base + "/history")
    if check(r.status == 200, "manipulateur reads history", r):
        check("ins_matricule" not in r.json["identity"], "INS hidden from manipulateur", r)
        masked = [e for e in r.json["events"] if e["field"] == "ins"]
        check(masked and all(e.get("masked") and e["new_value"] is None for e in masked), "INS masked in history", r)
    expect_error(admin.get(base + "/history"), 403, "forbidden", "admin has no clinical read role")
    r = accueil.get(base + "/insi-traces")
    if check(r.status == 200, "traces", r):
        items = r.json["items"]
        check(len(items) >= 2, "one trace per call", r)
        t = [i for i in items if i["id"] == trace_found]
        check(t and t[0]["outcome"] == "00" and t[0]["who"] == "accueil" and t[0]["accepted_at"]
              and t[0]["operation"] == "rechercherInsAvecTraitsIdentite" and t[0]["duration_ms"] >= 0
              and "ECETINSI" in (t[0]["query"] or ""), "trace fields", t)
        check(all("key" not in (i["query"] or "").lower() and "BEGIN" not in (i["result"] or "") for i in items),
              "no secret in traces", items)
    expect_error(manip.get(base + "/insi-traces"), 403, "forbidden", "manipulateur cannot read traces")
    # the documents the site accepts, as the proof route takes them
    r = accueil.get("/api/v1/identities/proof-types")
    if check(r.status == 200, "proof types", r):
        codes = {i["code"]: i["high_trust"] for i in r.json["items"]}
        check(codes.get("PASSEPORT") is True and any(v is False for v in codes.values()),
              "proof types list high- and low-trust documents", r)
    expect_error(admin.get("/api/v1/identities/proof-types"), 403, "forbidden", "admin has no identity read role")
    check(audit_count(admin, "insi_search", pid) >= 2, "search audited")
    check(audit_count(admin, "insi_accept", pid) == 1, "acceptance audited")
    check(audit_count(admin, "identity_proof", pid) == 1, "document check audited")
    check(audit_count(admin, "insi_accept", pid, "denied") == 1, "denied acceptance audited")
    check(audit_count(admin, "identity_history", pid) >= 2, "history reads audited")

    # --- CR 01 ----------------------------------------------------------------------------------
    iid1, _ = new_identity(accueil, "IPP-INSI-2", birth_name="INCONNU", first_given_name="PAUL", given_names="PAUL",
                           birth_date="1970-05-05", sex="M")
    r = accueil.post(f"/api/v1/identities/{iid1}/insi-search")
    if check(r.status == 200, "search CR 01", r):
        check(r.json["outcome"] == "01" and r.json["result"] is None, "CR 01: nobody found", r)
        traces = accueil.get(f"/api/v1/identities/{iid1}/insi-traces").json["items"]
        check(traces and all(t["outcome"] == "01" for t in traces), "CR 01 traced", traces)
        expect_error(accueil.post(f"/api/v1/identities/{iid1}/insi-accept", {"trace_id": traces[0]["id"]}), 409,
                     "transition_refused", "CR 01 cannot be accepted", "trace_id")
    # a trace of another identity
    expect_error(accueil.post(f"/api/v1/identities/{iid1}/insi-accept", {"trace_id": trace_found}), 422,
                 "invalid_value", "trace of another identity", "trace_id")

    # --- CR 02 ----------------------------------------------------------------------------------
    iid2, _ = new_identity(accueil, "IPP-INSI-3", birth_name="JUMEAU", first_given_name="CAMILLE",
                           given_names="CAMILLE", birth_date="2001-01-01", sex="F", birth_cog="75056")
    r = accueil.post(f"/api/v1/identities/{iid2}/insi-search")
    check(r.status == 200 and r.json["outcome"] == "02" and r.json["result"] is None, "CR 02: several", r)

    # --- a CR 00 the rules refuse (test NIR OID not accepted by the site: RIS.INS.13) ------------
    iid3, _ = new_identity(accueil, "IPP-INSI-4", birth_name="PAT-TROIS", first_given_name="DOMINIQUE",
                           given_names="DOMINIQUE", birth_date="1979-03-15", sex="F", birth_cog="51215")
    r = accueil.post(f"/api/v1/identities/{iid3}/insi-search")
    if check(r.status == 200 and r.json["outcome"] == "00", "search PAT-TROIS", r):
        r = accueil.post(f"/api/v1/identities/{iid3}/insi-accept", {"trace_id": r.json["result"]["trace_id"]})
        if expect_error(r, 409, "transition_refused", "return with a refused OID"):
            probs = r.error.get("problems", [])
            check(any(p["requirement"] == "RIS.INS.13" for p in probs), "problem names RIS.INS.13", r)
        r = accueil.get(f"/api/v1/identities/{iid3}")
        check(r.json["rniv_status"] == "provisoire" and r.json["ins_matricule"] is None, "identity unchanged", r)
    return iid1


def fault_scenario(srv, iid):
    accueil = srv.client()
    assert accueil.login("accueil", PASSWORDS["accueil"]).status == 200
    r = accueil.post(f"/api/v1/identities/{iid}/insi-search")
    if check(r.status == 200, "search answered with a fault", r):
        check(r.json["outcome"] == "FAULT" and r.json["result"] is None, "SOAP fault outcome", r)
        check("autoris" in r.json["message"] or "desir_550" in r.json["message"], "fault explained in French", r)
    traces = accueil.get(f"/api/v1/identities/{iid}/insi-traces").json["items"]
    check(traces and traces[-1]["outcome"] == "FAULT", "fault traced", traces)


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    if mode not in ("sqlite", "pg"):
        print("usage: test_identity_api.py sqlite | pg", file=sys.stderr)
        return 2
    pg = None
    if mode == "pg":
        admin_url = os.environ.get("COULOIR_TEST_PG_URL")
        if not admin_url:
            support.skip_or_fail("COULOIR_TEST_PG_URL is not set (PostgreSQL variant)")
        pg = PgDatabase(admin_url)
    d = tempfile.mkdtemp(prefix="couloir-identity-")
    sim = None
    try:
        make_pki(d)
        sim = Sim(d)
        srv = Server(store_url=pg.url if pg else None, extra_env=insi_env(d, sim.port), workdir=d)
        srv.migrate()
        srv.add_user("admin", "admin", PASSWORDS["admin"])
        srv.add_user("accueil", "accueil", PASSWORDS["accueil"])
        srv.add_user("manip", "manipulateur", PASSWORDS["manip"])
        srv.add_user("radio", "radiologue", PASSWORDS["radio"])
        with srv.start():
            iid = scenario(srv)
        # same database, wrong software authorisation number: the service answers a SOAP fault
        srv2 = Server(extra_env=insi_env(d, sim.port, idam="IDAM-INCONNU"), workdir=d)
        srv2.env["COULOIR_STORE_URL"] = srv.env["COULOIR_STORE_URL"]
        with srv2.start():
            fault_scenario(srv2, iid)
        # same database, [insi] not configured: 503 with a French reason, and nothing traced
        srv3 = Server(extra_env={"COULOIR_INS_INSI_ROLES": "accueil,admin"}, workdir=d)
        srv3.env["COULOIR_STORE_URL"] = srv.env["COULOIR_STORE_URL"]
        with srv3.start():
            accueil = srv3.client()
            assert accueil.login("accueil", PASSWORDS["accueil"]).status == 200
            before = len(accueil.get(f"/api/v1/identities/{iid}/insi-traces").json["items"])
            r = accueil.post(f"/api/v1/identities/{iid}/insi-search")
            if expect_error(r, 503, "unavailable", "INSi not configured"):
                check("insi" in r.error["message"].lower(), "message names the INSi settings", r)
            after = len(accueil.get(f"/api/v1/identities/{iid}/insi-traces").json["items"])
            check(after == before, "no trace without a call")
    finally:
        if sim:
            sim.stop()
        if pg:
            pg.drop()
        shutil.rmtree(d, ignore_errors=True)
    print(f"{checks[0]} checks, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
