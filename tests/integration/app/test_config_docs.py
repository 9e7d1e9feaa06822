"""docs/configuration.md documents every declared setting: it must equal `couloir config --markdown`."""
import difflib
import os
import subprocess
import sys

binary = os.environ["COULOIR_BIN"]
doc = os.path.join(os.environ["COULOIR_SOURCE_DIR"], "docs", "configuration.md")
env = {k: v for k, v in os.environ.items() if not k.startswith("COULOIR_") or k in ("COULOIR_BIN",)}
generated = subprocess.run([binary, "config", "--markdown"], env=env, check=True,
                           capture_output=True, text=True).stdout
with open(doc, encoding="utf-8") as f:
    current = f.read()
if generated != current:
    sys.stdout.writelines(difflib.unified_diff(current.splitlines(True), generated.splitlines(True),
                                               "docs/configuration.md", "couloir config --markdown"))
    print("\ndocs/configuration.md is out of date: run `couloir config --markdown > docs/configuration.md`")
    sys.exit(1)
print("docs/configuration.md is up to date")
