"""Inline Markdown (emphasis, code, links, images, breaks) as Jira wiki markup.

The tokens are first flattened into runs of text, each with the styles and the link in effect
(one pass with a stack, as in ADF: emphasis may nest thousands deep, and a style already in
effect is not opened again). The runs are then written with Jira's phrase delimiters, which
Jira honours only where no letter or digit stands outside them; elsewhere the braced form
(``{*}x{*}``) is used. A space at a phrase's edge becomes a no-break space, as Jira reads no
phrase that starts or ends with a space; inside a phrase, a character Jira's phrase pattern does
not take (``[\\p{L}\\p{Nd}\\p{Z}\\p{S}\\p{M}\\p{P}]``: not a tab, a zero-width joiner, ``²``)
becomes its numeric entity.

Links keep the same rule as ADF (``adf.inline.link_marks``), narrowed to the schemes Jira links
(``UrlUtil.URL_PROTOCOLS``: ``tel:`` is not one); a link's title is not kept, as Jira would
split its text at any ``|``. Images become a link to the image labelled by their description,
as in ADF, rather than Jira's ``!url!``: that would have every browser that opens the issue
fetch the URL, with its cookies, whatever host a finding names (intranet addresses included);
a click on a link is the reader's choice.

A break is a new line where the block may hold several (paragraphs, quotes, list items), which
Jira shows as a line break; ``\\\\`` elsewhere (headings, table cells) and where a new line
would be empty (a blank line ends a paragraph or a list). No phrase or link spans a break (Jira
reads none across lines): they close before it and open again after.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from markdown_it.token import Token

from jira_sync.adf.inline import link_marks
from jira_sync.wiki.escape import escape, is_word_character

type Style = Literal["strong", "em", "strike", "code"]
type Styles = frozenset[Style]

_STYLES: dict[str, Style] = {"strong": "strong", "em": "em", "s": "strike"}
# Outermost first; each style's opening and closing delimiter.
_ORDER: tuple[Style, ...] = ("strong", "em", "strike", "code")
_DELIMITERS: dict[Style, tuple[str, str]] = {
    "strong": ("*", "*"),
    "em": ("_", "_"),
    "strike": ("-", "-"),
    "code": ("{{", "}}"),
}
_JIRA_LINKS = re.compile(r"(?:https?|ftps?)://|mailto:", re.IGNORECASE)
# What may stand in a link's target as it is; anything else is percent-encoded (`!` would be
# counted as an image by the link parser, `|` and `]` would end the target).
_URL_SAFE = "-._~:/?#@$&'()*+,;=%"
_FORCED_BREAK = "\\\\ "
_NO_BREAK_SPACE = "&#160;"


@dataclass(frozen=True, slots=True)
class _Run:
    text: str
    styles: Styles
    href: str | None


_BREAK = None
type _Item = _Run | None


def inline_wiki(tokens: Sequence[Token], *, lines: bool, styles: Styles = frozenset()) -> str:
    """Wiki markup of markdown-it inline tokens, each in `styles` too.

    `lines`: breaks may be new lines (the block holds several lines).
    """
    items = _merged(_items(tokens, styles))
    while items and items[-1] is _BREAK:
        items.pop()  # a break ends no line worth keeping
    return _Writer(lines).write(items)


def link_target(href: object) -> str | None:
    """The target to write for `href`, or None when the label should stand alone."""
    if not isinstance(href, str) or not link_marks(href) or not _JIRA_LINKS.match(href):
        return None
    return quote(href, safe=_URL_SAFE)


def _items(tokens: Sequence[Token], styles: Styles, href: str | None = None) -> Iterator[_Item]:
    stack: list[tuple[Styles, str | None]] = [(styles, href)]
    for token in tokens:
        current, href = stack[-1]
        kind = token.type
        if token.nesting == 1:
            name = kind.removesuffix("_open")
            if name == "link":
                target = link_target(token.attrGet("href"))
                stack.append((current, target or href))
            else:
                style = _STYLES.get(name)
                stack.append((current if style is None else current | {style}, href))
        elif token.nesting == -1:
            if len(stack) > 1:
                stack.pop()
        elif kind == "hardbreak":
            yield _BREAK
        elif kind == "code_inline":
            yield _Run(token.content, current | {"code"}, href)
        elif kind == "image":
            yield from _image(token, current, href)
        else:
            # text, and raw HTML shown as typed (a tag may span lines: joined with spaces).
            yield _Run(token.content.replace("\n", " "), current, href)


def _image(token: Token, styles: Styles, href: str | None) -> Iterator[_Item]:
    """An image as a link to it labelled by its description; inside a link, the outer link wins
    (a badge: that is where a click should go)."""
    src = token.attrGet("src")
    own = href if href is not None else link_target(src)
    label = list(_items(token.children or [], styles, own))
    if label:
        yield from label
    elif isinstance(src, str):
        yield _Run(src, styles, own)


def _merged(items: Iterator[_Item]) -> list[_Item]:
    merged: list[_Item] = []
    for item in items:
        if item is not _BREAK and not item.text:
            continue
        previous = merged[-1] if merged else _BREAK
        if (
            item is not _BREAK
            and previous is not _BREAK
            and (previous.styles, previous.href) == (item.styles, item.href)
        ):
            merged[-1] = _Run(previous.text + item.text, item.styles, item.href)
        else:
            merged.append(item)
    return merged


@dataclass(frozen=True, slots=True)
class _Delimiter:
    style: Style
    opening: bool


type _Piece = str | _Delimiter


class _Writer:
    """Runs and breaks as wiki markup: phrases nest properly, links hold their own phrases."""

    def __init__(self, lines: bool) -> None:
        self.lines = lines

    def write(self, items: list[_Item]) -> str:
        pieces: list[_Piece] = []
        index = 0
        line_start = True
        while index < len(items):
            item = items[index]
            if item is _BREAK:
                pieces.append(self._break(pieces))
                line_start = pieces[-1] == "\n"
                index += 1
                continue
            end = index
            while end < len(items) and (run := items[end]) is not _BREAK and run.href == item.href:
                end += 1
            runs = [run for run in items[index:end] if run is not _BREAK]
            if item.href is None:
                pieces.extend(_phrases(runs, line_start, in_link=False))
                line_start = False
            elif link := _link(runs, item.href):
                pieces.append(link)
                line_start = False
            index = end
        return _resolved(pieces)

    def _break(self, pieces: list[_Piece]) -> str:
        """A new line, unless it would be empty or the block has room for one line only."""
        if self.lines and pieces and pieces[-1] != "\n":
            return "\n"
        return _FORCED_BREAK


def _link(runs: list[_Run], href: str) -> str:
    """`[label|target]`, its label written as phrases of its own (`\\\\` for breaks)."""
    label = _resolved(list(_phrases(runs, line_start=True, in_link=True)))
    if label[:1].isspace():
        label = _NO_BREAK_SPACE + label[1:]  # after `[`, a space means "no link" to Jira
    return f"[{label}|{href}]" if label else ""


def _phrases(runs: list[_Run], line_start: bool, *, in_link: bool) -> Iterator[_Piece]:
    """Each run's text between the delimiters of its styles, properly nested."""
    open_styles: list[Style] = []
    for run in runs:
        kept = 0
        while kept < len(open_styles) and open_styles[kept] in run.styles:
            kept += 1
        for style in reversed(open_styles[kept:]):
            yield _Delimiter(style, opening=False)
        del open_styles[kept:]
        for style in _ORDER:
            if style in run.styles and style not in open_styles:
                open_styles.append(style)
                yield _Delimiter(style, opening=True)
        text = escape(
            run.text,
            line_start=line_start,  # `*# x` after a line's opening `*` would be a list item
            in_link=in_link,
            always="".join(_DELIMITERS[style][0] for style in open_styles if style != "code"),
        )
        yield _phrase_content(text) if open_styles else text
        line_start = False
    for style in reversed(open_styles):
        yield _Delimiter(style, opening=False)


