"""Report templates API and outbox retry over real HTTP against `couloir serve` with the demo data.

Usage: test_report_admin.py sqlite | pg
  sqlite  a fresh SQLite database in a temp folder
  pg      a fresh database on COULOIR_TEST_PG_URL's cluster (skips, or fails under CI, without it)

Covers: /api/v1/report-templates list (demo templates, one per exam of the catalogue, filters), get, create,
update (revision incremented, stale revision refused), delete; role refusals (accueil,
manipulateur, radiologue on writes), CSRF, bad JSON and template errors naming the member,
unknown exam, duplicate code; audit entries of the writes. Outbox: with the delivery worker
running (a PACS address on a closed port), a "dmp" job (no sender yet) stays pending and
untouched while an "hl7" job is attempted; POST /api/v1/outbox/{id}/retry makes a failed or
waiting job due now, refuses a delivered job (409), an unknown one (404), other roles (403)."""
import json
import os
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "api"))

import support  # noqa: E402
from api_client import PgDatabase, Server  # noqa: E402

failures = []
checks = [0]

# role -> (demo login, password) of src/demo/demo_data.c
DEMO_ACCOUNTS = {"accueil": ("accueil", "Accueil-Demo-2026"), "manipulateur": ("manip", "Manip-Demo-2026"),
                 "radiologue": ("radio", "Radio-Demo-2026"), "admin": ("admin", "Admin-Demo-2026")}


def check(cond, what, resp=None):
    checks[0] += 1
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}" + (f" -> {resp!r}" if resp is not None else ""), file=sys.stderr)
    return cond


def expect_error(resp, status, code, what, fragment=None):
    ok = check(resp.status == status, f"{what}: status {status} expected, got {resp.status}", resp)
    ok = check(resp.error.get("code") == code, f"{what}: code {code} expected", resp) and ok
    msg = resp.error.get("message", "")
    ok = check(isinstance(msg, str) and len(msg) > 5, f"{what}: a French message is expected", resp) and ok
    if fragment is not None:
        ok = check(fragment in msg, f"{what}: message should contain {fragment!r}", resp) and ok
    return ok


class Db:
    """Direct access to the database under the daemon, to plant outbox jobs and read them back
    (no API creates a job of a given kind before the reporting workflow exists)."""

    def __init__(self, url):
        self.url = url

    def _sql(self, sql, params=()):
        if self.url.startswith("sqlite:"):
            con = sqlite3.connect(self.url[len("sqlite:"):], timeout=30)
            try:
                cur = con.execute(sql, params)
                rows = cur.fetchall()
                con.commit()
                return rows
            finally:
                con.close()
        text = sql
        for p in params:  # literals only from this file: ints and plain words
            text = text.replace("?", str(p) if isinstance(p, int) else "'" + str(p).replace("'", "''") + "'", 1)
        out = subprocess.run(["psql", self.url, "-v", "ON_ERROR_STOP=1", "-qtA", "-F", "\t", "-c", text],
                             check=True, timeout=60, capture_output=True, text=True).stdout
        return [tuple(line.split("\t")) for line in out.splitlines() if line]

    def add_job(self, kind, payload, state="pending", due_ms=None, attempts=0):
        now_ms = int(time.time() * 1000)
        due = now_ms if due_ms is None else due_ms
        rows = self._sql("INSERT INTO outbox_job (kind, payload, state, attempts, next_attempt_at, due_ms, created_at) "
                         "VALUES (?, ?, ?, ?, '2026-01-01T00:00:00Z', ?, '2026-01-01T00:00:00Z') RETURNING id",
                         (kind, payload, state, attempts, due))
        return int(rows[0][0])

    def job(self, job_id):
        rows = self._sql("SELECT state, attempts, due_ms, last_error FROM outbox_job WHERE id = ?", (job_id,))
        s, a, d, e = rows[0]
        return {"state": s, "attempts": int(a), "due_ms": int(d), "last_error": e or None}


# the demo templates (src/demo/demo_templates.c): one per exam of the demo catalogue
DEMO_TEMPLATES_PER_MODALITY = {"CT": 7, "MR": 6, "DX": 2, "US": 3, "MG": 2}


