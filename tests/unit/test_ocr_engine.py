"""The OCR engine refuses to start without its bundled models (it would download them at run
time otherwise), and that refusal is a permanent, named rejection of the document."""

from __future__ import annotations

import pytest
import rapidocr

from services.parser.extract import ocr
from shared.errors import MissingConverter, PermanentError


def test_an_engine_without_its_bundled_models_is_a_missing_converter(tmp_path, monkeypatch):
    (tmp_path / "models").mkdir()
    monkeypatch.setattr(rapidocr, "__file__", str(tmp_path / "__init__.py"))
    with pytest.raises(ocr.EngineMissing, match="OCR models missing") as caught:
        ocr._build(1)
    assert isinstance(caught.value, MissingConverter) and isinstance(caught.value, PermanentError)
    assert caught.value.reason == "missing_converter"
