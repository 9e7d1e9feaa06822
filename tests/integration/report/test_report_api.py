"""Reporting API (issue 6, contract A) over real HTTP against `couloir serve` on a temporary database
filled by `couloir demo`.

Covers: an exam performed through the appointment transitions appears in the to-do list; create
from the procedure (template texts prefilled; a second report refused); role refusals (accueil and
admin everywhere, manipulateur for writes and documents, a radiologue without RPPS for
validation); edit (sections, flags, exposure) and bad input; preview PDF marked "non validé";
documents absent before validation; provisional with reviewers; validation (PDF starts with %PDF,
N1 carries the PDF, N3 is CR-IMG, HTML rendering); the jobs queued in the same transaction
(report-hl7 present with contract-B payload, dmp/mssante never failed); correction (version 2,
same set id, RPLC of version 1, old version still downloadable); announcement; withdrawal (final);
lists, filters and reminders; the audit trail; optimistic concurrency (revision in the Report, a
stale one refused with 409 by PATCH and the actions); the withdrawal reason required, not blank,
counted in characters; the report-hl7 job only with a destination receiving reports; and, on a
server with an invalid INS policy, the role of proof-types checked before the policy. With ../shared/tools/validate-cda and Java present,
the N1 and N3 of both versions go through the ANS validator (zero errors).

Usage: test_report_api.py sqlite | pg"""
import base64
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "api"))

import support  # noqa: E402
from api_client import PgDatabase, Server  # noqa: E402

DEMO = {"admin": "Admin-Demo-2026", "accueil": "Accueil-Demo-2026", "manip": "Manip-Demo-2026",
        "radio": "Radio-Demo-2026"}
HL7 = "{urn:hl7-org:v3}"
failures = []
checks = [0]


def check(cond, what, resp=None):
    checks[0] += 1
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}" + (f" -> {resp!r}" if resp is not None else ""), file=sys.stderr)
    return cond


def expect_error(resp, status, code, what):
    ok = check(resp.status == status, f"{what}: status {status} expected, got {resp.status}", resp)
    ok = check(resp.error.get("code") == code, f"{what}: code {code} expected", resp) and ok
    msg = resp.error.get("message", "")
    return check(isinstance(msg, str) and len(msg) > 5, f"{what}: a French message is expected", resp) and ok


def perform_exam(accueil, manip):
    """An appointment with a procedure, moved to completed (the step follows)."""
    r = accueil.get("/api/v1/appointments?limit=200")
    assert r.status == 200, r
    for appt in r.json["items"]:
        if appt.get("procedure_id") and appt.get("step_id") and appt["status"] == "booked":
            aid = appt["id"]
            for who, action in ((accueil, "arrive"), (manip, "start"), (manip, "complete")):
                rr = who.post(f"/api/v1/appointments/{aid}/{action}")
                assert rr.status == 200, (action, rr)
            return appt["procedure_id"]
    raise AssertionError("no booked appointment with a procedure in the demo data")


def outbox_jobs(srv, backend, report_id):
    """Outbox jobs of a report, read from the database (kind, state, payload)."""
    sql = ("SELECT j.kind, j.state, j.payload FROM outbox_job j JOIN report_share s ON s.outbox_job_id = j.id "
           f"WHERE s.report_id = {int(report_id)} ORDER BY j.id")
    if backend == "sqlite":
        path = srv.env["COULOIR_STORE_URL"][len("sqlite:"):]
        with sqlite3.connect(path) as db:
            rows = db.execute(sql).fetchall()
    else:
        out = subprocess.run(["psql", srv.env["COULOIR_STORE_URL"], "-At", "-F", "\t", "-c", sql], check=True,
                             capture_output=True, text=True, timeout=60).stdout
        rows = [tuple(line.split("\t", 2)) for line in out.splitlines() if line]
    return [(k, s, json.loads(p)) for k, s, p in rows]


def xml_root(resp, what):
    try:
        return ET.fromstring(resp.raw)
    except ET.ParseError as e:
        check(False, f"{what}: XML expected ({e})")
        return None


