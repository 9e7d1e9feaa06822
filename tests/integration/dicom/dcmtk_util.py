"""Helpers for the DICOM integration tests: tools lookup, the test server, DCMTK runs, and a
normalised view of dcmdump output so that answers from two servers can be compared."""
import os
import re
import shutil
import subprocess
import sys
import time

import support

DUMPS = "/usr/share/doc/dcmtk/examples"


def need_tools(*tools):
    for t in tools:
        if not shutil.which(t):
            support.skip_or_fail(f"{t} not installed (Debian package dcmtk)")


def server_bin():
    path = os.path.join(os.environ.get("COULOIR_BINARY_DIR", "."), "tests/integration/dicom/dicom_wlserver")
    if not os.path.exists(path):
        print(f"FAIL: {path} not built", file=sys.stderr)
        sys.exit(1)
    return path


def dump2dcm(src, dst):
    subprocess.run(["dump2dcm", "-q", src, dst], check=True)


def write_dump(path, text):
    with open(path, "w", encoding="latin-1") as f:
        f.write(text)


class Server:
    """dicom_wlserver on an ephemeral port; stops when the test ends (stdin closed)."""

    def __init__(self, wldir, *args):
        self.proc = subprocess.Popen([server_bin(), wldir, "--lifetime", "240", *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError("server did not start: " + line + self.err)
        self.port = int(line.split()[1])
        self.items = int(self.proc.stdout.readline().split()[1])

    def stop(self):
        if self.proc.returncode is not None:
            return self.proc.returncode
        if self.proc.stdin:
            self.proc.stdin.close()
            self.proc.stdin = None
        try:
            out, err = self.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
        self.out, self.err = out, err
        return self.proc.returncode


class Wlmscpfs:
    """DCMTK's reference worklist SCP over a directory of .wl files, AE title COULOIR."""

    def __init__(self, root, port):
        self.port = port
        # -csk: answer in the character set of each .wl file (not: no Specific Character Set)
        self.proc = subprocess.Popen(["wlmscpfs", "-csk", "-dfp", root, str(port)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        for _ in range(50):
            if subprocess.run(["echoscu", "-to", "2", "-aec", "COULOIR", "127.0.0.1", str(port)],
                              capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("wlmscpfs did not start")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def findscu(port, query, outdir, *extra, aec="COULOIR", aet="FINDSCU"):
    """Runs findscu -W, extracting answers into outdir; returns (returncode, log text)."""
    os.makedirs(outdir, exist_ok=True)
    r = subprocess.run(["findscu", "-W", "-to", "10", "-aet", aet, "-aec", aec, "-X", "-od", outdir, *extra,
                        "127.0.0.1", str(port), query], capture_output=True, text=True, errors="replace", timeout=60)
    return r.returncode, r.stdout + r.stderr


_LINE = re.compile(r"^(\s*)\(([0-9a-f]{4}),([0-9a-f]{4})\) (\w\w) (.*?)\s+#\s*[\d?u/l]+,")


def normalise(path):
    """dcmdump of one answer as a tuple of 'indent tag VR value' lines (lengths, padding,
    delimiters and sequence encodings removed)."""
    out = subprocess.run(["dcmdump", "+U8", path], capture_output=True, text=True, errors="replace").stdout
    lines = []
    for raw in out.splitlines():
        m = _LINE.match(raw)
        if not m:
            continue
        indent, g, e, vr, val = m.groups()
        if g == "0002" or (g == "fffe" and e in ("e00d", "e0dd")):
            continue
        if vr == "SQ":
            n = re.search(r"#=(\d+)", val)
            val = f"#={n.group(1) if n else '?'}"
        elif g == "fffe":
            n = re.search(r"#=(\d+)", val)
            val = "item"  # its element count depends on dropped empty sequences
        else:
            val = val.strip()
            if val.startswith("[") and val.endswith("]"):
                val = val[1:-1].rstrip()
        lines.append(f"{len(indent)} ({g},{e}) {vr} {val}")
    return tuple(lines)


def raw_charset(path):
    """Specific Character Set of an answer as sent (dcmdump without conversion)."""
    out = subprocess.run(["dcmdump", "+P", "0008,0005", path], capture_output=True, text=True, errors="replace").stdout
    m = re.search(r"\[(.*?)\]", out)
    return m.group(1).strip() if m else ""


def answer_files(outdir):
    return sorted(os.path.join(outdir, f) for f in os.listdir(outdir) if f.startswith("rsp")) if os.path.isdir(outdir) else []


def answers(outdir, drop_empty_sq=False):
    """Normalised answers. drop_empty_sq: remove zero-item sequences (Couloir returns a requested
    sequence absent from the item as an empty sequence, PS3.4 C.2.2.1.2; wlmscpfs omits it)."""
    files = sorted(f for f in os.listdir(outdir) if f.startswith("rsp")) if os.path.isdir(outdir) else []
    res = [normalise(os.path.join(outdir, f)) for f in files]
    if drop_empty_sq:
        res = [tuple(line for line in a if not line.endswith(" SQ #=0")) for a in res]
    return sorted(res)
