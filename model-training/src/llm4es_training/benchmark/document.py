"""A report as a list of blocks, written out twice, as Markdown and as HTML: every table of
report.md is a <table> of report.html, and the two never say different things. Inline text may
hold `code` and **bold**."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Banner:
    """A warning that must be read before anything below it."""

    text: str


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]
    right_aligned: tuple[int, ...] = ()  # columns of numbers


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Image:
    src: str
    alt: str


Block = Heading | Paragraph | Banner | Table | Bullets | Image


def to_markdown(blocks: list[Block]) -> str:
    out = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append("#" * b.level + " " + b.text)
        elif isinstance(b, Paragraph):
            out.append(b.text)
        elif isinstance(b, Banner):
            out.append(f"> **{b.text}**")
        elif isinstance(b, Table):

            def cells(row):
                return "| " + " | ".join(c.replace("|", "\\|") for c in row) + " |"

            rule = "|" + "|".join("---:" if i in b.right_aligned else "---" for i in range(len(b.header))) + "|"
            out.append("\n".join([cells(b.header), rule, *map(cells, b.rows)]))
        elif isinstance(b, Bullets):
            out.append("\n".join(f"- {item}" for item in b.items))
        elif isinstance(b, Image):
            out.append(f"![{b.alt}]({b.src})")
    return "\n\n".join(out) + "\n"


def inline_html(text: str) -> str:
    """Escaped text with `code` as <code> and **bold** as <b>."""
    parts = re.split(r"(`[^`]*`)", text)
    out = []
    for part in parts:
        if len(part) > 1 and part.startswith("`") and part.endswith("`"):
            out.append(f"<code>{html.escape(part[1:-1])}</code>")
        else:
            out.append(re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(part)))
    return "".join(out)


def to_html(title: str, blocks: list[Block]) -> str:
    body = []
    for b in blocks:
        if isinstance(b, Heading):
            body.append(f"<h{b.level}>{inline_html(b.text)}</h{b.level}>")
        elif isinstance(b, Paragraph):
            body.append(f"<p>{inline_html(b.text)}</p>")
        elif isinstance(b, Banner):
            body.append(f'<p class="banner"><b>{inline_html(b.text)}</b></p>')
        elif isinstance(b, Table):

            def row(cells, tag):
                return (
                    "<tr>"
                    + "".join(
                        f"<{tag}{' class=num' if i in b.right_aligned else ''}>{inline_html(c)}</{tag}>"
                        for i, c in enumerate(cells)
                    )
                    + "</tr>"
                )

            body.append("<table>" + row(b.header, "th") + "".join(row(r, "td") for r in b.rows) + "</table>")
        elif isinstance(b, Bullets):
            body.append("<ul>" + "".join(f"<li>{inline_html(item)}</li>" for item in b.items) + "</ul>")
        elif isinstance(b, Image):
            body.append(f'<img src="{html.escape(b.src)}" alt="{html.escape(b.alt)}">')
    style = (
        "body{font-family:sans-serif;max-width:75em;margin:1em auto}table{border-collapse:collapse;margin:.5em 0}"
        "td,th{border:1px solid #999;padding:.25em .5em}.num{text-align:right}"
        ".banner{background:#fff3cd;border:1px solid #d39e00;padding:.5em}"
    )
    return (
        f"<!doctype html><meta charset=utf-8><title>{html.escape(title)}</title><style>{style}</style>\n"
        + "\n".join(body)
        + "\n"
    )
