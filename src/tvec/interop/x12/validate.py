"""Validation of an X12 file by pyx12 (its 005010X222A1 map and code lists): the errors it finds.

The only module that imports pyx12. An empty list means pyx12 accepted the file with no error.
"""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pyx12.params
import pyx12.x12n_document


def x12_errors(x12_text: str) -> list[str]:
    """pyx12's errors for the interchange (segment, element and code); [] when it is valid."""
    param = pyx12.params.params()
    out_json, out_999 = io.StringIO(), io.StringIO()
    logging.getLogger("pyx12").setLevel(logging.CRITICAL)  # it logs each error too; we return them
    ok = pyx12.x12n_document.x12n_document(
        param=param,
        src_file=io.StringIO(x12_text),
        fd_997=out_999,
        fd_html=None,
        fd_json=out_json,
    )
    errors = _from_json(out_json.getvalue())
    if not ok and not errors:
        errors = ["pyx12 refused the file"]
    return errors


def _from_json(text: str) -> list[str]:
    if not text.strip():
        return []
    found: list[str] = []
    data: Any = json.loads(text)
    _collect(data, found)
    return found


def _collect(node: Any, found: list[str], where: str = "") -> None:
    if isinstance(node, dict):
        if "err_cde" in node:
            found.append(f"{where} {node['err_cde']}: {node.get('err_str', '')}".strip())
        here = " ".join(str(node[k]) for k in ("seg_id", "cur_line") if k in node) or where
        for value in node.values():
            _collect(value, found, here)
    elif isinstance(node, list):
        for value in node:
            _collect(value, found, where)
