"""Hostile files through the two doors: the web import (a message, nothing stored) and
`fenpei assign` (exit code 2, one line on stderr)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import override

from fenpei.cli import main
from fenpei.customers.import_services import import_upload
from fenpei.customers.models import Customer, ImportBatch
from fenpei.teams.access import viewer_of

from ..conftest import Company
from . import fuzz_files as f

HOSTILE: list[tuple[str, Callable[[Path], Path], str, str]] = [
    ("far-cells", f.far_cells, "b.xlsx", "超过上限 10,000,000 个单元格"),
    ("zip-bomb", f.zip_bomb, "b.xlsx", "解压后有 1.0 GiB"),
    ("ragged-csv", f.ragged_csv, "c.csv", "200,000 列，超过上限 16,384 列"),
    ("span-bomb", f.span_bomb_html, "p.xls", "超过上限 2,000,000"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make", "name", "message"), [pytest.param(m, n, s, id=i) for i, m, n, s in HOSTILE]
)
def test_the_web_import_refuses_and_stores_nothing(
    company: Company, tmp_path: Path, make: Callable[[Path], Path], name: str, message: str
) -> None:
    path = make(tmp_path / name)
    manager = viewer_of(company.manager)
    with override("zh-hans"), pytest.raises(ValidationError) as caught:
        import_upload(manager, file_name=f"客户{path.suffix}", data=path.read_bytes())
    assert caught.value.code == "unreadable"
    text = caught.value.messages[0]
    assert message in text and "\n" not in text
    assert f"客户{path.suffix}" in text or "sheet" not in text  # the upload's own name
    assert not ImportBatch.objects.exists() and not Customer.objects.exists()


@pytest.mark.parametrize(
    ("make", "name", "message"),
    [
        pytest.param(f.far_cells, "b.xlsx", "more than the 10,000,000 cells allowed", id="far"),
        pytest.param(f.zip_bomb, "b.xlsx", "unpacks to 1.0 GiB", id="zip-bomb"),
        pytest.param(f.xls_far_cells, "b.xls", "spans 65,536 rows × 256 columns", id="xls"),
    ],
)
def test_fenpei_assign_exits_2_with_one_line(
    tmp_path: Path, make: Callable[[Path], Path], name: str, message: str
) -> None:
    book = make(tmp_path / name)
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["assign", str(book), "--lang", "en", "-o", str(tmp_path / "o.json")],
        stdout=out,
        stderr=err,
    )
    assert code == 2
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 1 and message in lines[0], err.getvalue()
    assert not (tmp_path / "o.json").exists()
