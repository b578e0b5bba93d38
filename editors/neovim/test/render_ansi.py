"""Draw a tmux capture (`capture-pane -p -e`: text with 24-bit SGR colours) as a PNG."""

import sys

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
FG, BG = (232, 232, 232), (30, 30, 30)
SIZE = 15


def cells(line):
    """(character, fg, bg, bold) for each character of a line, following its SGR escapes."""
    fg, bg, bold = FG, BG, False
    out, i = [], 0
    while i < len(line):
        if line.startswith("\x1b[", i):
            end = line.index("m", i)
            codes = [int(c) if c else 0 for c in line[i + 2 : end].split(";")]
            j = 0
            while j < len(codes):
                code = codes[j]
                if code == 0:
                    fg, bg, bold = FG, BG, False
                elif code == 1:
                    bold = True
                elif code == 22:
                    bold = False
                elif code in (38, 48) and codes[j + 1 : j + 2] == [2]:
                    colour = tuple(codes[j + 2 : j + 5])
                    fg, bg = (colour, bg) if code == 38 else (fg, colour)
                    j += 4
                elif code == 39:
                    fg = FG
                elif code == 49:
                    bg = BG
                j += 1
            i = end + 1
        else:
            out.append((line[i], fg, bg, bold))
            i += 1
    return out


def main(source, target):
    with open(source, encoding="utf-8") as f:
        lines = [cells(line.rstrip("\n")) for line in f]
    regular, bold = ImageFont.truetype(FONT, SIZE), ImageFont.truetype(BOLD, SIZE)
    width = int(regular.getlength("M"))
    height = SIZE + 5
    columns = max(len(line) for line in lines)
    image = Image.new("RGB", (columns * width + 16, len(lines) * height + 16), BG)
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        for column, (char, fg, bg, is_bold) in enumerate(line):
            x, y = 8 + column * width, 8 + row * height
            if bg != BG:
                draw.rectangle([x, y, x + width, y + height], fill=bg)
            draw.text((x, y + 1), char, font=bold if is_bold else regular, fill=fg)
    image.save(target)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
