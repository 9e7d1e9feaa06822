"""REST API over real HTTP against `couloir serve`.

Usage: test_api.py sqlite | pg | tls
  sqlite  a fresh SQLite database in a temp folder
  pg      a fresh database on COULOIR_TEST_PG_URL's cluster (skips, or fails under CI, without it)
  tls     HTTPS with a self-signed certificate made by the openssl CLI (SQLite)

Covers: login ok/ko, cookie attributes, logout, rate limiting (429 + Retry-After), role
refusals, CSRF missing/wrong, validation errors (unknown field, bad date, wrong type,
malformed JSON, oversized body, read-only field, bad REF), pagination and filters, search,
free-slot search, transitions allowed/refused, agenda, audit entries for patient reads and
failed logins, users administration, static files and path traversal, security headers."""
import datetime
import gzip
import json
import os
import sys
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import support  # noqa: E402
from api_client import PgDatabase, Server  # noqa: E402

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
PASSWORDS = {"admin": "admin-secret-1", "accueil": "accueil-secret-1", "manip": "manip-secret-1",
             "radio": "radio-secret-1"}
MAX_ATTEMPTS = 4
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
    ok = check(isinstance(msg, str) and len(msg) > 5, f"{what}: a message is expected", resp) and ok
    if field is not None:
        ok = check(resp.error.get("field") == field, f"{what}: field {field} expected", resp) and ok
    return ok


def check_json_headers(r, what):
    check(r.header("Content-Type") == "application/json; charset=utf-8", f"{what}: JSON content type", r)
    check(r.header("X-Content-Type-Options") == "nosniff", f"{what}: nosniff header", r)
    check(r.header("X-Frame-Options") == "DENY", f"{what}: X-Frame-Options", r)
    check("default-src 'self'" in (r.header("Content-Security-Policy") or ""), f"{what}: CSP", r)


def next_weekday(days_ahead):
    d = datetime.date.today() + datetime.timedelta(days=days_ahead)
    while d.weekday() >= 5:
        d += datetime.timedelta(days=1)
    return d


