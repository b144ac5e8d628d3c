"""KBLI 2020 (Peraturan BPS No. 2 Tahun 2020): codes, titles, parents, synonyms and search.

The list ships with the package (`app/data/kbli_2020.csv`: code, level, title, all 2,705 rows
from the 21 categories down to the 1,790 five-digit `kelompok` codes) together with a table of
everyday words (`app/data/kbli_synonyms.csv`: word, lang, kbli) and the English names of the 21
categories (`app/data/kbli_categories_en.csv`, the ISIC Rev. 4 sections). All are read once per
process.

Search matches whole words or word prefixes (so `housing` does not find `warehousing`), with
typo tolerance from rapidfuzz on words of three letters or more that start with the same letter.
Each hit says how it matched (`code`, `word`, `prefix`, `fuzzy`); when nothing matches,
`suggest` gives the nearest codes (by number, or by the closest words) marked `suggestion`.
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
# Suggestions (nothing matched) take the nearest words down to this ratio.
SUGGEST_CUTOFF = 50.0
_WORD = re.compile(r"[0-9a-z]+")
# How a hit matched, strongest first; a code's match is the weakest of its query words'.
MATCHES = ("code", "word", "prefix", "fuzzy")
CODE, WORD, PREFIX_MATCH, FUZZY = range(4)
SUGGESTION = "suggestion"  # nothing matched: one of the nearest codes
# Scores of a query token against one code: the whole word, a prefix, a synonym, a typo.
EXACT, PREFIX, SYNONYM = 100.0, 90.0, 95.0
# A code under a broad synonym (`factory` -> category C) scores BROAD; more when its KBLI title
# says a word of the same synonym group (`industri`), more again when the region's name for it
# does (`Industri alas kaki`), most when that name is in the query's language (`Footwear
# manufacturing` for `factory`).
BROAD, BROAD_TITLE, BROAD_NAME, BROAD_NAME_SAME_LANG = 93.0, 93.5, 94.0, 94.5
# Words kept in capitals when a title is put in sentence case (besides words without vowels,
# such as LPG or OJK, and words with digits, such as B3 or P2P).
ACRONYMS = frozenset(
    {
        *("AKAP", "AKDP", "APERD", "ASPM", "EAD", "EBUS", "EMKA", "EMKL", "EMPU", "IOT", "IPTV"),
        *("ITKP", "LPHE", "MICE", "NAP", "NAPZA", "NORM", "PED", "PIP", "PPE", "SPBU", "USP"),
        *("USPPS", "YBDI", "YTDL"),
    }
)
_VOWELS = re.compile(r"[AEIOUY]")

# Text a rule set adds to codes, by language: {"10631": {"id": "Penggilingan padi", "en": ...}};
# other keys (a sector) are searched too but are not names.
Extra = Mapping[str, Mapping[str, str]]
NAME_LANGS = ("id", "en")


def words(text: str | None) -> list[str]:
    """Return the lower-case words (letters and digits) of a text."""
    return _WORD.findall((text or "").lower())


def sentence_case(title: str) -> str:
    """Return a KBLI title in sentence case with acronyms kept: HOTEL BINTANG -> Hotel bintang."""

    def word(m: re.Match[str]) -> str:
        w = m.group(0)
        upper = w.upper()
        has_digit = any(ch.isdigit() for ch in w)
        if upper in ACRONYMS or (len(w) > 1 and (has_digit or not _VOWELS.search(upper))):
            return upper
        return w.lower()

    out = re.sub(r"[A-Za-z0-9]+", word, title)
    first = next((i for i, ch in enumerate(out) if ch.isalpha()), None)
    return out if first is None else out[:first] + out[first].upper() + out[first + 1 :]


@dataclass(frozen=True)
class KbliEntry:
    """One row of KBLI 2020: a category letter or a 2- to 5-digit code with its title."""

    code: str
    level: str
    title: str
    category: str


@dataclass(frozen=True)
class Hit:
    """A five-digit code a search found: its score and how it matched (MATCHES or SUGGESTION)."""

    code: str
    score: float
    match: str


@dataclass
class _Texts:
    """The words a rule set adds per code, by language, and an index of them (one search)."""

    words: dict[str, dict[str, set[str]]]  # lang -> code -> words
    index: dict[str, set[str]]  # word (any language) -> codes


@dataclass
class KbliList:
    """The whole KBLI 2020 with its synonyms, indexed for lookups and search."""

    entries: dict[str, KbliEntry]
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    synonym_langs: dict[str, frozenset[str]] = field(default_factory=dict)
    english: dict[str, str] = field(default_factory=dict)  # shipped English titles by code

    def __post_init__(self) -> None:
        self.five = sorted(c for c, e in self.entries.items() if e.level == "kelompok")
        self._words: dict[str, set[str]] = {c: set(words(self.entries[c].title)) for c in self.five}
        self._index: dict[str, set[str]] = defaultdict(set)
        for code, ws in self._words.items():
            for w in ws:
                self._index[w].add(code)
        # A synonym's group: the other one-word synonyms that stand for the same codes.
        groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for key, codes in self.synonyms.items():
            if " " not in key:
                groups[tuple(sorted(codes))].append(key)
        self._group: dict[str, list[str]] = {
            key: [k for k in groups[tuple(sorted(codes))] if k != key]
            for key, codes in self.synonyms.items()
        }

    def title(self, code: str) -> str | None:
        """Return the title of a code of any level, or None when KBLI 2020 has no such code."""
        entry = self.entries.get(code)
        return entry.title if entry else None

    def title_en(self, code: str) -> str | None:
        """Return a code's English title where one ships (the 21 categories), else its title
        in sentence case; None for an unknown code."""
        entry = self.entries.get(code)
        if entry is None:
            return None
        return self.english.get(code) or sentence_case(entry.title)

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
        """Return the five-digit codes nearest to `text`: by shared prefix and value, or words."""
        digits = "".join(ch for ch in text if ch.isdigit())[:5]
        if not digits:
            hits = self.search(text, limit=n) or self.suggest(text, limit=n)
            return [h.code for h in hits]
        value = int(digits.ljust(5, "0"))

        def key(known: str) -> tuple[int, int]:
            shared = 0
            for a, b in zip(known, digits, strict=False):
                if a != b:
                    break
                shared += 1
            return (-shared, abs(int(known) - value))

        return sorted(self.five, key=key)[:n]

    def search(self, q: str, extra: Extra | None = None, limit: int | None = None) -> list[Hit]:
        """Return the five-digit codes matching every word of `q`: strongest match, then score.

        A token of digits matches codes it starts (`code`); a word matches title words it
        equals (`word`) or starts (`prefix`), close spellings of them (`fuzzy`, rapidfuzz), and
        synonyms. `extra` adds text per code and language (a region's activity names).
        """
        tokens = words(q)
        if not tokens:
            return []
        texts = self._texts(extra)
        total: dict[str, tuple[int, float]] | None = None
        for part in self._phrases(tokens):
            scores = self._match(part, texts)
            if total is None:
                total = scores
            else:
                total = {
                    c: (max(total[c][0], kind), total[c][1] + score)
                    for c, (kind, score) in scores.items()
                    if c in total
                }
            if not total:
                return []
        ranked = sorted((total or {}).items(), key=lambda ck: (ck[1][0], -ck[1][1], ck[0]))
        hits = [Hit(c, score, MATCHES[kind]) for c, (kind, score) in ranked]
        return hits[:limit] if limit is not None else hits

    def suggest(self, q: str, extra: Extra | None = None, limit: int | None = 5) -> list[Hit]:
        """Return the codes nearest to `q` when `search` finds none, marked `suggestion`.

        A number: the codes nearest to it (shared prefix, then value). Words: the codes whose
        title, names or synonyms hold the closest spellings (rapidfuzz ratio, any first letter),
        summed over the query's words.
        """
        tokens = words(q)
        letters = [t for t in tokens if not t.isdigit()]
        if not letters:
            digits = "".join(tokens)
            codes = self.closest(digits, limit or len(self.five)) if digits else []
            return [Hit(c, 0.0, SUGGESTION) for c in codes]
        texts = self._texts(extra)
        single = [k for k in self.synonyms if " " not in k]
        vocab = list(self._index.keys() | texts.index.keys() | set(single))
        total: dict[str, float] = defaultdict(float)
        for token in letters:
            best: dict[str, float] = {}

            def add(codes: Iterable[str], score: float, best: dict[str, float] = best) -> None:
                for c in codes:
                    best[c] = max(best.get(c, 0.0), score)

            for word, score, _ in process.extract(
                token, vocab, scorer=fuzz.ratio, score_cutoff=SUGGEST_CUTOFF, limit=None
            ):
                add(self._index.get(word, ()), score)
                add(texts.index.get(word, ()), score)
                for code in self.synonyms.get(word, ()):
                    add(self.under(code), score - (0 if len(code) == 5 else 2))
            for c, s in best.items():
                total[c] += s
        ranked = sorted(total.items(), key=lambda cs: (-cs[1], cs[0]))
        hits = [Hit(c, round(s, 1), SUGGESTION) for c, s in ranked]
        return hits[:limit] if limit is not None else hits

    def _texts(self, extra: Extra | None) -> _Texts:
        by_lang: dict[str, dict[str, set[str]]] = defaultdict(dict)
        index: dict[str, set[str]] = defaultdict(set)
        for code, texts in (extra or {}).items():
            if code not in self._words:
                continue
            for lang, text in texts.items():
                ws = set(words(text))
                by_lang[lang][code] = ws
                for w in ws:
                    index[w].add(code)
        return _Texts(dict(by_lang), index)

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

    # Long by design (C901): one branch per kind of match, ranked together.
    def _match(self, part: str, texts: _Texts) -> dict[str, tuple[int, float]]:  # noqa: C901
        """Return the codes one token (or synonym phrase) matches: (match kind, score) each."""
        scores: dict[str, tuple[int, float]] = {}

        def add(codes: Iterable[str], kind: int, score: float) -> None:
            for c in codes:
                old = scores.get(c)
                if old is None or (kind, -score) < (old[0], -old[1]):
                    scores[c] = (kind, score)

        if part.isdigit():
            add((c for c in self.five if c.startswith(part)), CODE, EXACT)
            return scores
        if " " in part:  # a synonym phrase
            self._add_synonym(add, part, WORD, SYNONYM, texts)
            return scores
        vocab = self._index.keys() | texts.index.keys()
        for word in vocab:
            if word == part:
                kind, score = WORD, EXACT
            elif word.startswith(part):
                kind, score = PREFIX_MATCH, PREFIX
            else:
                continue
            add(self._index.get(word, ()), kind, score)
            add(texts.index.get(word, ()), kind, score)
        if len(part) >= 3:
            candidates = [w for w in vocab if w[0] == part[0] and not w.startswith(part)]
            for word, score, _ in process.extract(
                part, candidates, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=None
            ):
                add(self._index.get(word, ()), FUZZY, score * 0.9)
                add(texts.index.get(word, ()), FUZZY, score * 0.9)
        for key in self.synonyms:
            if " " in key:
                continue
            if key == part:
                self._add_synonym(add, key, WORD, SYNONYM, texts)
            elif len(part) >= 3 and key.startswith(part):
                self._add_synonym(add, key, PREFIX_MATCH, PREFIX * 0.95)
            elif len(part) >= 3 and key[0] == part[0]:
                ratio = fuzz.ratio(part, key)
                if ratio >= FUZZY_CUTOFF:
                    self._add_synonym(add, key, FUZZY, ratio * 0.9)
        return scores

    def _add_synonym(
        self,
        add: Callable[[Iterable[str], int, float], None],
        key: str,
        kind: int,
        score: float,
        texts: _Texts | None = None,
    ) -> None:
        """Add the codes a synonym stands for; a code it names ranks above a broad code's."""
        for code in self.synonyms.get(key, ()):
            if len(code) == 5:
                add(self.under(code), kind, score)
                continue
            codes = self.under(code)
            add(codes, kind, score - (SYNONYM - BROAD))
            if texts is None:
                continue
            # Within a broad synonym, the codes whose names say a word of its group first.
            langs = self.synonym_langs.get(key, frozenset())
            for other in [key, *self._group.get(key, ())]:
                same = bool(self.synonym_langs.get(other, frozenset()) & langs)
                for c in codes:
                    if other in self._words[c]:
                        add([c], kind, BROAD_TITLE)
                    for lang, by_code in texts.words.items():
                        if lang in NAME_LANGS and other in by_code.get(c, ()):
                            bonus = same and lang in self.synonym_langs.get(other, frozenset())
                            add([c], kind, BROAD_NAME_SAME_LANG if bonus else BROAD_NAME)


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


def read_synonym_langs(text: str) -> dict[str, frozenset[str]]:
    """Return {normalised word or phrase: its languages (`id`, `en`)} from the synonyms CSV."""
    out: dict[str, set[str]] = defaultdict(set)
    for row in csv.DictReader(text.splitlines()):
        out[" ".join(words(row["word"]))].add(row["lang"].strip())
    return {k: frozenset(v) for k, v in out.items()}


def read_english(text: str, entries: Mapping[str, KbliEntry]) -> dict[str, str]:
    """Return {code: English title} from a CSV (code, title_en); every code must be in KBLI."""
    out: dict[str, str] = {}
    for n, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        code, title = row["code"].strip(), row["title_en"].strip()
        if code not in entries or not title or code in out:
            raise ValueError(f"English titles line {n}: {code!r} is unknown, empty or repeated")
        out[code] = title
    return out


@lru_cache(maxsize=1)
def kbli_2020() -> KbliList:
    """Return the shipped KBLI 2020 list with its synonyms (read once per process)."""
    entries = read_entries(_data("kbli_2020.csv"))
    synonyms = _data("kbli_synonyms.csv")
    return KbliList(
        entries,
        read_synonyms(synonyms, entries),
        read_synonym_langs(synonyms),
        read_english(_data("kbli_categories_en.csv"), entries),
    )
