"""The demo report templates carry the right codes for THEIR exam, from the ANS value sets.

`couloir demo` seeds a fresh SQLite database. Then, for every exam of the demo catalogue there must
be exactly one template, tied to it, whose coded fields (what the CDA level-3 CR-IMG takes from the
template) are that exam's:
- modality, LOINC exam code, CCAM act and CCAM label equal to the catalogue's;
- exposure "optional" for the ionising modalities, "none" otherwise;
- target site: a concept of JDV_LocalisationAnatomique_CISIS (1.2.250.1.213.1.1.5.694) as shipped in
  the validation kit of ../shared (tools/cda-kit/lib/ans-cisis.zip), with the value set's display name;
- region (JDV_RegionAnatomique_CISIS, 1.2.250.1.213.1.1.5.695): that value set is not in the kit, so
  when absent its membership is left to report_template_from_json (checked against the CDA module's
  copy by tests/unit/store/test_report_template_store.c); here the region must be the one of the
  exam's DICOM body part (catalogue region_code) per REGION_OF_BODY_PART below, and, if the kit
  ever ships the value set, a concept of it.
Skips (exit 77) without ../shared."""
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import zipfile

import support

IONISING = {"CT", "CR", "DX", "MG", "NM", "PT", "XA", "RF", "IO", "PX", "BMD"}

# DICOM Body Part Examined (catalogue region_code) -> SNOMED CT region of JDV 1.2.250.1.213.1.1.5.695
REGION_OF_BODY_PART = {
    "HEAD": "774007",            # tête et cou
    "CHEST": "67734004",         # segment thoracique du tronc
    "ABDOMEN": "63337009",       # segment abdominopelvien du tronc
    "PELVIS": "63337009",
    "ABDOMENPELVIS": "63337009",
    "KIDNEY": "63337009",
    "LEG": "61685007",           # membre inférieur
    "KNEE": "61685007",
    "ARM": "53120007",           # membre supérieur
    "SHOULDER": "53120007",
    "LSPINE": "737561001",       # colonne vertébrale et/ou moelle épinière
    "BREAST": "76752008",        # sein
}


def concepts(kit, name):
    """{code: displayName} of the concepts still valid in value set `name`, or None when absent."""
    with zipfile.ZipFile(kit) as z:
        member = f"jeuxDeValeurs/{name}.xml"
        if member not in z.namelist():
            return None
        text = z.read(member).decode("utf-8")
    out = {}
    for m in re.finditer(r"<Concept\b([^>]*)/?>", text):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        if "code" in attrs and not attrs.get("dateFin"):
            out[attrs["code"]] = attrs.get("displayName", "")
    return out


def main():
    kit = os.path.join(support.shared_dir(), "tools", "cda-kit", "lib", "ans-cisis.zip")
    if not os.path.isfile(kit):
        support.skip_or_fail(f"{kit} is absent")
    binary = os.environ.get("COULOIR_BIN")
    if not binary or not os.access(binary, os.X_OK):
        support.skip_or_fail(f"couloir binary not built (COULOIR_BIN={binary})")
    sites = concepts(kit, "JDV_LocalisationAnatomique_CISIS")
    if not sites or len(sites) < 100:
        print(f"FAIL: value set not read ({len(sites or {})} target sites)", file=sys.stderr)
        sys.exit(1)
    regions = concepts(kit, "JDV_RegionAnatomique_CISIS")  # None: not in the kit (see above)
    with tempfile.TemporaryDirectory(prefix="couloir-tpl-") as d:
        env = dict(os.environ, COULOIR_STORE_URL=f"sqlite:{d}/couloir.db", COULOIR_LOG_LEVEL="warn")
        for verb in ("migrate", "demo"):
            subprocess.run([binary, verb], env=env, check=True, timeout=120, capture_output=True)
        con = sqlite3.connect(f"{d}/couloir.db")
        rows = con.execute("SELECT code, json, exam_id, active FROM report_template ORDER BY code").fetchall()
        exams = con.execute("SELECT id, ccam_code, label, loinc_code, modality_type, region_code "
                            "FROM exam_catalogue ORDER BY id").fetchall()
        con.close()
    bad = []
    if len(exams) < 20:
        bad.append(f"only {len(exams)} exams in the demo catalogue")
    by_exam = {}
    for code, _, exam_id, _ in rows:
        by_exam.setdefault(exam_id, []).append(code)
    for exam_id, ccam, *_ in exams:
        if len(by_exam.get(exam_id, [])) != 1:
            bad.append(f"exam {ccam}: {len(by_exam.get(exam_id, []))} templates, one expected")
    if None in by_exam:
        bad.append(f"generic demo templates (tied to no exam): {by_exam[None]}")
    exam_of = {e[0]: e for e in exams}
    for code, text, exam_id, active in rows:
        t = json.loads(text)
        if active != 1:
            bad.append(f"{code}: inactive")
        exam = exam_of.get(exam_id)
        if exam is None:
            bad.append(f"{code}: tied to no exam of the catalogue")
            continue
        _, ccam, label, loinc, modality, body_part = exam
        where = f"{code} (exam {ccam})"
        if t["code"] != code:
            bad.append(f"{where}: JSON code {t['code']}")
        if t["modality"] != modality:
            bad.append(f"{where}: modality {t['modality']}, exam is {modality}")
        if t["exam_code"]["code"] != loinc:
            bad.append(f"{where}: LOINC {t['exam_code']['code']}, exam is {loinc}")
        if t["ccam"]["code"] != ccam or t["ccam"]["display"] != label:
            bad.append(f"{where}: CCAM {t['ccam']}, exam is {ccam} « {label} »")
        want_exposure = "optional" if modality in IONISING else "none"
        if t["exposure"] != want_exposure:
            bad.append(f"{where}: exposure {t['exposure']}, {want_exposure} expected for {modality}")
        site = t["target_site"]
        if site["code"] not in sites:
            bad.append(f"{where}: target site {site['code']} not in JDV 1.2.250.1.213.1.1.5.694")
        elif site["display"] != sites[site["code"]]:
            bad.append(f"{where}: target site {site['code']} display « {site['display']} », "
                       f"the value set says « {sites[site['code']]} »")
        if REGION_OF_BODY_PART.get(body_part) is None:
            bad.append(f"{where}: body part {body_part} has no expected region in this test")
        elif t.get("region") != REGION_OF_BODY_PART[body_part]:
            bad.append(f"{where}: region {t.get('region')}, {REGION_OF_BODY_PART[body_part]} expected for "
                       f"body part {body_part}")
        if regions is not None and t.get("region") not in regions:
            bad.append(f"{where}: region {t.get('region')} not in JDV 1.2.250.1.213.1.1.5.695")
        technique = next((s for s in t["sections"] if s["key"] == "technique"), {})
        if not technique.get("default_text"):
            bad.append(f"{where}: no default technique text")
    for b in bad:
        print(f"FAIL: {b}", file=sys.stderr)
    if bad:
        sys.exit(1)
    print(f"demo template codes: {len(rows)} templates for {len(exams)} exams, every code the exam's and in its "
          f"value set (regions: {'kit value set' if regions is not None else 'body part mapping'})")


if __name__ == "__main__":
    main()