def run_validator(files):
    """validate-cda on the files when the kit can run; True when every file passed."""
    shared = os.environ.get("COULOIR_SHARED_DIR") or os.path.join(os.environ.get("COULOIR_SOURCE_DIR", "."), "..",
                                                                  "shared")
    tool = os.path.join(shared, "tools", "validate-cda")
    if not os.access(tool, os.X_OK) or not shutil.which("java") or not shutil.which("xmllint") \
            or not os.path.exists("/usr/share/java/Saxon-HE.jar"):
        print("note: validate-cda not run (kit or Java absent)")
        return None
    r = subprocess.run([tool, *files], capture_output=True, text=True, timeout=900)
    if r.returncode == 2:
        print("note: validate-cda could not run (setup problem)")
        return None
    verdicts = [line for line in r.stdout.splitlines() if "=> PASS" in line or "=> FAIL" in line]
    ok = r.returncode == 0 and len(verdicts) == len(files) and all("=> PASS" in v for v in verdicts)
    if not ok:
        print(r.stdout[-6000:], file=sys.stderr)
    else:
        print(f"validate-cda: {len(files)} documents, zero errors")
    return ok


def check_role_before_policy():
    """GET /api/v1/identities/proof-types checks the role before loading the INS policy (review R13):
    with an invalid [ins] setting an admin (no identity read role) gets 403, an accueil 503."""
    with Server(extra_env={"COULOIR_INS_ACCEPTED_OIDS": "pas-un-oid"}) as srv:
        srv.migrate()
        srv.add_user("adm", "admin", "Admin-Secret-2026")
        srv.add_user("acc", "accueil", "Accueil-Secret-2026")
        srv.start()
        admin, accueil = srv.client(), srv.client()
        check(admin.login("adm", "Admin-Secret-2026").status == 200, "admin login")
        check(accueil.login("acc", "Accueil-Secret-2026").status == 200, "accueil login")
        expect_error(admin.get("/api/v1/identities/proof-types"), 403, "forbidden",
                     "role refused before the INS policy is read")
        expect_error(accueil.get("/api/v1/identities/proof-types"), 503, "unavailable", "invalid INS policy")


