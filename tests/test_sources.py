"""Checks on the engine's sources that no server test would catch early."""
import pathlib
import re

CORE = pathlib.Path(__file__).resolve().parent.parent / "rkvd" / "_core"

# A reply written from a C literal and a length counted by hand: the two
# drift apart and the reply carries stray bytes (or loses some). Canned
# replies go through add_canned / add_error_bytes, which take the literal.
LITERAL_CALL = re.compile(r'\b(add_\w+)\(b"((?:[^"\\]|\\.)*)", (\d+)\)')


def test_no_reply_literal_with_a_counted_length():
    found = []
    for path in sorted(CORE.rglob("*.pyx")):
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            for m in LITERAL_CALL.finditer(line):
                found.append(f"{path.relative_to(CORE)}:{lineno}: {m.group(0)}")
    assert not found, "use add_canned(b\"...\") or add_error_bytes(b\"...\"):\n" + "\n".join(found)