def template_body(code, label="Scanner du thorax", **extra):
    body = {"code": code, "label": label, "modality": "CT",
            "exam_code": {"code": "29252-4", "display": "TDM thorax sans injection"},
            "region": "67734004", "target_site": {"code": "302551006", "display": "thorax entier"},
            "ccam": {"code": "ZBQK001", "display": "Scanographie du thorax, sans injection de produit de contraste"},
            "exposure": "optional",
            "sections": [{"key": "indication", "title": "Indication", "required": True, "default_text": ""},
                         {"key": "technique", "title": "Technique", "required": True,
                          "default_text": "Acquisition hélicoïdale du thorax."},
                         {"key": "resultats", "title": "Résultats", "required": True},
                         {"key": "conclusion", "title": "Conclusion", "required": True}]}
    body.update(extra)
    return body


def templates_scenario(srv, users):
    admin, radio, manip, accueil = users["admin"], users["radiologue"], users["manipulateur"], users["accueil"]
    # --- demo templates ------------------------------------------------------------------------
    r = radio.get("/api/v1/report-templates")
    if not check(r.status == 200, "radiologue lists the templates", r):
        return
    items = r.json["items"]
    check(r.json["total"] == len(items), "total matches items", r)
    modalities = [t["modality"] for t in items]
    check({m: modalities.count(m) for m in set(modalities)} == DEMO_TEMPLATES_PER_MODALITY,
          "one demo template per exam of the catalogue", r)
    check(len({t["exam_id"] for t in items}) == len(items), "demo templates tied to distinct exams", r)
    check(all(t["active"] and t["revision"] == 1 and isinstance(t["exam_id"], int) for t in items),
          "demo templates active, revision 1, tied to an exam", r)
    check(all({"technique", "conclusion"} <= {s["key"] for s in t["sections"]} for t in items),
          "demo templates carry technique and conclusion", r)
    demo_ct = next(t for t in items if t["modality"] == "CT")
    r = admin.get("/api/v1/report-templates?modality=MR")
    check(r.status == 200 and [t["modality"] for t in r.json["items"]] == ["MR"] * DEMO_TEMPLATES_PER_MODALITY["MR"],
          "modality filter", r)
    expect_error(admin.get("/api/v1/report-templates?couleur=1"), 400, "unknown_field", "unknown query parameter")
    expect_error(admin.get("/api/v1/report-templates?include_inactive=oui"), 400, "invalid_value",
                 "bad include_inactive")
    r = radio.get(f"/api/v1/report-templates/{demo_ct['id']}")
    check(r.status == 200 and r.json["code"] == demo_ct["code"] and r.json["exam_code"]["code"],
          "radiologue reads one template", r)
    expect_error(radio.get("/api/v1/report-templates/999999"), 404, "not_found", "unknown template")

    # --- roles ---------------------------------------------------------------------------------
    for who, client in (("accueil", accueil), ("manipulateur", manip)):
        expect_error(client.get("/api/v1/report-templates"), 403, "forbidden", f"{who} cannot list templates")
        expect_error(client.get(f"/api/v1/report-templates/{demo_ct['id']}"), 403, "forbidden",
                     f"{who} cannot read a template")
    expect_error(radio.post("/api/v1/report-templates", template_body("CT-THORAX-TEST")), 403, "forbidden",
                 "radiologue cannot create a template")
    expect_error(radio.put(f"/api/v1/report-templates/{demo_ct['id']}", template_body("CT-THORAX-TEST")), 403,
                 "forbidden", "radiologue cannot edit a template")
    expect_error(radio.delete(f"/api/v1/report-templates/{demo_ct['id']}"), 403, "forbidden",
                 "radiologue cannot delete a template")
    expect_error(admin.post("/api/v1/report-templates", template_body("CT-THORAX-TEST"), csrf=False), 403,
                 "csrf_failed", "create without CSRF token")

    # --- create --------------------------------------------------------------------------------
    r = admin.post("/api/v1/report-templates", template_body("CT-THORAX-TEST", revision=7, exam_id=None))
    if not check(r.status == 201, "admin creates a template", r):
        return
    tpl = r.json
    check(tpl["revision"] == 1 and tpl["active"] is True and tpl["exam_id"] is None, "new template: revision 1", r)
    check(tpl["sections"][1]["default_text"] == "Acquisition hélicoïdale du thorax.", "default text kept", r)
    check(tpl["region"] == "67734004" and tpl["exposure"] == "optional", "structured fields kept", r)
    expect_error(admin.post("/api/v1/report-templates", template_body("CT-THORAX-TEST")), 409, "conflict",
                 "duplicate code", "CT-THORAX-TEST")
    expect_error(admin.post("/api/v1/report-templates", raw=b'{"code": "X",'), 400, "invalid_json", "malformed JSON")
    expect_error(admin.post("/api/v1/report-templates", template_body("CT-A", couleur="bleu")), 422, "invalid_value",
                 "unknown member", "couleur")
    body = template_body("CT-B")
    del body["exam_code"]
    expect_error(admin.post("/api/v1/report-templates", body), 422, "invalid_value", "missing member", "exam_code")
    expect_error(admin.post("/api/v1/report-templates", template_body("CT-C", exposure="beaucoup")), 422,
                 "invalid_value", "bad exposure", "beaucoup")
    expect_error(admin.post("/api/v1/report-templates", template_body("CT-D", region="12345")), 422, "invalid_value",
                 "region outside the JDV", "12345")
    body = template_body("CT-E")
    body["sections"] = [s for s in body["sections"] if s["key"] != "conclusion"]
    expect_error(admin.post("/api/v1/report-templates", body), 422, "invalid_value", "conclusion section missing",
                 "Conclusion")
    expect_error(admin.post("/api/v1/report-templates", template_body("CT-F", exam_id=999999)), 422, "invalid_value",
                 "unknown exam", "999999")
    expect_error(admin.post("/api/v1/report-templates", template_body("CT-G", exam_id="douze")), 422, "invalid_type",
                 "exam_id of the wrong type", "exam_id")
    r = admin.get("/api/v1/report-templates")
    check(r.status == 200 and len(r.json["items"]) == len(items) + 1, "refused creations left nothing", r)

    # --- update --------------------------------------------------------------------------------
    url = f"/api/v1/report-templates/{tpl['id']}"
    r = admin.put(url, template_body("CT-THORAX-TEST", label="Scanner thoracique", exam_id=demo_ct["exam_id"]))
    check(r.status == 200 and r.json["revision"] == 2 and r.json["label"] == "Scanner thoracique"
          and r.json["exam_id"] == demo_ct["exam_id"], "PUT increments the revision", r)
    sent_back = dict(r.json)  # the view sent back as is (id, active, dates ignored)
    sent_back["label"] = "Scanner du thorax (révisé)"
    r = admin.put(url, sent_back)
    check(r.status == 200 and r.json["revision"] == 3, "PUT of the view with its revision", r)
    expect_error(admin.put(url, template_body("CT-THORAX-TEST", revision=2)), 409, "conflict", "stale revision refused",
                 "révision 3")
    expect_error(admin.put(url, template_body(demo_ct["code"])), 409, "conflict", "code of another template",
                 demo_ct["code"])
    expect_error(admin.put(url, template_body("CT-THORAX-TEST", sections="aucune")), 422, "invalid_value",
                 "bad sections on PUT", "sections")
    expect_error(admin.put("/api/v1/report-templates/999999", template_body("CT-Z")), 404, "not_found",
                 "PUT of an unknown template")
    r = admin.get(url)
    check(r.status == 200 and r.json["revision"] == 3 and r.json["label"] == "Scanner du thorax (révisé)",
          "refused updates changed nothing", r)

    # --- delete --------------------------------------------------------------------------------
    r = admin.delete(url)
    check(r.status == 200 and r.json.get("outcome") == "deleted", "unreferenced template deleted", r)
    expect_error(admin.get(url), 404, "not_found", "deleted template gone")
    expect_error(admin.delete(url), 404, "not_found", "delete twice")

    # --- audit ---------------------------------------------------------------------------------
    r = admin.get("/api/v1/audit?limit=1000")
    if check(r.status == 200, "audit readable", r):
        mine = [(e.get("action"), str(e.get("object_id"))) for e in r.json["items"]
                if e.get("object_type") == "report-templates"]
        for action in ("create", "update", "delete"):
            check((action, str(tpl["id"])) in mine, f"template {action} audited", r)


