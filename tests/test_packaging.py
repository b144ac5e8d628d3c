"""pyproject.toml: the package data it names exists, so a built wheel holds what it promises."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_package_data_patterns_match_files() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package_data: dict[str, list[str]] = config["tool"]["setuptools"]["package-data"]
    missing = [
        f"{package}: {pattern}"
        for package, patterns in package_data.items()
        for pattern in patterns
        if not any(p.is_file() for p in (ROOT / package.replace(".", "/")).glob(pattern))
    ]
    assert missing == [], f"package-data names files that do not exist: {missing}"
