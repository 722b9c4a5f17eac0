"""Legacy word-processor formats (.doc, .wps, .rtf, .odt, .ods) via LibreOffice headless.

Each conversion runs `soffice --headless --convert-to docx|xlsx` in its own temporary directory
with its own user profile (parallel conversions otherwise fight over the profile lock), under a
timeout; the result is then read by the DOCX/XLSX extractors. Without LibreOffice the document
is refused with MissingConverter naming the binary, so the operator knows what to install
(Debian: libreoffice-writer-nogui / libreoffice-calc-nogui).
Settings read: none (the timeout comes from services/parser/extract/dispatch.py Limits.convert_timeout_s).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from services.parser.document import Document
from shared.errors import MissingConverter, UnreadableDocument

CONVERTER_BINARIES = ("soffice", "libreoffice")
_TARGET = {"doc": "docx", "wps": "docx", "rtf": "docx", "odt": "docx", "ods": "xlsx"}


def find_converter() -> str | None:
    return next((p for p in map(shutil.which, CONVERTER_BINARIES) if p), None)


def convert(data: bytes, kind: str, timeout_s: float) -> bytes:
    """The document converted to DOCX (or XLSX for spreadsheets) by LibreOffice."""
    binary = find_converter()
    if binary is None:
        raise MissingConverter(
            f"{kind} documents need LibreOffice to convert them: neither `soffice` nor `libreoffice` "
            "is on PATH (Debian: apt-get install libreoffice-writer-nogui)"
        )
    target = _TARGET[kind]
    with tempfile.TemporaryDirectory(prefix="nianbao-soffice-") as tmp:
        tmpdir = Path(tmp)
        src = tmpdir / f"input.{kind}"
        src.write_bytes(data)
        out_dir = tmpdir / "out"
        out_dir.mkdir()
        cmd = [
            binary,
            f"-env:UserInstallation={(tmpdir / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            target,
            "--outdir",
            str(out_dir),
            str(src),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)  # noqa: S603
        except subprocess.TimeoutExpired as e:
            raise UnreadableDocument(
                f"LibreOffice did not convert the {kind} document within {timeout_s:.0f} s"
            ) from e
        result = out_dir / f"input.{target}"
        if proc.returncode != 0 or not result.exists():
            detail = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip()[-300:]
            raise UnreadableDocument(
                f"LibreOffice could not convert the {kind} document (exit {proc.returncode}): {detail or 'no output'}"
            )
        return result.read_bytes()


def extract_legacy(data: bytes, kind: str, limits) -> Document:
    converted = convert(data, kind, limits.convert_timeout_s)
    if _TARGET[kind] == "xlsx":
        from services.parser.extract.sheets import extract_sheets

        doc = extract_sheets(converted, "xlsx", limits)
    else:
        from services.parser.extract.docx import extract_docx

        doc = extract_docx(converted, limits)
    doc.kind = kind
    doc.notes.append(f"converted from {kind} with LibreOffice")
    return doc
