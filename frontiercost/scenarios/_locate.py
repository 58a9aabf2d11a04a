"""Line numbers for keys of a TOML text (``tomllib`` does not report them)."""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def _key_re(key: str) -> re.Pattern[str]:
    quoted = re.escape(key)
    return re.compile(rf"^\s*(?:{quoted}|\"{quoted}\"|'{quoted}')\s*[=.]")


def locate(text: str, table: str, key: str | None = None, index: int = 0) -> int | None:
    """Line (1-based) of ``key`` inside ``[table]``, or of the table header.

    ``index`` picks the n-th ``[[table]]`` of an array of tables.  Returns
    ``None`` when not found (the caller then names the key without a line).
    """
    current, seen, header_line = None, -1, None
    pattern = _key_re(key) if key else None
    for number, line in enumerate(text.splitlines(), start=1):
        m = _HEADER.match(line)
        if m:
            current = m.group(1).replace('"', "").replace("'", "")
            if key and current == f"{table}.{key}":  # [[reference.x]]: the key is a header
                return number
            if current == table:
                seen += 1
                if seen == index:
                    header_line = number
            continue
        if current == table and seen == index and pattern and pattern.match(line):
            return number
        if current is None and not table and pattern and pattern.match(line):
            return number
    return header_line
