"""The shipped KBLI 2020 list, its synonyms table and the word search (no database)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from app.services.rules.kbli import (
    kbli_2020,
    read_english,
    read_entries,
    read_synonyms,
    sentence_case,
)
from tests.conftest import shared_file

DATA = Path(__file__).resolve().parents[2] / "app" / "data"

# Hand-checked against ../shared/data/kbli/kbli_2020.csv (Peraturan BPS No. 2 Tahun 2020).
KNOWN = {
    "10631": "INDUSTRI PENGGILINGAN PADI DAN PENYOSOHAN BERAS",
    "01111": "PERTANIAN JAGUNG",
    "47301": "PERDAGANGAN ECERAN BAHAN BAKAR MINYAK, BAHAN BAKAR GAS (BBG), DAN LIQUEFIED "
    "PETROLEUM GAS (LPG) DI SARANA PENGISIAN BAHAN BAKAR TRANSPORTASI DARAT, LAUT, DAN UDARA",
    "56303": "RUMAH MINUM/KAFE",
    "52101": "PERGUDANGAN DAN PENYIMPANAN",
    "C": "INDUSTRI PENGOLAHAN",
    "4730": "PERDAGANGAN ECERAN KHUSUS BAHAN BAKAR KENDARAAN BERMOTOR",
}


@pytest.mark.real_data
def test_shipped_list_matches_the_shared_annex() -> None:
    source = shared_file("kbli", "kbli_2020.csv")
    with source.open(encoding="utf-8", newline="") as f:
        theirs = list(csv.DictReader(f))
    with (DATA / "kbli_2020.csv").open(encoding="utf-8", newline="") as f:
        ours = list(csv.DictReader(f))
    assert len(theirs) == len(ours) == 2705
    assert list(ours[0]) == ["code", "level", "title"]  # no `uraian`
    five = {r["kode"]: r["judul"].strip() for r in theirs if r["tingkat"] == "kelompok"}
    assert len(five) == 1790
    assert {r["code"]: r["title"] for r in ours if r["level"] == "kelompok"} == five
    # The one correction (see app/data/README.md): the golongan 842 listed as a second 8421.
    fixed = [
        (a["kode"], b["code"]) for a, b in zip(theirs, ours, strict=True) if a["kode"] != b["code"]
    ]
    assert fixed == [("8421", "842")]


def test_counts_titles_and_parents() -> None:
    kbli = kbli_2020()
    assert kbli is kbli_2020()  # read once per process
    levels = Counter(e.level for e in kbli.entries.values())
    assert levels == {
        "kategori": 21,
        "golongan_pokok": 88,
        "golongan": 239,
        "subgolongan": 567,
        "kelompok": 1790,
    }
    assert len(kbli.five) == 1790 and all(len(c) == 5 and c.isdigit() for c in kbli.five)
    for code, title in KNOWN.items():
        assert kbli.title(code) == title
    assert kbli.title("47300") is None and not kbli.is_five_digit("47300")
    assert [p.code for p in kbli.parents("10631")] == ["C", "10", "106", "1063"]
    assert kbli.category("01111").title == "PERTANIAN, KEHUTANAN DAN PERIKANAN"  # type: ignore[union-attr]
    assert kbli.category("47301").code == "G"  # type: ignore[union-attr]
    assert kbli.under("4730") == ["47301", "47302", "47303"]
    assert kbli.under("T") == ["97000", "98100", "98200"] and kbli.under("nope") == []


def test_every_synonym_code_is_in_kbli_2020() -> None:
    entries = kbli_2020().entries
    with (DATA / "kbli_synonyms.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["lang"] for r in rows} == {"id", "en"}
    missing = [(r["word"], c) for r in rows for c in r["kbli"].split(";") if c not in entries]
    assert missing == []
    with pytest.raises(ValueError, match="'bensin'"):
        read_synonyms("word,lang,kbli\nbensin,id,47300\n", entries)
    with pytest.raises(ValueError, match="listed twice"):
        read_entries("code,level,title\nA,kategori,X\nA,kategori,Y\n")


def codes(q: str, limit: int | None = None) -> list[str]:
    return [h.code for h in kbli_2020().search(q, limit=limit)]


def test_search_by_code_prefix() -> None:
    assert codes("10631") == ["10631"]
    assert codes("1063") == ["10631", "10632", "10633", "10634", "10635", "10636"]
    assert codes("47300") == []


def test_search_by_words_with_typos() -> None:
    assert codes("penggilingan padi") == ["10631"]
    assert codes("pengilingan pdi") == ["10631"]  # two typos
    assert codes("PENGGILINGAN, padi!") == ["10631"]  # case and punctuation
    assert "10631" in codes("penggil")  # a prefix of a word


def test_housing_is_not_warehousing() -> None:
    housing = codes("housing")
    assert {"41011", "68111"} <= set(housing)
    assert not [c for c in housing if c.startswith("521")]
    assert "52103" in codes("warehousing")  # AKTIVITAS BOUNDED WAREHOUSING


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("SPBU", "47301"),
        ("gas station", "47301"),
        ("pom bensin", "47301"),
        ("kafe", "56303"),
        ("cafe", "56303"),
        ("warung", "56102"),
        ("toko", "47111"),
        ("shop", "47111"),
        ("gudang", "52101"),
        ("warehouse", "52101"),
        ("warehose", "52101"),  # a typo in a synonym
        ("bengkel", "45201"),
        ("pabrik", "10631"),
        ("factory", "10631"),
        ("laundry", "96200"),
        ("rice mill", "10631"),
    ],
)
def test_synonyms_in_both_languages(q: str, expected: str) -> None:
    assert expected in codes(q)


def test_direct_synonyms_rank_first() -> None:
    assert codes("bengkel", 2) == ["45201", "45407"]  # not the machine repair of golongan 33
    assert codes("spbu", 1) == ["47301"]
    assert codes("toko bangunan") == ["47528"]  # a synonym and a title word together


def test_closest_codes() -> None:
    kbli = kbli_2020()
    assert kbli.closest("47300", 3) == ["47301", "47302", "47303"]
    assert kbli.closest("1061", 1) == ["10611"]
    assert "10631" in kbli.closest("penggilingan padi")


def test_each_hit_says_how_it_matched() -> None:
    kbli = kbli_2020()
    assert {h.match for h in kbli.search("1063")} == {"code"}
    assert kbli.search("penggilingan padi")[0].match == "word"
    assert kbli.search("penggil")[0].match == "prefix"  # a word of the title starts with it
    assert kbli.search("pengilingan pdi")[0].match == "fuzzy"  # the weakest word decides
    mixed = kbli.search("padi")  # PADI in titles, then words starting with padi, then typos
    order = [("code", "word", "prefix", "fuzzy").index(h.match) for h in mixed]
    assert order == sorted(order) and order[0] == 1


def test_nothing_found_gives_marked_suggestions() -> None:
    kbli = kbli_2020()
    with (DATA / "kbli_2020.csv").open(encoding="utf-8", newline="") as f:
        five = sorted(r["code"] for r in csv.DictReader(f) if r["level"] == "kelompok")
    # No five-digit code starts with 99 (subgolongan 9900 has none): the codes nearest to 99999
    # by value are the largest ones, all of category T.
    assert not [c for c in five if c.startswith("99")]
    assert kbli.search("99999") == []
    near = kbli.suggest("99999", limit=3)
    assert [h.code for h in near] == five[-1:-4:-1] and {h.match for h in near} == {"suggestion"}
    assert kbli.search("asdfgh") == []
    words_near = kbli.suggest("asdfgh")
    assert 1 <= len(words_near) <= 5 and {h.match for h in words_near} == {"suggestion"}
    assert kbli.suggest("") == [] and kbli.suggest("!!!") == []
    # A typo with a wrong first letter is no match, but the word it misspells is suggested.
    assert kbli.search("xpbu") == [] and kbli.suggest("xpbu")[0].code == "47301"


def test_sentence_case_and_english_titles() -> None:
    kbli = kbli_2020()
    assert sentence_case("HOTEL BINTANG") == "Hotel bintang"
    assert sentence_case("PERDAGANGAN ECERAN BAHAN BAKAR GAS (BBG) DAN LPG") == (
        "Perdagangan eceran bahan bakar gas (BBG) dan LPG"
    )
    assert sentence_case("AKTIVITAS PEMAKAMAN DAN KEGIATAN YBDI") == (
        "Aktivitas pemakaman dan kegiatan YBDI"
    )
    assert sentence_case("PENGELOLAAN LIMBAH B3") == "Pengelolaan limbah B3"
    assert kbli.title_en("55110") == "Hotel bintang" and kbli.title_en("47300") is None
    # The 21 categories follow the ISIC Rev. 4 sections (UN, Statistical Papers M/4/Rev.4).
    with (DATA / "kbli_categories_en.csv").open(encoding="utf-8", newline="") as f:
        english = {r["code"]: r["title_en"] for r in csv.DictReader(f)}
    assert sorted(english) == sorted(c for c, e in kbli.entries.items() if e.level == "kategori")
    assert english["C"] == "Manufacturing" and english["I"] == (
        "Accommodation and food service activities"
    )
    assert all(kbli.title_en(c) == t for c, t in english.items())
    with pytest.raises(ValueError, match="'Z'"):
        read_english("code,title_en\nZ,Nothing\n", kbli.entries)
