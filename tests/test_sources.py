"""Checks on the engine's sources that no server test would catch early."""
import ast
import pathlib
import re

CORE = pathlib.Path(__file__).resolve().parent.parent / "rkvd" / "_core"

# reply helpers called with a C literal and its length: the two must agree,
# or the reply carries stray bytes (or loses some)
LITERAL_CALL = re.compile(r'\b(add_\w+)\(b"((?:[^"\\]|\\.)*)", (\d+)\)')


def test_literal_reply_lengths_match():
    wrong = []
    for path in sorted(CORE.glob("*.pyx")):
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            for m in LITERAL_CALL.finditer(line):
                text = ast.literal_eval('b"' + m.group(2) + '"')
                if len(text) != int(m.group(3)):
                    wrong.append(f"{path.name}:{lineno}: {m.group(1)} of {len(text)} bytes "
                                 f"given length {m.group(3)}")
    assert not wrong, "\n".join(wrong)
