"""Deterministic scheduled-procedure-step generator for the worklist benchmark and
differential tests, and a minimal DICOM Part 10 writer (explicit VR little endian) for the
.wl files read by DCMTK's wlmscpfs and Orthanc's ModalityWorklists plugin."""
import random
import struct

GIVEN = ["Jean", "Marie", "Élodie", "François", "Zoé", "Jérôme", "Anaïs", "Loïc", "Hélène", "Noël",
         "Camille", "Louis", "Chloé", "Léa", "Hugo", "Inès", "Théo", "Manon", "Gaëlle", "Benoît"]
FAMILY = ["MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND", "LEROY",
          "MOREAU", "SIMON", "LAURENT", "LEFÈVRE", "MICHEL", "GARCIA", "DAVID", "BERTRAND", "ROUX",
          "VINCENT", "FOURNIER", "MOREL", "GIRARD", "ANDRÉ", "MERCIER", "DUPONT", "LAMBERT", "BONNET",
          "FRANÇOIS", "MARTINEZ", "LEGRAND", "GARNIER", "FAURE", "ROUSSEAU", "BLANC", "GUÉRIN", "MULLER",
          "HENRY", "ROUSSEL", "NICOLAS", "PERRIN", "MORIN", "MATHIEU", "CLÉMENT", "GAUTHIER", "DUMONT",
          "LOPEZ", "FONTAINE", "CHEVALIER", "ROBIN", "MASSON"]
STATIONS = [("CT", "COULOIR_CT1", "Scanner du thorax"), ("MR", "COULOIR_MR1", "IRM du genou"),
            ("DX", "COULOIR_DX1", "Radiographie du thorax"), ("US", "COULOIR_US1", "Échographie abdominale"),
            ("MG", "COULOIR_MG1", "Mammographie bilatérale")]
ROOT = "1.2.250.1.999.1.9"


def steps(n, seed=42, first_day=20260101, days=30):
    """Yields n steps as dicts with DICOM-ready string values."""
    rnd = random.Random(seed)
    y, m, d = first_day // 10000, first_day // 100 % 100, first_day % 100
    for i in range(n):
        modality, aet, desc = STATIONS[i % len(STATIONS)]
        day = d + rnd.randrange(days)
        mm, dd = m + (day - 1) // 28, (day - 1) % 28 + 1
        yield {
            "patient_name": f"{rnd.choice(FAMILY)}^{rnd.choice(GIVEN)}",
            "patient_id": f"IPP{i:08d}",
            "birth_date": f"{rnd.randrange(1930, 2020)}{rnd.randrange(1, 13):02d}{rnd.randrange(1, 29):02d}",
            "sex": rnd.choice("MF"),
            "accession": f"ACC{i:08d}",
            "study_uid": f"{ROOT}.{i + 1}",
            "requested_procedure_id": f"RP{i:08d}",
            "requested_procedure_description": desc,
            "referring": "DUPONT^Alain",
            "modality": modality,
            "station_aet": aet,
            "sps_date": f"{y:04d}{mm:02d}{dd:02d}",
            "sps_time": f"{rnd.randrange(8, 19):02d}{rnd.choice((0, 15, 30, 45)):02d}00",
            "sps_id": f"SPS{i:08d}",
            "sps_description": desc,
            "performing": "",
        }


def _pad(value, vr):
    b = value.encode("utf-8") if isinstance(value, str) else value
    if len(b) % 2:
        b += b"\0" if vr in ("UI", "OB") else b" "
    return b


def _elem(group, elem, vr, value):
    v = _pad(value, vr)
    if vr in ("OB", "SQ", "UN", "UT", "OW"):
        return struct.pack("<HH2sHI", group, elem, vr.encode(), 0, len(v)) + v
    return struct.pack("<HH2sH", group, elem, vr.encode(), len(v)) + v


def _seq(group, elem, items):
    body = b""
    for item in items:
        body += struct.pack("<HHI", 0xFFFE, 0xE000, len(item)) + item
    return struct.pack("<HH2sHI", group, elem, b"SQ", 0, len(body)) + body


def dataset(s):
    """The worklist item of one step, explicit VR LE, tags in ascending order."""
    sps = b"".join([
        _elem(0x0008, 0x0060, "CS", s["modality"]),
        _elem(0x0040, 0x0001, "AE", s["station_aet"]),
        _elem(0x0040, 0x0002, "DA", s["sps_date"]),
        _elem(0x0040, 0x0003, "TM", s["sps_time"]),
        _elem(0x0040, 0x0006, "PN", s["performing"]),
        _elem(0x0040, 0x0007, "LO", s["sps_description"]),
        _elem(0x0040, 0x0009, "SH", s["sps_id"]),
    ])
    return b"".join([
        _elem(0x0008, 0x0005, "CS", "ISO_IR 192"),
        _elem(0x0008, 0x0050, "SH", s["accession"]),
        _elem(0x0008, 0x0090, "PN", s["referring"]),
        _elem(0x0010, 0x0010, "PN", s["patient_name"]),
        _elem(0x0010, 0x0020, "LO", s["patient_id"]),
        _elem(0x0010, 0x0030, "DA", s["birth_date"]),
        _elem(0x0010, 0x0040, "CS", s["sex"]),
        _elem(0x0020, 0x000D, "UI", s["study_uid"]),
        _elem(0x0032, 0x1060, "LO", s["requested_procedure_description"]),
        _seq(0x0040, 0x0100, [sps]),
        _elem(0x0040, 0x1001, "SH", s["requested_procedure_id"]),
    ])


def part10(s):
    """A complete Part 10 file for one step."""
    sop_uid = s["study_uid"] + ".1"
    meta = b"".join([
        _elem(0x0002, 0x0001, "OB", b"\0\1"),
        _elem(0x0002, 0x0002, "UI", "1.2.276.0.7230010.3.1.0.1"),
        _elem(0x0002, 0x0003, "UI", sop_uid),
        _elem(0x0002, 0x0010, "UI", "1.2.840.10008.1.2.1"),
        _elem(0x0002, 0x0012, "UI", "1.2.250.1.999.1.9.0"),
    ])
    header = _elem(0x0002, 0x0000, "UL", struct.pack("<I", len(meta)))
    return b"\0" * 128 + b"DICM" + header + meta + dataset(s)
