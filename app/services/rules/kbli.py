"""KBLI 2020 (Peraturan BPS No. 2 Tahun 2020): codes, titles, parents, synonyms and search.

The list ships with the package (`app/data/kbli_2020.csv`: code, level, title, all 2,705 rows
from the 21 categories down to the 1,790 five-digit `kelompok` codes) together with a table of
everyday words (`app/data/kbli_synonyms.csv`: word, lang, kbli). Both are read once per process.

Search matches whole words or word prefixes (so `housing` does not find `warehousing`), with
typo tolerance from rapidfuzz on words of three letters or more that start with the same letter.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from rapidfuzz import fuzz, process

LEVELS = ("kategori", "golongan_pokok", "golongan", "subgolongan", "kelompok")
# rapidfuzz ratio: `pengilingan`/`penggilingan` 96, `pdi`/`padi` 86, `housing`/`warehousing` 78
FUZZY_CUTOFF = 80.0
_WORD = re.compile(r"[0-9a-z]+")
# Scores of a query token against one code: the whole word, a prefix, a synonym, a typo.
EXACT, PREFIX, SYNONYM = 100.0, 90.0, 95.0


def words(text: str | None) -> list[str]:
    """Return the lower-case words (letters and digits) of a text."""
    return _WORD.findall((text or "").lower())


@dataclass(frozen=True)
class KbliEntry:
    """One row of KBLI 2020: a category letter or a 2- to 5-digit code with its title."""

    code: str
    level: str
    title: str
    category: str


@dataclass
class KbliList:
    """The whole KBLI 2020 with its synonyms, indexed for lookups and search."""

    entries: dict[str, KbliEntry]
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.five = sorted(c for c, e in self.entries.items() if e.level == "kelompok")
        self._words: dict[str, set[str]] = {c: set(words(self.entries[c].title)) for c in self.five}
        self._index: dict[str, set[str]] = defaultdict(set)
        for code, ws in self._words.items():
            for w in ws:
                self._index[w].add(code)

    def title(self, code: str) -> str | None:
        """Return the title of a code of any level, or None when KBLI 2020 has no such code."""
        entry = self.entries.get(code)
        return entry.title if entry else None

    def is_five_digit(self, code: str) -> bool:
        """Return True when `code` is one of the 1,790 five-digit (kelompok) codes."""
        entry = self.entries.get(code)
        return entry is not None and entry.level == "kelompok"

    def parents(self, code: str) -> list[KbliEntry]:
        """Return the category, golongan pokok, golongan and subgolongan above a code."""
        entry = self.entries.get(code)
        if entry is None:
            return []
        out = [self.entries[entry.category]] if entry.category != code else []
        out += [self.entries[code[:n]] for n in range(2, len(code)) if code[:n] in self.entries]
        return out

    def category(self, code: str) -> KbliEntry | None:
        """Return the category (A-U) a code belongs to, or None for an unknown code."""
        entry = self.entries.get(code)
        return self.entries[entry.category] if entry else None

    def under(self, code: str) -> list[str]:
        """Return the five-digit codes at or under a code of any level (a letter: its category)."""
        entry = self.entries.get(code)
        if entry is None:
            return []
        if entry.level == "kategori":
            return [c for c in self.five if self.entries[c].category == code]
        return [c for c in self.five if c.startswith(code)]

    def closest(self, text: str, n: int = 5) -> list[str]:
        """Return the five-digit codes nearest to `text`: by shared prefix and value, or title."""
        digits = "".join(ch for ch in text if ch.isdigit())[:5]
        if not digits:
            return [code for code, _ in self.search(text, limit=n)]
        value = int(digits.ljust(5, "0"))

        def key(known: str) -> tuple[int, int]:
            shared = 0
            for a, b in zip(known, digits, strict=False):
                if a != b:
                    break
                shared += 1
            return (-shared, abs(int(known) - value))

        return sorted(self.five, key=key)[:n]

    def search(
        self,
        q: str,
        extra: Mapping[str, str] | None = None,
        limit: int | None = None,
    ) -> list[tuple[str, float]]:
        """Return (five-digit code, score) matching every word of `q`, best first.

        A token of digits matches codes it starts; a word matches title words it equals or
        starts, close spellings of them (rapidfuzz), and synonyms. `extra` adds text per code
        (a region's activity names, in both languages) to match against.
        """
        tokens = words(q)
        if not tokens:
            return []
        extra_words = {c: set(words(t)) for c, t in (extra or {}).items() if c in self._words}
        index: dict[str, set[str]] = defaultdict(set)
        for code, ws in extra_words.items():
            for w in ws:
                index[w].add(code)
        total: dict[str, float] | None = None
        for part in self._phrases(tokens):
            scores = self._match(part, index)
            if total is None:
                total = scores
            else:
                total = {c: total[c] + s for c, s in scores.items() if c in total}
            if not total:
                return []
        ranked = sorted((total or {}).items(), key=lambda cs: (-cs[1], cs[0]))
        return ranked[:limit] if limit is not None else ranked

    def _phrases(self, tokens: list[str]) -> list[str]:
        """Split tokens into parts, joining the longest runs that are a synonym phrase."""
        out, i = [], 0
        while i < len(tokens):
            for j in range(len(tokens), i + 1, -1):
                phrase = " ".join(tokens[i:j])
                if phrase in self.synonyms:
                    out.append(phrase)
                    i = j
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out

    def _match(self, part: str, extra_index: Mapping[str, set[str]]) -> dict[str, float]:
        """Return the codes one token (or synonym phrase) matches, with its score for each."""
        scores: dict[str, float] = {}

        def add(codes: Iterable[str], score: float) -> None:
            for c in codes:
                if score > scores.get(c, 0.0):
                    scores[c] = score

        if part.isdigit():
            add((c for c in self.five if c.startswith(part)), EXACT)
            return scores
        if " " in part:  # a synonym phrase
            self._add_synonym(add, part, SYNONYM)
            return scores
        vocab = self._index.keys() | extra_index.keys()
        for word in vocab:
            if word == part:
                score = EXACT
            elif word.startswith(part):
                score = PREFIX
            else:
                continue
            add(self._index.get(word, ()), score)
            add(extra_index.get(word, ()), score)
        if len(part) >= 3:
            candidates = [w for w in vocab if w[0] == part[0] and not w.startswith(part)]
            for word, score, _ in process.extract(
                part, candidates, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=None
            ):
                add(self._index.get(word, ()), score * 0.9)
                add(extra_index.get(word, ()), score * 0.9)
        for key in self.synonyms:
            if " " in key:
                continue
            if key == part:
                self._add_synonym(add, key, SYNONYM)
            elif len(part) >= 3 and key.startswith(part):
                self._add_synonym(add, key, PREFIX * 0.95)
            elif len(part) >= 3 and key[0] == part[0]:
                ratio = fuzz.ratio(part, key)
                if ratio >= FUZZY_CUTOFF:
                    self._add_synonym(add, key, ratio * 0.9)
        return scores

    def _add_synonym(
        self, add: Callable[[Iterable[str], float], None], key: str, score: float
    ) -> None:
        # A code the table names itself ranks above the codes under a broader one it names.
        for code in self.synonyms.get(key, ()):
            add(self.under(code), score if len(code) == 5 else score - 2)


def _data(name: str) -> str:
    return resources.files("app").joinpath("data", name).read_text(encoding="utf-8")


def read_entries(text: str) -> dict[str, KbliEntry]:
    """Return the entries of a KBLI CSV (code, level, title) in file order, with categories.

    The file lists each category before the codes under it, so a code's category is the last
    letter read above it.
    """
    entries: dict[str, KbliEntry] = {}
    category = ""
    for row in csv.DictReader(text.splitlines()):
        code, level = row["code"].strip(), row["level"].strip()
        if level not in LEVELS:
            raise ValueError(f"KBLI {code}: unknown level {level!r}")
        if code in entries:
            raise ValueError(f"KBLI {code} is listed twice")
        if level == "kategori":
            category = code
        entries[code] = KbliEntry(code, level, row["title"].strip(), category)
    return entries


def read_synonyms(text: str, entries: Mapping[str, KbliEntry]) -> dict[str, tuple[str, ...]]:
    """Return {normalised word or phrase: KBLI codes} from a CSV (word, lang, kbli `;`-separated).

    Codes may be of any level (a category letter, a golongan ...); a code not in KBLI 2020 is an
    error, so the table cannot drift from the list.
    """
    out: dict[str, list[str]] = defaultdict(list)
    for n, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        key = " ".join(words(row["word"]))
        codes = [c.strip() for c in row["kbli"].split(";") if c.strip()]
        unknown = [c for c in codes if c not in entries]
        if not key or not codes or unknown:
            raise ValueError(f"synonyms line {n}: {row['word']!r} -> {unknown or 'no codes'}")
        out[key] += [c for c in codes if c not in out[key]]
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def kbli_2020() -> KbliList:
    """Return the shipped KBLI 2020 list with its synonyms (read once per process)."""
    entries = read_entries(_data("kbli_2020.csv"))
    return KbliList(entries, read_synonyms(_data("kbli_synonyms.csv"), entries))
