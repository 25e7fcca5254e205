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
split its text at any ``|``. An image is shown as ADF shows it (``adf.inline.image_url``: http
or https), as Jira's ``!url!`` (``[!url!|target]`` inside a link), which the reader's browser
loads from that URL just as it loads ADF's external media. Only a URL that nothing in Jira's
renderer reads before the image does is written so (``embeddable``): its own ``!`` or ``|``
would end the image or add options, and the components ahead of ``EmbeddedRendererComponent``
(macros, links, escapes, entities, dashes, emoticons) would rewrite ``{``, ``[``, ``\\``,
``&name;``, ``--``, ``:)``, ``(i)`` or ``@x@``; a file type Jira would embed as something else
(``.swf``, ``.mov``...) is refused too. Any other image is a link to it labelled by its
description, escaped, as before. ``!url!`` needs no letter or digit right outside it
(``PhraseRendererComponent.VALID_START``/``VALID_END``): a space separates it from one.

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

from jira_sync.adf.inline import image_url, link_marks
from jira_sync.wiki.escape import escape, is_word_character, rewritten_before_images

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


@dataclass(frozen=True, slots=True)
class _Image:
    url: str
    href: str | None


_BREAK = None
type _Item = _Run | _Image | None
# What `!url!` may hold: a URL as markdown-it normalises it (percent-encoded, so ASCII), without
# whitespace, `!` (ends the image), `|` (options), `\` (escapes), `{}` `[]` `<>` `"` `^` `` ` ``.
_EMBEDDABLE = re.compile(r"https?://[A-Za-z0-9\-._~:/?#@$&'()*+,;=%]+", re.IGNORECASE)
# Extensions Jira embeds as images; a name without one is an image too (`image/unknown`), any
# other extension could be Flash, QuickTime or audio to `EmbeddedResourceResolver`.
_IMAGE_EXTENSIONS = frozenset(
    {"png", "jpg", "jpeg", "jpe", "gif", "bmp", "svg", "webp", "ico", "tif", "tiff", "avif"}
)


def inline_wiki(tokens: Sequence[Token], *, lines: bool, styles: Styles = frozenset()) -> str:
    """Wiki markup of markdown-it inline tokens, each in `styles` too.

    `lines`: breaks may be new lines (the block holds several lines).
    """
    items = _around_images(_merged(_items(tokens, styles)))
    while items and items[-1] is _BREAK:
        items.pop()  # a break ends no line worth keeping
    return _Writer(lines).write(items)


def link_target(href: object) -> str | None:
    """The target to write for `href`, or None when the label should stand alone."""
    if not isinstance(href, str) or not link_marks(href) or not _JIRA_LINKS.match(href):
        return None
    return quote(href, safe=_URL_SAFE)


def embeddable(src: object) -> str | None:
    """`src` when Jira would show it as an image from `!src!` exactly (see above), else None."""
    url = image_url(src)
    if url is None or not _EMBEDDABLE.fullmatch(url) or rewritten_before_images(url):
        return None
    name = url.split("://", 1)[1].partition("?")[0].rpartition("/")[2]
    if "/" not in url.split("://", 1)[1] or (
        "." in name and name.rpartition(".")[2].lower() not in _IMAGE_EXTENSIONS
    ):
        return None
    return url


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
    """An image as `!url!`, or as a link to it labelled by its description; inside a link, the
    outer link wins (a badge: that is where a click should go)."""
    src = token.attrGet("src")
    url = embeddable(src)
    if url is not None:
        yield _Image(url, href)
        return
    own = href if href is not None else link_target(src)
    label = list(_items(token.children or [], styles, own))
    if label:
        yield from label
    elif isinstance(src, str):
        yield _Run(src, styles, own)


def _merged(items: Iterator[_Item]) -> list[_Item]:
    merged: list[_Item] = []
    for item in items:
        if isinstance(item, _Run) and not item.text:
            continue
        previous = merged[-1] if merged else _BREAK
        if (
            isinstance(item, _Run)
            and isinstance(previous, _Run)
            and (previous.styles, previous.href) == (item.styles, item.href)
        ):
            merged[-1] = _Run(previous.text + item.text, item.styles, item.href)
        else:
            merged.append(item)
    return merged


def _around_images(items: list[_Item]) -> list[_Item]:
    """Without the whitespace next to an image: the image gets a space of its own on each
    side (`_resolved`), as ADF trims the text it splits around one."""
    trimmed: list[_Item] = []
    for index, item in enumerate(items):
        if isinstance(item, _Run):
            text = item.text
            if index + 1 < len(items) and isinstance(items[index + 1], _Image):
                text = text.rstrip()
            if index and isinstance(items[index - 1], _Image):
                text = text.lstrip()
            if text:
                trimmed.append(_Run(text, item.styles, item.href))
            continue
        trimmed.append(item)
    return trimmed


@dataclass(frozen=True, slots=True)
class _Delimiter:
    style: Style
    opening: bool


@dataclass(frozen=True, slots=True)
class _Embedded:
    """`!url!` (or `[!url!|target]`): kept apart from any letter or digit by a space."""

    markup: str


type _Piece = str | _Delimiter | _Embedded


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
            if isinstance(item, _Image):
                image = f"!{item.url}!"
                pieces.append(_Embedded(image if item.href is None else f"[{image}|{item.href}]"))
                line_start = False
                index += 1
                continue
            end = index
            while (
                end < len(items) and isinstance(run := items[end], _Run) and run.href == item.href
            ):
                end += 1
            runs = [run for run in items[index:end] if isinstance(run, _Run)]
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
        if isinstance(piece, _Embedded):
            # Apart from what stands next to it, as the image stands apart in ADF.
            before = next((chunk[-1] for chunk in reversed(out) if chunk), "")
            following = pieces[index + 1] if index + 1 < len(pieces) else ""
            out.append(" " if before and not before.isspace() else "")
            out.append(piece.markup)
            out.append(" " if following and following not in ("\n", _FORCED_BREAK) else "")
            continue
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