def scenario(srv, backend):
    c = {login: srv.client() for login in ("admin", "accueil", "manip", "radio", "radio2")}
    for login, cl in c.items():
        assert cl.login(login, DEMO.get(login, "radio2-secret-1")).status == 200, login
    admin, accueil, manip, radio, radio2 = c["admin"], c["accueil"], c["manip"], c["radio"], c["radio2"]

    proc = perform_exam(accueil, manip)
    # the report-hl7 job is queued only when an enabled destination receives reports (review R1)
    dests = admin.get("/api/v1/hl7/destinations")
    if not any(d["send_reports"] and d["enabled"] for d in dests.json.get("items", [])):
        r = admin.post("/api/v1/hl7/destinations", {"name": "DPI comptes rendus", "host": "127.0.0.1",
                                                    "port": support.free_port(), "send_orders": False,
                                                    "send_patients": False, "send_reports": True})
        check(r.status == 201, "a destination receiving reports", r)

    # --- to-do and roles ---------------------------------------------------------------------------
    r = radio.get("/api/v1/reports/to-do")
    if check(r.status == 200, "to-do list", r):
        todo = [i for i in r.json["items"] if i["procedure_id"] == proc]
        check(len(todo) == 1 and todo[0]["report_id"] is None and todo[0]["step_status"] == "completed",
              "performed exam to report", r)
        check(todo and todo[0]["patient"]["birth_name"], "patient traits in the to-do list", r)
    check(manip.get("/api/v1/reports/to-do").status == 200, "manipulateur reads the to-do list")
    for who, name in ((accueil, "accueil"), (admin, "admin")):
        expect_error(who.get("/api/v1/reports"), 403, "forbidden", f"{name} may not list reports")
        expect_error(who.post("/api/v1/reports", {"procedure_id": proc}), 403, "forbidden", f"{name} may not create")
    expect_error(manip.post("/api/v1/reports", {"procedure_id": proc}), 403, "forbidden", "manipulateur may not create")

    # --- create -----------------------------------------------------------------------------------
    expect_error(radio.post("/api/v1/reports", {}), 422, "missing_field", "procedure_id required")
    expect_error(radio.post("/api/v1/reports", {"procedure_id": "x"}), 422, "invalid_type", "procedure_id type")
    expect_error(radio.post("/api/v1/reports", {"procedure_id": proc, "colour": 1}), 422, "unknown_field",
                 "unknown member")
    expect_error(radio.post("/api/v1/reports", {"procedure_id": 99999999}), 422, "invalid_value", "unknown procedure")
    r = radio.post("/api/v1/reports", {"procedure_id": proc})
    if not check(r.status == 201, "report created", r):
        return
    rep = r.json
    rid = rep["id"]
    base = f"/api/v1/reports/{rid}"
    check(rep["status"] == "brouillon" and rep["status_label"] == "brouillon" and rep["version"] == 0,
          "new report is a draft", r)
    check(rep["procedure_id"] == proc and rep["accession_number"] and rep["exam_label"], "exam fields", r)
    check(rep["template"] and rep["template"]["code"] and rep["template"]["sections"], "template shown", r)
    keys = [s["key"] for s in rep["template"]["sections"]]
    check("technique" in keys and "conclusion" in keys, "template sections technique/conclusion", r)
    check(set(rep["sections"].keys()) == set(keys), "sections prefilled for every template section", r)
    check(rep["flags"] == {"announcement_pending": False, "no_dmp": False, "masque_ps": False,
                           "invisible_patient": False, "invisible_legal_reps": False, "secret_connection": False},
          "flags all false", r)
    check([s["status"] for s in rep["shares"]] == ["not_applicable"] * 3, "nothing shared yet", r)
    check(rep["history"] and rep["history"][0]["event"] == "create", "history starts with create", r)
    expect_error(radio.post("/api/v1/reports", {"procedure_id": proc}), 409, "conflict", "one report per procedure")

    # --- edit ----------------------------------------------------------------------------------------
    texts = {"indication": "Céphalées inhabituelles depuis trois semaines.",
             "technique": "Acquisition hélicoïdale sans puis avec injection de produit de contraste iodé.",
             "resultats": "Pas d'anomalie de densité du parenchyme cérébral. Pas d'effet de masse.",
             "conclusion": "Examen sans anomalie décelable."}
    texts = {k: v for k, v in texts.items() if k in keys}
    expect_error(manip.patch(base, {"sections": texts}), 403, "forbidden", "manipulateur may not edit")
    expect_error(radio.patch(base, {"sections": {"poesie": "x"}}), 422, "invalid_value", "unknown section")
    expect_error(radio.patch(base, {"sections": {"conclusion": 3}}), 422, "invalid_value", "section type")
    expect_error(radio.patch(base, {"flags": {"no_dmp": "oui"}}), 422, "invalid_value", "flag type")
    expect_error(radio.patch(base, {"colour": "bleu"}), 422, "unknown_field", "unknown member")
    expect_error(radio.patch("/api/v1/reports/99999999", {"sections": texts}), 404, "not_found", "unknown report")
    # optimistic concurrency: the revision the editor loaded; a stale one is refused (409)
    loaded = radio.get(base)
    rev = loaded.json.get("revision") if loaded.status == 200 else None
    check(isinstance(rev, int), "Report carries its revision", loaded)
    expect_error(radio.patch(base, {"revision": "x"}), 422, "invalid_value", "revision type")
    r = radio.patch(base, {"sections": texts, "flags": {"masque_ps": True, "announcement_pending": True},
                           "revision": rev})
    if check(r.status == 200, "edit", r):
        check(r.json["revision"] == rev + 1, "revision bumped by the edit", r)
        stale = radio.patch(base, {"sections": texts, "revision": rev})
        expect_error(stale, 409, "transition_refused", "a stale revision is refused")
        check("modifié par un autre utilisateur" in stale.error.get("message", ""), "stale revision message", stale)
        expect_error(radio.post(base + "/provisional", {"reviewers": ["radio2"], "revision": rev}), 409,
                     "transition_refused", "a stale revision is refused by the actions")
        check(r.json["sections"]["conclusion"] == texts["conclusion"], "text saved", r)
        check(r.json["flags"]["masque_ps"] is True and r.json["flags"]["announcement_pending"] is True,
              "flags saved", r)
    exposure = {"pregnancy": "non", "doses": [{"code": "113813", "display": "PDL Total : Produit Dose Longueur Total",
                                               "value": 350.5, "unit": "mGy.cm"}]}
    expect_error(radio.patch(base, {"exposure": {"doses": [{"code": "113813"}]}}), 422, "invalid_value",
                 "incomplete dose")
    expect_error(radio.patch(base, {"exposure": {"pregnancy": "peut-être"}}), 422, "invalid_value", "pregnancy value")
    if rep["modality"] in ("CT", "CR", "DX", "MG", "NM", "PT", "XA", "RF", "BMD"):
        r = radio.patch(base, {"exposure": exposure})
        check(r.status == 200 and r.json["exposure"] == exposure, "radiation exposure saved", r)
    else:
        expect_error(radio.patch(base, {"exposure": exposure}), 422, "invalid_value", "no doses for a non-ionising exam")
    r = manip.get(base)
    check(r.status == 200 and r.json["id"] == rid, "manipulateur reads one report", r)
    expect_error(accueil.get(base), 403, "forbidden", "accueil may not read a report")

    # --- preview, documents before validation -----------------------------------------------------
    r = radio.get(base + "/preview")
    check(r.status == 200 and r.raw.startswith(b"%PDF") and r.header("Content-Type") == "application/pdf",
          "preview PDF", r)
    if shutil.which("pdftotext") and r.status == 200:
        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(r.raw)
            f.flush()
            text = subprocess.run(["pdftotext", f.name, "-"], capture_output=True, text=True, timeout=60).stdout
        check("non validé" in text and "Validé le" not in text, "preview marked non validé, never Validé", text[:400])
    expect_error(radio.get(base + "/pdf"), 404, "not_found", "no PDF before validation")
    expect_error(manip.get(base + "/preview"), 403, "forbidden", "manipulateur may not download")

    # --- provisional, validation refusals ---------------------------------------------------------
    expect_error(radio.post(base + "/provisional", {"reviewers": []}), 422, "invalid_value", "reviewers required")
    expect_error(radio.post(base + "/provisional", {"reviewers": ["manip"]}), 422, "invalid_value",
                 "reviewer must be a radiologist")
    expect_error(radio.post(base + "/provisional", {"reviewers": ["personne"]}), 422, "invalid_value",
                 "unknown reviewer")
    r = radio.post(base + "/provisional", {"reviewers": ["radio2"]})
    check(r.status == 200 and r.json["status"] == "provisoire" and r.json["reviewers"] == ["radio2"],
          "provisional with reviewers", r)
    expect_error(radio2.post(base + "/validate"), 403, "forbidden", "radiologue without RPPS may not validate")
    expect_error(manip.post(base + "/validate"), 403, "forbidden", "manipulateur may not validate")
    expect_error(accueil.post(base + "/validate"), 403, "forbidden", "accueil may not validate")
    expect_error(radio.post(base + "/publish"), 404, "not_found", "unknown action")
    expect_error(radio.post(base + "/validate", {"force": True}), 422, "unknown_field", "validate takes no member")

    # --- validation ---------------------------------------------------------------------------------
    r = radio.post(base + "/validate")
    if not check(r.status == 200, "validation", r):
        print(srv.log_text(), file=sys.stderr)
        return
    v1 = r.json
    check(v1["status"] == "valide" and v1["status_label"] == "validé" and v1["version"] == 1, "validated v1", r)
    check(v1["validator"] and v1["validator"]["rpps"] == "10010422193" and v1["validated_at"], "validator recorded", r)
    check(sorted(d["kind"] for d in v1["documents"]) == ["CDA-N1", "CDA-N3", "PDF"], "three documents stored", r)
    shares = {s["channel"]: s for s in v1["shares"]}
    check(shares["hl7"]["status"] == "pending" and shares["hl7"]["job_id"], "HL7 sharing job queued", r)
    check(all(s["status"] in ("pending", "sent", "not_applicable") for s in v1["shares"]), "no share failed", r)
    jobs = outbox_jobs(srv, backend, rid)
    kinds = [k for k, _, _ in jobs]
    check("report-hl7" in kinds, "report-hl7 job in the outbox", jobs)
    check(all(s != "failed" for k, s, _ in jobs if k in ("dmp", "mssante")), "dmp/mssante jobs not failed", jobs)
    n1_id = [d["id"] for d in v1["documents"] if d["kind"] == "CDA-N1"][0]
    for k, _, p in jobs:
        if k == "report-hl7":
            check(p["report_id"] == rid and p["document_id"] == n1_id and p["action"] == "initial", "hl7 payload", p)
            check(p["masque_ps"] is True and p["invisible_patient"] is True and "dest_mssante_ps" in p
                  and "dest_dmp" in p, "hl7 payload flags (announcement pending: invisible to the patient)", p)
    expect_error(radio.patch(base, {"sections": texts}), 409, "transition_refused", "no edit after validation")
    expect_error(radio.post(base + "/validate"), 409, "transition_refused", "validated twice")

    # --- documents ------------------------------------------------------------------------------------
    pdf = radio.get(base + "/pdf")
    check(pdf.status == 200 and pdf.raw.startswith(b"%PDF-") and pdf.header("Content-Type") == "application/pdf",
          "PDF downloadable", pdf)
    check("no-store" in (pdf.header("Cache-Control") or ""), "documents not cached")
    n1 = radio.get(base + "/cda-n1")
    n3 = radio.get(base + "/cda-n3")
    check(n1.status == 200 and "xml" in (n1.header("Content-Type") or ""), "N1 downloadable", n1)
    check(n3.status == 200 and "xml" in (n3.header("Content-Type") or ""), "N3 downloadable", n3)
    root1, root3 = xml_root(n1, "N1"), xml_root(n3, "N3")
    if root1 is not None:
        body = root1.find(f"{HL7}component/{HL7}nonXMLBody/{HL7}text")
        check(body is not None and base64.b64decode(body.text.strip())[:5] == b"%PDF-", "N1 carries the PDF")
        check(root1.find(f"{HL7}setId").get("extension") == v1["set_id"], "N1 set id")
    if root3 is not None:
        check(any(t.get("root") == "1.2.250.1.213.1.1.1.45" for t in root3.findall(f"{HL7}templateId")),
              "N3 is CR-IMG 2024.01")
        check(root3.find(f"{HL7}versionNumber").get("value") == "1", "N3 version 1")
    h = radio.get(base + "/html")
    check(h.status == 200 and b"<html" in h.raw and (h.header("Content-Type") or "").startswith("text/html"),
          "HTML rendering", h)
    check(texts["conclusion"].encode() in h.raw, "HTML shows the conclusion")
    expect_error(radio.get(base + "/pdf?version=7"), 404, "not_found", "unknown version")
    expect_error(radio.get(base + "/pdf?page=2"), 400, "unknown_field", "unknown parameter")
    expect_error(manip.get(base + "/cda-n3"), 403, "forbidden", "manipulateur may not download N3")

    # --- correction --------------------------------------------------------------------------------------
    expect_error(radio2.post(base + "/correct", {"sections": {"conclusion": "x"}}), 403, "forbidden",
                 "correction needs an RPPS")
    r = radio.post(base + "/correct", {"sections": {"conclusion": "Examen sans anomalie. Erratum : latéralité."},
                                       "addendum": "Correction de la conclusion (latéralité).",
                                       "flags": {"invisible_legal_reps": True}})
    if check(r.status == 200, "correction", r):
        v2 = r.json
        check(v2["status"] == "corrige" and v2["version"] == 2 and v2["set_id"] == v1["set_id"],
              "version 2, same set id", r)
        check(len(v2["documents"]) == 6, "six documents (two versions)", r)
        check(v2["flags"]["announcement_pending"] is True and v2["flags"]["invisible_legal_reps"] is True,
              "announcement still pending, new flag", r)
    n3b = radio.get(base + "/cda-n3")
    root3b = xml_root(n3b, "N3 v2")
    if root3b is not None and root3 is not None:
        rel = root3b.find(f"{HL7}relatedDocument")
        check(rel is not None and rel.get("typeCode") == "RPLC", "RPLC in version 2")
        if rel is not None:
            check(rel.find(f"{HL7}parentDocument/{HL7}id").get("extension") == root3.find(f"{HL7}id").get("extension"),
                  "RPLC names version 1")
        check(root3b.find(f"{HL7}versionNumber").get("value") == "2", "N3 version 2")
    old = radio.get(base + "/cda-n3?version=1")
    check(old.status == 200 and old.raw == n3.raw, "version 1 still downloadable")
    hl7_actions = [p["action"] for k, _, p in outbox_jobs(srv, backend, rid) if k == "report-hl7"]
    check(hl7_actions == ["initial", "replace"], "hl7 replace queued", hl7_actions)

    # --- announcement, withdrawal -------------------------------------------------------------------------
    r = radio.post(base + "/announce")
    check(r.status == 200 and r.json["flags"]["announcement_pending"] is False and r.json["announcement_recorded"],
          "announcement recorded", r)
    expect_error(radio.post(base + "/announce"), 409, "transition_refused", "no second announcement")
    expect_error(radio.post(base + "/withdraw", {"reason": 5}), 422, "invalid_value", "reason type")
    expect_error(radio.post(base + "/withdraw"), 422, "invalid_value", "reason required")
    expect_error(radio.post(base + "/withdraw", {"reason": " \n\t "}), 422, "invalid_value", "blank reason refused")
    expect_error(radio.post(base + "/withdraw", {"reason": "é" * 1001}), 422, "invalid_value",
                 "reason limited to 1000 characters")
    r = radio.post(base + "/withdraw", {"reason": "Examen attribué au mauvais patient."})
    check(r.status == 200 and r.json["status"] == "retire", "withdrawn", r)
    if r.status == 200:
        check(r.json["history"][-1]["detail"] == "Examen attribué au mauvais patient.", "reason in history", r)
    hl7_actions = [p["action"] for k, _, p in outbox_jobs(srv, backend, rid) if k == "report-hl7"]
    check(hl7_actions[-1:] == ["delete"], "hl7 delete queued", hl7_actions)
    expect_error(radio.post(base + "/correct", {}), 409, "transition_refused", "withdrawn is final")
    expect_error(radio.patch(base, {"sections": texts}), 409, "transition_refused", "no edit once withdrawn")

    # --- lists, reminders, audit ---------------------------------------------------------------------------
    r = radio.get("/api/v1/reports?status=retire")
    if check(r.status == 200, "list by status", r):
        check(r.json["total"] >= 1 and any(i["id"] == rid for i in r.json["items"]), "withdrawn report listed", r)
        it = [i for i in r.json["items"] if i["id"] == rid][0]
        check(it["status_label"] == "retiré" and it["version"] == 2 and it["patient"]["ipp"], "summary fields", it)
    r = radio.get(f"/api/v1/reports?procedure_id={proc}")
    check(r.status == 200 and r.json["total"] == 1, "filter by procedure", r)
    expect_error(radio.get("/api/v1/reports?status=perdu"), 400, "invalid_value", "unknown status filter")
    expect_error(radio.get("/api/v1/reports?colour=1"), 400, "unknown_field", "unknown filter")
    r = radio.get("/api/v1/reports/reminders")
    check(r.status == 200 and isinstance(r.json["items"], list), "reminders", r)
    r = radio.get("/api/v1/reports/to-do")
    check(r.status == 200 and not any(i["procedure_id"] == proc and i["report_id"] is None for i in r.json["items"]),
          "reported exam leaves the to-do list", r)
    r = admin.get(f"/api/v1/audit?object_type=reports&limit=1000")
    if check(r.status == 200, "audit list", r):
        actions = {(i["action"], i["outcome"]) for i in r.json["items"] if i.get("object_id") == str(rid)}
        for a in ("create", "update", "validate", "correct", "withdraw", "read"):
            check((a, "success") in actions, f"audit {a}", sorted(actions))
        check(any(o == "denied" for _, o in {(i["action"], i["outcome"]) for i in r.json["items"]}),
              "refusals audited", r)

    # --- the ANS validator on the documents of both versions ------------------------------------------------
    d = tempfile.mkdtemp(prefix="couloir-report-cda-")
    try:
        files = []
        for name, resp in (("v1-n1.xml", n1), ("v1-n3.xml", n3), ("v2-n1.xml", radio.get(base + "/cda-n1")),
                           ("v2-n3.xml", n3b)):
            path = os.path.join(d, name)
            with open(path, "wb") as f:
                f.write(resp.raw)
            files.append(path)
        ok = run_validator(files)
        if ok is not None:
            check(ok, "validate-cda: zero errors on the N1 and N3 of both versions")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    backend = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    pg = None
    if backend == "pg":
        if not os.environ.get("COULOIR_TEST_PG_URL"):
            support.skip_or_fail("COULOIR_TEST_PG_URL is unset (eval \"$(scripts/pg-throwaway.sh start)\")")
        pg = PgDatabase(os.environ["COULOIR_TEST_PG_URL"])
    try:
        with Server(store_url=pg.url if pg else None) as srv:
            srv.migrate()
            srv.run("demo")
            srv.add_user("radio2", "radiologue", "radio2-secret-1")
            srv.start()
            scenario(srv, backend)
        if backend == "sqlite":  # not a store matter: once is enough
            check_role_before_policy()
    finally:
        if pg:
            pg.drop()
    print(f"{checks[0]} checks, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
