"""Draw the DRAFT watermark of each language as a picture: static/watermarks/draft-<lang>.png.

    /work/venv/bin/python scripts/draft_watermarks.py

The word comes from each translation's "DRAFT" and is drawn with Noto Sans Bold (fonts-noto-core) into a
picture, not set as text: painted as a background (see .draft-watermark in static/print.css), the PDF holds
it as an artifact, so neither text extraction nor a screen reader finds a stray "U T K A S T". A picture
rather than an SVG of the letters' outlines: WeasyPrint embeds a picture once and only places it on each
page, where it draws an SVG's outlines again on every page (a twentieth of the render). Run again after the
translation of "DRAFT" changes or a language is added; tests/test_pdf_typography.py checks every language
has its file.
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

from babel.messages.pofile import read_po
from PIL import Image, ImageDraw, ImageFont

REPO_ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = REPO_ROOT / "planbuilder" / "translations"
OUTPUT = REPO_ROOT / "static" / "watermarks"
FONT = Path("/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf")
LETTER_SPACING = 0.1  # em, as the text watermark had
ANGLE = -35  # degrees
COLOUR, OPACITY = "#a32a1c", 0.06
# Letters this many pixels high: printed about 190 mm wide, some 100 pixels an inch, plenty for a faint mark.
FONT_PX = 160


def draft_word(language: str) -> str:
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        message = read_po(po).get("DRAFT")
    return (message.string if message and message.string else "DRAFT").upper()


def picture(font: ImageFont.FreeTypeFont, word: str) -> Image.Image:
    """The word, spaced and turned, in the mark's colour on a transparent ground."""
    spacing = LETTER_SPACING * font.size
    width = sum(font.getlength(char) for char in word) + spacing * (len(word) - 1)
    ascent, descent = font.getmetrics()
    flat = Image.new("LA", (math.ceil(width), ascent + descent), (0, 0))
    draw, x = ImageDraw.Draw(flat), 0.0
    for char in word:
        draw.text((x, 0), char, font=font, fill=(255, 255))
        x += font.getlength(char) + spacing
    alpha = flat.getchannel("A").rotate(-ANGLE, resample=Image.Resampling.BICUBIC, expand=True)
    alpha = alpha.crop(alpha.getbbox()).point(lambda value: round(value * OPACITY))
    mark = Image.new("RGBA", alpha.size, COLOUR)
    mark.putalpha(alpha)
    return mark


def main() -> int:
    font = ImageFont.truetype(str(FONT), FONT_PX)
    OUTPUT.mkdir(exist_ok=True)
    for folder in sorted(p for p in TRANSLATIONS.iterdir() if (p / "LC_MESSAGES" / "messages.po").is_file()):
        word = draft_word(folder.name)
        picture(font, word).save(OUTPUT / f"draft-{folder.name}.png", optimize=True)
        print(f"{folder.name}: {word}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
