"""Messages exist wholly in each language: the spreadsheet readers and the API's errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.errors import RulesError
from app.services.ppid.read import DECREE_DATE
from app.services.projects.values import LONGITUDE
from app.services.rules.matrix import read_legend, read_matrix
from app.services.sheets import BadValue, number, parse_date

# English words that have no business in an Indonesian sentence of ours
ENGLISH = re.compile(r"\b(the|is|not|must|should|no|has|have|with|found|date|number|layer)\b")


@pytest.mark.parametrize(
    "raw, en, id_",
    [
        ("31/02/2025", "decree date '31/02/2025' is not a date",
         "tanggal SK '31/02/2025' bukan tanggal yang ada"),
        ("kemarin", "decree date 'kemarin' is not a date (dd/mm/yyyy or yyyy-mm-dd)",
         "tanggal SK 'kemarin' bukan tanggal (hh/bb/tttt atau tttt-bb-hh)"),
    ],
)  # fmt: skip
def test_ppid_dates(raw: str, en: str, id_: str) -> None:
    with pytest.raises(BadValue) as caught:
        parse_date(raw, DECREE_DATE)
    assert (caught.value.en, caught.value.id) == (en, id_)


def test_project_coordinates() -> None:
    with pytest.raises(BadValue) as caught:
        number("109,7x", LONGITUDE)
    assert caught.value.en == "longitude '109,7x' is not a number"
    assert caught.value.id == "bujur '109,7x' bukan angka"


def test_matrix_messages(tmp_path: Path) -> None:
    with pytest.raises(RulesError) as caught:
        read_legend(tmp_path / "legenda.csv")
    assert caught.value.message_id == f"Legenda {tmp_path / 'legenda.csv'} tidak ditemukan"
    (tmp_path / "m.csv").write_text("Kegiatan,R-1\nrumah,I\n", encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        read_matrix(tmp_path / "m.csv", {"R-1": "R-1"})
    assert caught.value.message_id.startswith("Matriks m.csv: tidak ada kolom KBLI (kolom kode")
    assert not ENGLISH.search(caught.value.message_id)


def test_api_errors_say_it_in_indonesian(client: TestClient) -> None:
    bodies = [
        client.get("/layers/tidak_ada").json(),
        client.get("/layers/tidak_ada/versions").json(),
        client.get("/zoning/at", params={"lon": 109.8, "lat": -6.95, "kbli": "123"}).json(),
        client.get("/zoning/at", params={"lon": 109.8, "lat": -6.95, "as_of": "kemarin"}).json(),
        client.get("/admin/33.25.xx").json(),
    ]
    assert bodies[0]["message"]["id"] == "Tidak ada lapisan bernama 'tidak_ada'"
    assert bodies[2]["message"]["id"] == (
        "Permintaan tidak valid: kbli: kode KBLI 2020 terdiri atas lima angka, mis. 10631"
    )
    for body in bodies:
        assert not ENGLISH.search(body["message"]["id"]), body["message"]