def _phrase_content(text: str) -> str:
    return "".join(
        character
        if unicodedata.category(character)[0] in "LZSMP" or unicodedata.category(character) == "Nd"
        else f"&#{ord(character)};"
        for character in text
    )


def _resolved(pieces: list[_Piece]) -> str:
    """Pieces as one string, each delimiter plain where Jira honours it there, else braced."""
    out: list[str] = []
    for index, piece in enumerate(pieces):
        if isinstance(piece, str):
            if piece == "\n" or piece == _FORCED_BREAK:
                out.append(piece)
                continue
            after_opening = index > 0 and _is_opening(pieces[index - 1])
            before_closing = index + 1 < len(pieces) and _is_closing(pieces[index + 1])
            out.append(_edges_without_spaces(piece, after_opening, before_closing))
            continue
        opening, closing = _DELIMITERS[piece.style]
        if piece.opening:
            before = out[-1][-1:] if out else ""
            braced = bool(before) and (is_word_character(before) or before == "\\")
            out.append("{" + opening + "}" if braced else opening)
        else:
            following = _next_text(pieces, index)
            braced = bool(following) and is_word_character(following)
            out.append("{" + closing + "}" if braced else closing)
    return "".join(out)


def _edges_without_spaces(text: str, after_opening: bool, before_closing: bool) -> str:
    if after_opening and text[:1].isspace():
        text = _NO_BREAK_SPACE + text[1:]
    if before_closing and text[-1:].isspace():
        text = text[:-1] + _NO_BREAK_SPACE
    return text


def _is_opening(piece: _Piece) -> bool:
    return isinstance(piece, _Delimiter) and piece.opening


def _is_closing(piece: _Piece) -> bool:
    return isinstance(piece, _Delimiter) and not piece.opening


def _next_text(pieces: list[_Piece], index: int) -> str:
    """The character after a closing delimiter (a delimiter's own is never a letter)."""
    following = pieces[index + 1] if index + 1 < len(pieces) else ""
    return following[:1] if isinstance(following, str) else ""
