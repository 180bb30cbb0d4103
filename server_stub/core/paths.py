"""Where the platform finds the files it ships with: the project's root and the bundled fonts
(the PDF's and the public pages')."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FONTS_DIR = PROJECT_ROOT / "assets" / "fonts"