def utc(d, hh, mm):
    local = datetime.datetime(d.year, d.month, d.day, hh, mm, tzinfo=PARIS)
    return local.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def scenario(srv, tls=False):
    anon = srv.client()
    r = anon.get("/healthz")
    check(r.status == 200 and r.json["status"] == "ok", "healthz ok", r)
    check_json_headers(r, "healthz")
    if tls:
        check(r.header("Strict-Transport-Security") is not None, "HSTS under TLS", r)

    # --- unauthenticated -------------------------------------------------------------------
    for method, path in [("GET", "/api/v1/patients"), ("POST", "/api/v1/sites"), ("GET", "/api/v1/auth/me"),
                         ("GET", "/api/v1/audit"), ("GET", "/api/v1/agenda"), ("GET", "/api/v1/users")]:
        expect_error(anon.request(method, path, body={} if method == "POST" else None), 401, "unauthenticated",
                     f"anonymous {method} {path}")
    r = anon.request("GET", "/api/v1/patients", headers={"Cookie": "couloir_session=" + "a" * 64})
    expect_error(r, 401, "unauthenticated", "forged session cookie")
    expect_error(anon.get("/api/v1/nosuch"), 404, "not_found", "unknown resource")
    r = anon.put("/api/v1/auth/login", {})
    expect_error(r, 405, "method_not_allowed", "PUT on login")
    check(r.header("Allow") == "POST", "Allow header on 405", r)

    # --- login -------------------------------------------------------------------------------
    admin = srv.client()
    expect_error(admin.login("admin", "wrong-password"), 401, "unauthenticated", "login with a wrong password")
    expect_error(admin.login("nobody", "wrong-password"), 401, "unauthenticated", "login with an unknown login")
    expect_error(admin.post("/api/v1/auth/login", {"login": "admin"}, csrf=False), 422, "missing_field",
                 "login without password", field="password")
    expect_error(admin.post("/api/v1/auth/login", {"login": "admin", "password": "x", "extra": 1}, csrf=False), 422,
                 "unknown_field", "login with an extra field", field="extra")
    r = admin.login("admin", PASSWORDS["admin"])
    check(r.status == 200, "admin login", r)
    cookie = next((v for v in r.all("Set-Cookie") if v.startswith("couloir_session=")), "")
    attrs = [a.strip() for a in cookie.split(";")]
    check("HttpOnly" in attrs and "SameSite=Strict" in attrs and "Path=/" in attrs, "cookie attributes", cookie)
    check(("Secure" in attrs) == tls, "Secure cookie exactly under TLS", cookie)
    check(len(admin.cookie or "") == 64 and len(admin.csrf or "") == 64, "256-bit session and CSRF tokens", r)
    check(r.json["user"]["roles"] == ["admin"] and "password_hash" not in r.json["user"], "user in login reply", r)
    r = admin.get("/api/v1/auth/me")
    check(r.status == 200 and r.json["user"]["login"] == "admin" and r.json["csrf_token"] == admin.csrf, "me", r)

    accueil, manip, radio = srv.client(), srv.client(), srv.client()
    check(accueil.login("accueil", PASSWORDS["accueil"]).status == 200, "accueil login")
    check(manip.login("manip", PASSWORDS["manip"]).status == 200, "manip login")
    check(radio.login("radio", PASSWORDS["radio"]).status == 200, "radio login")

    # --- CSRF -------------------------------------------------------------------------------
    site_body = {"finess": "750000001", "name": "Centre d'imagerie du Couloir", "city": "Paris"}
    expect_error(admin.post("/api/v1/sites", site_body, csrf=False), 403, "csrf_failed", "POST without CSRF token")
    expect_error(admin.post("/api/v1/sites", site_body, csrf=False, headers={"X-CSRF-Token": "0" * 64}), 403,
                 "csrf_failed", "POST with a wrong CSRF token")
    expect_error(admin.post("/api/v1/sites", site_body, csrf=False, headers={"X-CSRF-Token": accueil.csrf}), 403,
                 "csrf_failed", "POST with another session's CSRF token")

    # --- reference data by the admin -------------------------------------------------------------
    r = admin.post("/api/v1/sites", site_body)
    check(r.status == 201 and r.json["name"] == site_body["name"], "create site", r)
    site_id = r.json["id"]
    check(r.header("Location") == f"/api/v1/sites/{site_id}", "Location header", r)
    r = admin.post("/api/v1/rooms", {"site_id": site_id, "name": "Scanner 1", "kind": "scanner"})
    check(r.status == 201, "create room", r)
    room_id = r.json["id"]
    r = admin.post("/api/v1/rooms", {"site_id": site_id, "name": "Scanner 2", "kind": "scanner"})
    room2_id = r.json["id"]
    r = admin.post("/api/v1/modalities", {"room_id": room_id, "ae_title": "CT1", "modality_type": "CT"})
    check(r.status == 201, "create modality", r)
    modality_id = r.json["id"]
    admin.post("/api/v1/modalities", {"room_id": room2_id, "ae_title": "CT2", "modality_type": "CT"})
    r = admin.post("/api/v1/catalogue", {"ccam_code": "ZBQK002", "label": "Scanographie du thorax",
                                         "loinc_code": "24627-2", "modality_type": "CT", "duration_minutes": 30})
    check(r.status == 201, "create catalogue entry", r)
    exam_id = r.json["id"]

    # --- role refusals -------------------------------------------------------------------------
    expect_error(accueil.post("/api/v1/catalogue", {"ccam_code": "ZBQK001", "label": "x", "modality_type": "CT",
                                                    "duration_minutes": 10}), 403, "forbidden",
                 "accueil cannot write the catalogue")
    expect_error(accueil.patch(f"/api/v1/catalogue/{exam_id}", {"label": "y"}), 403, "forbidden",
                 "accueil cannot update the catalogue")
    expect_error(manip.post("/api/v1/patients", {"ipp": "X1"}), 403, "forbidden", "manipulateur cannot create patients")
    expect_error(accueil.get("/api/v1/users"), 403, "forbidden", "accueil cannot list users")
    expect_error(accueil.get("/api/v1/audit"), 403, "forbidden", "accueil cannot read the audit trail")
    expect_error(admin.get("/api/v1/patients"), 403, "forbidden", "admin has no clinical read role")
    check(accueil.get(f"/api/v1/catalogue/{exam_id}").status == 200, "accueil reads the catalogue")

    # --- validation -----------------------------------------------------------------------------
    r = accueil.post("/api/v1/patients", {"ipp": "IPP0001"})
    check(r.status == 201, "create patient", r)
    patient_id = r.json["id"]
    ident = {"patient_id": patient_id, "birth_name": "MARTIN", "first_given_name": "Jeanne",
             "birth_date": "1975-03-14", "sex": "F"}
    expect_error(accueil.post("/api/v1/identities", dict(ident, nickname="Jo")), 422, "unknown_field",
                 "unknown field", field="nickname")
    r = accueil.post("/api/v1/identities", dict(ident, birth_date="1975-02-30"))
    expect_error(r, 422, "invalid_value", "impossible birth date", field="birth_date")
    check("date de naissance" in r.error.get("message", ""), "French label in the message", r)
    expect_error(accueil.post("/api/v1/identities", dict(ident, birth_date="14/03/1975")), 422, "invalid_value",
                 "birth date in the wrong format", field="birth_date")
    expect_error(accueil.post("/api/v1/identities", dict(ident, birth_date=19750314)), 422, "invalid_type",
                 "birth date as a number", field="birth_date")
    expect_error(accueil.post("/api/v1/identities", dict(ident, douteuse="non")), 422, "invalid_type",
                 "boolean as text", field="douteuse")
    expect_error(accueil.post("/api/v1/identities", dict(ident, sex="Z")), 422, "invalid_value", "bad enum", field="sex")
    expect_error(accueil.post("/api/v1/identities", dict(ident, birth_name="X" * 101)), 422, "invalid_value",
                 "too long", field="birth_name")
    expect_error(accueil.post("/api/v1/identities", {k: v for k, v in ident.items() if k != "sex"}), 422,
                 "missing_field", "missing required field", field="sex")
    expect_error(accueil.post("/api/v1/identities", dict(ident, id=5)), 422, "readonly_field", "read-only id", field="id")
    expect_error(accueil.post("/api/v1/identities", dict(ident, patient_id=999999)), 422, "invalid_value",
                 "reference to a missing patient", field="patient_id")
    expect_error(accueil.post("/api/v1/identities", raw=b'{"birth_name": "A",'), 400, "invalid_json", "malformed JSON")
    expect_error(accueil.post("/api/v1/identities", raw=b'["a"]'), 400, "invalid_json", "JSON array body")
    expect_error(accueil.post("/api/v1/identities", raw=b'{"a":1,"a":2}'), 400, "invalid_json", "duplicate keys")
    expect_error(accueil.post("/api/v1/identities", raw=b'\xff\xfe'), 400, "invalid_json", "invalid UTF-8")
    expect_error(accueil.post("/api/v1/identities", raw=b''), 400, "invalid_json", "empty body")
    big = b'{"birth_name":"' + b"A" * 8192 + b'"}'
    expect_error(accueil.post("/api/v1/identities", raw=big), 413, "too_large", "oversized body")
    r = accueil.post("/api/v1/identities", ident)
    check(r.status == 201 and r.json["birth_date"] == "1975-03-14", "create identity", r)
    identity_id = r.json["id"]
    expect_error(accueil.patch(f"/api/v1/identities/{identity_id}", {"patient_id": 1}), 422, "readonly_field",
                 "immutable field on update", field="patient_id")
    # the INS, the RNIV status and the document check change only through the identity rules
    for field, value in (("rniv_status", "qualifiee"), ("ins_matricule", "109076322083489"),
                         ("ins_oid", "1.2.250.1.213.1.4.10"), ("id_document_type", "PASSEPORT"),
                         ("id_document_checked_at", "2026-01-05T10:00:00+01:00")):
        expect_error(accueil.patch(f"/api/v1/identities/{identity_id}", {field: value}), 422, "readonly_field",
                     f"{field} is not writable through the generic API", field=field)
    r = accueil.patch(f"/api/v1/identities/{identity_id}", {"used_name": "DURAND"})
    check(r.status == 200 and r.json["used_name"] == "DURAND" and r.json["rniv_status"] == "provisoire",
          "patch identity", r)
    expect_error(accueil.get("/api/v1/identities/999999"), 404, "not_found", "missing row")
    expect_error(accueil.delete(f"/api/v1/identities/{identity_id}"), 405, "method_not_allowed",
                 "identities are not deletable")
    expect_error(accueil.post("/api/v1/patients", {"ipp": "IPP0001"}), 409, "conflict", "duplicate IPP")

    # --- audit of patient reads ---------------------------------------------------------------
    check(radio.get(f"/api/v1/patients/{patient_id}").status == 200, "radiologue reads the patient")
    r = admin.get(f"/api/v1/audit?action=read&patient_id={patient_id}&object_type=patients")
    check(r.status == 200 and r.json["total"] >= 1, "audit entry for the patient read", r)
    if r.status == 200 and r.json["items"]:
        ev = r.json["items"][0]
        check(ev.get("outcome") == "success" and ev.get("user_id") == radio.user["id"], "audit entry fields", ev)
    # orders and procedures are audited under their patient (procedure -> order -> patient)
    r = accueil.post("/api/v1/orders", {"patient_id": patient_id, "reason": "Douleur thoracique", "priority": "routine"})
    check(r.status == 201, "create order", r)
    order_id = r.json["id"] if r.status == 201 else 0
    r = accueil.post("/api/v1/procedures", {"order_id": order_id, "exam_id": exam_id})
    check(r.status == 201 and r.json.get("accession_number"), "create procedure (accession number generated)", r)
    proc_id = r.json["id"] if r.status == 201 else 0
    check(radio.get(f"/api/v1/procedures/{proc_id}").status == 200, "radiologue reads the procedure")
    r = admin.get(f"/api/v1/audit?action=read&object_type=procedures&patient_id={patient_id}")
    check(r.status == 200 and r.json["total"] == 1, "procedure read audited under its patient", r)
    r = admin.get(f"/api/v1/audit?action=create&object_type=orders&patient_id={patient_id}")
    check(r.status == 200 and r.json["total"] == 1, "order creation audited under its patient", r)
    r = admin.get("/api/v1/audit?action=login_failed")
    check(r.status == 200 and r.json["total"] >= 2, "failed logins audited", r)
    r = admin.get("/api/v1/audit?action=create&object_type=identities")
    check(r.status == 200 and r.json["total"] == 1, "identity creation audited once", r)
    expect_error(admin.get("/api/v1/audit?from=yesterday"), 400, "invalid_value", "bad audit date", field="from")
    expect_error(admin.get("/api/v1/audit?color=blue"), 400, "unknown_field", "unknown audit filter", field="color")
    # a refused attempt on patient data is audited as denied
    manip.post("/api/v1/patients", {"ipp": "X2"})
    r = admin.get("/api/v1/audit?object_type=patients&action=create")
    check(r.status == 200 and any(e.get("outcome") == "denied" for e in r.json["items"]), "denied attempt audited", r)

    # --- pagination, filters, search -----------------------------------------------------------
    for i in range(7):
        r = accueil.post("/api/v1/correspondents", {"last_name": f"Médecin{i}", "first_name": "Paul",
                                                    "rpps": f"1000000000{i}",
                                                    "specialty": "cardiologie" if i % 2 else "radiologie",
                                                    "mssante_address": f"dr{i}@medecin.mssante.fr"})
        check(r.status == 201, f"create correspondent {i}", r)
    r = accueil.get("/api/v1/correspondents?limit=3&offset=2")
    check(r.status == 200 and r.json["total"] == 7 and len(r.json["items"]) == 3 and r.json["offset"] == 2
          and r.json["limit"] == 3, "pagination", r)
    r2 = accueil.get("/api/v1/correspondents?limit=3&offset=5")
    check(r2.status == 200 and len(r2.json["items"]) == 2, "last page", r2)
    if r.status == 200 and r2.status == 200:
        check(not {c["id"] for c in r.json["items"]} & {c["id"] for c in r2.json["items"]}, "pages do not overlap")
    r = accueil.get("/api/v1/correspondents")
    check(r.status == 200 and r.json["limit"] == 50 and len(r.json["items"]) == 7, "default limit", r)
    r = accueil.get("/api/v1/correspondents?specialty=cardiologie")
    check(r.status == 200 and r.json["total"] == 3
          and all(c["specialty"] == "cardiologie" for c in r.json["items"]), "filter", r)
    r = accueil.get("/api/v1/correspondents?q=medecin3")
    check(r.status == 200 and r.json["total"] == 1, "search (diacritics-insensitive prefix)", r)
    expect_error(accueil.get("/api/v1/correspondents?limit=0"), 400, "invalid_value", "limit 0", field="limit")
    expect_error(accueil.get("/api/v1/correspondents?limit=1001"), 400, "invalid_value", "limit 1001", field="limit")
    expect_error(accueil.get("/api/v1/correspondents?offset=-1"), 400, "invalid_value", "negative offset", field="offset")
    expect_error(accueil.get("/api/v1/correspondents?phone=1"), 400, "unknown_field", "non-filter field", field="phone")
    expect_error(accueil.get("/api/v1/correspondents?bogus=1"), 400, "unknown_field", "unknown filter", field="bogus")
    expect_error(accueil.get("/api/v1/identities?birth_date=1975-13-01"), 400, "invalid_value", "bad date filter",
                 field="birth_date")

    # --- appointments: slots, transitions, agenda -------------------------------------------------
    day = next_weekday(7)
    appt = {"patient_id": patient_id, "room_id": room_id, "start_at": utc(day, 10, 0), "end_at": utc(day, 10, 30)}
    r = accueil.post("/api/v1/appointments", appt)
    check(r.status == 201 and r.json["status"] == "booked", "book an appointment", r)
    appt_id = r.json["id"]
    r = accueil.get(f"/api/v1/appointments/slots?room_id={room_id}&catalogue_id={exam_id}&from={day}&to={day}"
                    "&limit=1000")
    check(r.status == 200 and r.json["duration_minutes"] == 30, "slot search", r)
    starts = [s["start_at"] for s in r.json["items"]] if r.status == 200 else []
    check(utc(day, 8, 0) in starts and utc(day, 9, 30) in starts and utc(day, 10, 30) in starts,
          "free slots around the appointment", starts[:12])
    check(utc(day, 9, 45) not in starts and utc(day, 10, 0) not in starts and utc(day, 10, 15) not in starts,
          "no slot overlapping the appointment", starts[:12])
    check(utc(day, 18, 30) in starts and utc(day, 18, 45) not in starts, "slots end at closing time", starts[-4:])
    check(all(s["room_id"] == room_id for s in r.json["items"]), "slots of the requested room", r)
    r = accueil.get(f"/api/v1/appointments/slots?catalogue_id={exam_id}&from={day}&limit=1000")
    rooms = {s["room_id"] for s in r.json["items"]} if r.status == 200 else set()
    check(rooms == {room_id, room2_id}, "slots over every room equipped for the exam", r)
    r = accueil.get(f"/api/v1/appointments/slots?modality_id={modality_id}&duration_minutes=60&from={day}")
    check(r.status == 200 and r.json["duration_minutes"] == 60 and all(s["room_id"] == room_id for s in r.json["items"]),
          "slots by modality with an explicit duration", r)
    expect_error(accueil.get(f"/api/v1/appointments/slots?room_id={room_id}&from={day}"), 400, "missing_field",
                 "slot search without exam or duration")
    expect_error(accueil.get(f"/api/v1/appointments/slots?room_id={room_id}&catalogue_id={exam_id}&from=2026-02-30"),
                 400, "invalid_value", "slot search with a bad date", field="from")
    expect_error(accueil.get(f"/api/v1/appointments/slots?room_id={room_id}&catalogue_id={exam_id}"
                             "&from=2026-01-01&to=2026-03-01"), 400, "invalid_value", "slot range too long")
    expect_error(accueil.get(f"/api/v1/appointments/slots?room_id=abc&catalogue_id={exam_id}"), 400, "invalid_value",
                 "slot search with a bad room id", field="room_id")
    expect_error(accueil.get(f"/api/v1/appointments/slots?room_id=999999&catalogue_id={exam_id}"), 400,
                 "invalid_value", "slot search with a missing room", field="room_id")

    r = accueil.post(f"/api/v1/appointments/{appt_id}/start")
    expect_error(r, 409, "transition_refused", "start before arrival")
    check("arrivé" in r.error.get("message", ""), "French refusal from the domain", r)
    r = accueil.post(f"/api/v1/appointments/{appt_id}/arrive")
    check(r.status == 200 and r.json["status"] == "arrived", "arrive", r)
    expect_error(accueil.post(f"/api/v1/appointments/{appt_id}/arrive"), 409, "transition_refused", "arrive twice")
    expect_error(accueil.post(f"/api/v1/appointments/{appt_id}/arrive", csrf=False), 403, "csrf_failed",
                 "transition without CSRF")
    expect_error(manip.post(f"/api/v1/appointments/{appt_id}/cancel"), 403, "forbidden",
                 "manipulateur cannot cancel an appointment")
    r = manip.post(f"/api/v1/appointments/{appt_id}/start")
    check(r.status == 200 and r.json["status"] == "in_progress", "start by the manipulateur", r)
    r = manip.post(f"/api/v1/appointments/{appt_id}/complete")
    check(r.status == 200 and r.json["status"] == "completed", "complete", r)
    expect_error(accueil.post(f"/api/v1/appointments/{appt_id}/cancel"), 409, "transition_refused",
                 "cancel after completion")
    expect_error(accueil.post(f"/api/v1/appointments/{appt_id}/fly"), 404, "not_found", "unknown transition")
    expect_error(accueil.post("/api/v1/appointments/999999/arrive"), 404, "not_found", "transition of a missing row")
    expect_error(accueil.patch(f"/api/v1/appointments/{appt_id}", {"status": "booked"}), 422, "readonly_field",
                 "status cannot be patched", field="status")
    r = admin.get(f"/api/v1/audit?action=transition&object_type=appointments&patient_id={patient_id}")
    check(r.status == 200 and r.json["total"] >= 6, "transitions audited (allowed and refused)", r)

    r2 = accueil.post("/api/v1/appointments", dict(appt, start_at=utc(day, 11, 0), end_at=utc(day, 11, 30)))
    appt2 = r2.json["id"] if r2.status == 201 else 0
    r = accueil.post(f"/api/v1/appointments/{appt2}/cancel")
    check(r.status == 200 and r.json["status"] == "cancelled", "cancel", r)
    r = accueil.get(f"/api/v1/appointments/slots?room_id={room_id}&catalogue_id={exam_id}&from={day}&limit=1000")
    check(r.status == 200 and utc(day, 11, 0) in [s["start_at"] for s in r.json["items"]],
          "a cancelled appointment frees its slot", r)

    r = accueil.get(f"/api/v1/agenda?date={day}&days=1")
    check(r.status == 200 and len(r.json["items"]) >= 1, "agenda of the day", r)
    r = accueil.get(f"/api/v1/agenda?date={day}&room_id={room2_id}")
    check(r.status == 200 and len(r.json["items"]) == 0, "agenda filtered by room", r)
    expect_error(accueil.get(f"/api/v1/agenda?date={day}&days=8"), 400, "invalid_value", "agenda days > 7", field="days")
    expect_error(accueil.get("/api/v1/agenda?date=22/11/2026"), 400, "invalid_value", "agenda bad date", field="date")
    expect_error(accueil.get("/api/v1/agenda?when=today"), 400, "unknown_field", "agenda unknown parameter")
    expect_error(admin.get(f"/api/v1/agenda?date={day}"), 403, "forbidden", "admin has no agenda role")

    # Agenda and slots are cached (keyed by the store's write generation): a write through the API
    # shows at once, every read is still audited, and the answer keeps the API headers.
    def audit_total(q):
        r = admin.get(f"/api/v1/audit?{q}&limit=1")
        return r.json["total"] if r.status == 200 else -1
    before = audit_total("action=list&object_type=appointments")
    r1 = accueil.get(f"/api/v1/agenda?date={day}")
    r2 = accueil.get(f"/api/v1/agenda?date={day}")
    check(r1.status == 200 and r2.status == 200 and r1.json == r2.json, "agenda answered twice alike", r2)
    check_json_headers(r2, "cached agenda")
    check(r2.header("Cache-Control") == "no-store", "cached agenda: Cache-Control no-store", r2)
    check(audit_total("action=list&object_type=appointments") == before + 2, "each agenda read audited, cached or not")
    rz = accueil.get(f"/api/v1/agenda?date={day}", headers={"Accept-Encoding": "gzip"})
    check(rz.status == 200 and rz.header("Content-Encoding") == "gzip" and "Accept-Encoding" in (rz.header("Vary") or "")
          and json.loads(gzip.decompress(rz.raw)) == r1.json, "agenda gzip-compressed on request", rz)
    rz = accueil.get(f"/api/v1/agenda?date={day}", headers={"Accept-Encoding": "gzip;q=0"})
    check(rz.status == 200 and rz.header("Content-Encoding") is None and rz.json == r1.json,
          "no gzip when the client refuses it", rz)
    slots_before = accueil.get(f"/api/v1/appointments/slots?room_id={room_id}&catalogue_id={exam_id}&from={day}"
                               f"&limit=1000")
    r = accueil.post("/api/v1/appointments", dict(appt, start_at=utc(day, 11, 0), end_at=utc(day, 11, 30)))
    check(r.status == 201, "book the freed slot again", r)
    new_id = r.json.get("id") if r.status == 201 else 0
    r = accueil.get(f"/api/v1/agenda?date={day}")
    check(r.status == 200 and new_id in [a["id"] for a in r.json["items"]], "a new appointment shows in the agenda "
          "at once (cache invalidated by the write)", r)
    r = accueil.get(f"/api/v1/appointments/slots?room_id={room_id}&catalogue_id={exam_id}&from={day}&limit=1000")
    check(slots_before.status == 200 and utc(day, 11, 0) in [x["start_at"] for x in slots_before.json["items"]]
          and r.status == 200 and utc(day, 11, 0) not in [x["start_at"] for x in r.json["items"]],
          "a booked slot leaves the (cached) slot search at once", r)
    r = accueil.post(f"/api/v1/appointments/{new_id}/cancel")
    r = accueil.get(f"/api/v1/agenda?date={day}")
    check(r.status == 200 and [a["status"] for a in r.json["items"] if a["id"] == new_id] == ["cancelled"],
          "a transition shows in the agenda at once", r)

    # --- users administration ---------------------------------------------------------------------
    new_user = {"login": "secretaire2", "display_name": "Secrétaire 2", "roles": ["accueil"],
                "password": "motdepasse-2"}
    expect_error(accueil.post("/api/v1/users", new_user), 403, "forbidden", "accueil cannot create users")
    r = admin.post("/api/v1/users", new_user)
    check(r.status == 201 and r.json["roles"] == ["accueil"] and "password" not in r.json, "admin creates a user", r)
    uid = r.json.get("id") if r.json else None
    expect_error(admin.post("/api/v1/users", new_user), 409, "conflict", "duplicate login", field="login")
    expect_error(admin.post("/api/v1/users", dict(new_user, login="x y")), 422, "invalid_value", "bad login",
                 field="login")
    expect_error(admin.post("/api/v1/users", dict(new_user, login="court", password="court")), 422, "invalid_value",
                 "short password", field="password")
    expect_error(admin.post("/api/v1/users", dict(new_user, login="r2", roles=["chef"])), 422, "invalid_value",
                 "unknown role", field="roles")
    r = admin.get("/api/v1/users?login=secretaire2")
    check(r.status == 200 and r.json["total"] == 1 and "password_hash" not in r.json["items"][0],
          "list users without hashes", r)
    sec = srv.client()
    check(sec.login("secretaire2", "motdepasse-2").status == 200, "new user logs in")
    sec_other = srv.client()
    check(sec_other.login("secretaire2", "motdepasse-2").status == 200, "new user logs in elsewhere too")
    r = admin.put(f"/api/v1/users/{uid}/roles", {"roles": ["accueil", "manipulateur"]})
    check(r.status == 200 and set(r.json["roles"]) == {"accueil", "manipulateur"}, "change roles", r)
    expect_error(sec.put(f"/api/v1/users/{uid}/password", {"password": "nouveau-mdp-3"}), 422, "missing_field",
                 "own password change needs the current one", field="current_password")
    r = sec.put(f"/api/v1/users/{uid}/password", {"password": "nouveau-mdp-3", "current_password": "motdepasse-2"})
    check(r.status == 204, "own password change", r)
    expect_error(sec.put(f"/api/v1/users/{admin.user['id']}/password", {"password": "hijack-admin-1"}), 403,
                 "forbidden", "no password change for others")
    check(srv.client().login("secretaire2", "nouveau-mdp-3").status == 200, "login with the new password")
    check(sec.get("/api/v1/auth/me").status == 200, "the session that changed the password stays open")
    expect_error(sec_other.get("/api/v1/auth/me"), 401, "unauthenticated", "a password change ends the other sessions")
    sec_b = srv.client()
    check(sec_b.login("secretaire2", "nouveau-mdp-3").status == 200, "login again")
    r = admin.put(f"/api/v1/users/{uid}/password", {"password": "par-admin-4"})
    check(r.status == 204, "admin sets the password", r)
    expect_error(sec.get("/api/v1/auth/me"), 401, "unauthenticated", "an admin password reset ends every session")
    expect_error(sec_b.get("/api/v1/auth/me"), 401, "unauthenticated", "an admin password reset ends every session (2)")
    check(sec_b.login("secretaire2", "par-admin-4").status == 200, "login with the password set by the admin")
    r = admin.patch(f"/api/v1/users/{uid}", {"active": False})
    check(r.status == 200 and r.json.get("active") is False, "deactivate the account", r)
    expect_error(sec_b.get("/api/v1/auth/me"), 401, "unauthenticated", "deactivation ends the sessions")
    r = admin.patch(f"/api/v1/users/{uid}", {"active": True})
    check(r.status == 200, "reactivate the account", r)
    expect_error(sec_b.get("/api/v1/auth/me"), 401, "unauthenticated", "sessions stay ended after reactivation")
    r = admin.get("/api/v1/audit?action=password_change&object_type=users")
    mine = [e for e in r.json["items"] if e.get("object_id") == str(uid)] if r.status == 200 else []
    check(len(mine) == 2 and mine[0].get("detail") == "3 session(s) fermée(s)"
          and mine[1].get("detail") == "1 session(s) fermée(s)", "password changes audited with the sessions ended", r)

    # --- static files ----------------------------------------------------------------------------
    r = anon.get("/")
    check(r.status == 200 and b"<title>Couloir</title>" in r.raw
          and r.header("Content-Type") == "text/html; charset=utf-8", "index.html for /", r)
    for path in ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/.hidden", "/nosuch.js", "/web/../index.html"]:
        r = anon.get(path)
        check(r.status in (400, 404) and b"root:" not in r.raw, f"no traversal via {path}", r)
    expect_error(anon.post("/index.html", {}), 405, "method_not_allowed", "POST on a static path")

    # --- logout ----------------------------------------------------------------------------------
    old_cookie = accueil.cookie
    r = accueil.post("/api/v1/auth/logout")
    check(r.status == 204, "logout", r)
    check(any("Max-Age=0" in v for v in r.all("Set-Cookie")), "logout clears the cookie", r)
    accueil.cookie = old_cookie
    expect_error(accueil.get("/api/v1/auth/me"), 401, "unauthenticated", "session gone after logout")

    # --- login rate limiting (last: it blocks this client address) ------------------------------
    victim = srv.client()
    seen = None
    for i in range(MAX_ATTEMPTS + 2):
        r = victim.login("manip", f"bad-password-{i}")
        if r.status == 429:
            seen = (i, r)
            break
        check(r.status == 401, f"failed attempt {i} is 401", r)
    check(seen is not None, "429 after repeated failures")
    if seen:
        i, r = seen
        expect_error(r, 429, "rate_limited", "rate limited login")
        ra = r.header("Retry-After")
        check(ra is not None and ra.isdigit() and 1 <= int(ra) <= 300, "Retry-After header", r)
        check(i <= MAX_ATTEMPTS, "the limit applies within max_attempts failures", i)
    expect_error(victim.login("manip", PASSWORDS["manip"]), 429, "rate_limited", "even a good password is refused")
    r = admin.get("/api/v1/audit?action=login_failed&limit=1000")
    check(r.status == 200 and any(e.get("detail") == "rate_limited" for e in r.json["items"]),
          "rate-limited attempts audited", r)
    # existing sessions keep working
    check(admin.get("/api/v1/auth/me").status == 200, "existing sessions unaffected by the limiter")


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    pg = None
    store_url = None
    if mode == "pg":
        admin_url = support_pg_url()
        pg = PgDatabase(admin_url)
        store_url = pg.url
    env = {"COULOIR_HTTP_LOGIN_MAX_ATTEMPTS": str(MAX_ATTEMPTS), "COULOIR_HTTP_LOGIN_WINDOW_SECONDS": "300",
           "COULOIR_HTTP_MAX_BODY_BYTES": "4096", "COULOIR_HTTP_THREADS": "4",
           "COULOIR_SITE_TIMEZONE": "Europe/Paris", "COULOIR_SITE_OPEN_MINUTE": "480",
           "COULOIR_SITE_CLOSE_MINUTE": "1140", "COULOIR_HTTP_SLOT_STEP_MINUTES": "15"}
    try:
        with Server(store_url=store_url, tls=(mode == "tls"), extra_env=env) as srv:
            srv.migrate()
            srv.add_user("admin", "admin", PASSWORDS["admin"])
            srv.add_user("accueil", "accueil", PASSWORDS["accueil"])
            srv.add_user("manip", "manipulateur", PASSWORDS["manip"])
            srv.add_user("radio", "radiologue", PASSWORDS["radio"])
            srv.start()
            try:
                scenario(srv, tls=(mode == "tls"))
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
    print(f"api {mode}: all {checks[0]} checks passed")


def support_pg_url():
    url = os.environ.get("COULOIR_TEST_PG_URL")
    if not url:
        support.skip_or_fail("COULOIR_TEST_PG_URL is not set (PostgreSQL half of the API test)")
    return url


if __name__ == "__main__":
    main()