def outbox_scenario(srv, db, users):
    admin, radio, manip, accueil = users["admin"], users["radiologue"], users["manipulateur"], users["accueil"]
    dmp = db.add_job("dmp", json.dumps({"report_id": 1, "document_id": 1, "action": "submit"}))
    hl7 = db.add_job("hl7", "MSH|^~\\&|COULOIR|X|PACS|Y|20260101000000||ADT^A08|T1|P|2.5.1")
    # the worker attempts the hl7 job (nobody listens on the PACS port); never the dmp one
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and db.job(hl7)["attempts"] == 0:
        time.sleep(0.2)
    check(db.job(hl7)["attempts"] >= 1, "the delivery worker runs (hl7 job attempted)", db.job(hl7))
    time.sleep(1.5)  # more polling rounds
    j = db.job(dmp)
    check(j["state"] == "pending" and j["attempts"] == 0 and j["last_error"] is None,
          "a dmp job (no sender yet) stays pending and untouched", j)

    # --- retry endpoint --------------------------------------------------------------------------
    far = int(time.time() * 1000) + 3600 * 1000
    failed = db.add_job("mssante", "{}", state="failed", due_ms=far, attempts=20)
    done = db.add_job("dmp", "{}", state="done")
    for who, client in (("accueil", accueil), ("manipulateur", manip)):
        expect_error(client.post(f"/api/v1/outbox/{failed}/retry"), 403, "forbidden", f"{who} cannot retry")
    expect_error(radio.post(f"/api/v1/outbox/{failed}/retry", csrf=False), 403, "csrf_failed", "retry without CSRF")
    expect_error(radio.post(f"/api/v1/outbox/{failed}/retry", {"now": True}), 422, "unknown_field",
                 "retry with an unknown member")
    check(db.job(failed)["state"] == "failed", "refused retries changed nothing", db.job(failed))
    before = int(time.time() * 1000)
    r = radio.post(f"/api/v1/outbox/{failed}/retry")
    if check(r.status == 200, "radiologue retries a failed job", r):
        job = r.json["job"]
        check(job["id"] == failed and job["kind"] == "mssante" and job["state"] == "pending"
              and job["attempts"] == 20, "retried job: pending, attempts kept", r)
        check(job["due_at"].endswith("Z") and len(job["due_at"]) == 20, "due_at is an ISO time", r)
    j = db.job(failed)
    check(j["state"] == "pending" and before - 1000 <= j["due_ms"] <= int(time.time() * 1000) + 1000,
          "failed job due now", j)
    waiting = db.add_job("dmp", "{}", due_ms=far)
    r = admin.post(f"/api/v1/outbox/{waiting}/retry", {})
    check(r.status == 200 and r.json["job"]["state"] == "pending", "admin retries a waiting job", r)
    check(db.job(waiting)["due_ms"] < far, "waiting job due now", db.job(waiting))
    expect_error(admin.post(f"/api/v1/outbox/{done}/retry"), 409, "conflict", "delivered job not retried", "abouti")
    expect_error(admin.post("/api/v1/outbox/999999/retry"), 404, "not_found", "unknown job")
    expect_error(admin.post("/api/v1/outbox/abc/retry"), 404, "not_found", "non-numeric job id")
    r = admin.get("/api/v1/audit?limit=1000")
    if check(r.status == 200, "audit readable", r):
        retried = {str(e.get("object_id")) for e in r.json["items"]
                   if e.get("action") == "retry" and e.get("object_type") == "outbox_job"}
        check({str(failed), str(waiting)} <= retried, "retries audited", retried)


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    pg = None
    store_url = None
    if mode == "pg":
        admin_url = os.environ.get("COULOIR_TEST_PG_URL")
        if not admin_url:
            support.skip_or_fail("COULOIR_TEST_PG_URL is not set (PostgreSQL half of the report admin test)")
        pg = PgDatabase(admin_url)
        store_url = pg.url
    env = {"COULOIR_HL7FEED_PACS_ADDRESS": f"127.0.0.1:{support.free_port()}",  # nobody listens there
           "COULOIR_HL7_LISTEN_PORT": "0", "COULOIR_WORKLIST_ENABLED": "false"}
    try:
        with Server(store_url=store_url, extra_env=env) as srv:
            url = srv.env["COULOIR_STORE_URL"]
            srv.migrate()
            srv.run("demo")
            srv.start()
            try:
                users = {}
                for role, (login, password) in DEMO_ACCOUNTS.items():
                    c = srv.client()
                    r = c.login(login, password)
                    if not check(r.status == 200, f"demo login {login}", r):
                        raise AssertionError("demo accounts unavailable")
                    users[role] = c
                templates_scenario(srv, users)
                outbox_scenario(srv, Db(url), users)
            except Exception:
                print(srv.log_text(), file=sys.stderr)
                raise
            if failures:
                print(srv.log_text(), file=sys.stderr)
    finally:
        if pg:
            pg.drop()
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        sys.exit(1)
    print(f"report admin {mode}: all {checks[0]} checks passed")


if __name__ == "__main__":
    main()
