"""Helpers shared by Python-driven tests (integration tests against real peers)."""
import os
import socket
import sys

SKIP_CODE = 77  # ctest SKIP_RETURN_CODE


def in_ci():
    return os.environ.get("CI") == "true"


def skip_or_fail(why):
    """Skip the test (exit 77), or fail it under CI=true where nothing may be skipped."""
    if in_ci():
        print(f"FAIL (CI=true, cannot skip): {why}", file=sys.stderr)
        sys.exit(1)
    print(f"SKIP: {why}", file=sys.stderr)
    sys.exit(SKIP_CODE)


def shared_dir():
    path = os.environ.get("COULOIR_SHARED_DIR") or os.path.join(
        os.environ.get("COULOIR_SOURCE_DIR", "."), "..", "shared")
    if not os.path.isdir(path):
        skip_or_fail("../shared (reference material) is absent; set COULOIR_SHARED_DIR")
    return os.path.abspath(path)


def free_port():
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
