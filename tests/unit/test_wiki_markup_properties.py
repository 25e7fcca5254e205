"""Whatever a finding's text holds, the wiki markup shows it as text, and the ADF and wiki
writers show the same text.

The check is a reference reading of wiki markup written here from atlassian-renderer, the
library Jira renders wiki markup with (each function names the component it follows), and
independent of the writer: it finds the constructs Jira would make of a string, and the text a
reader would see. It errs on the strict side where it simplifies (any case of a URL scheme, any
`--`, Unicode whitespace where Java's `\\s` is ASCII).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from jira_sync.adf.markdown import markdown_to_adf
from jira_sync.wiki.inline import embeddable
from jira_sync.wiki.markdown import markdown_to_wiki

# The reference reading


def _word(character: str) -> bool:
    """Java's `[\\p{L}\\p{Nd}]`, which no phrase delimiter may touch on its outer side."""
    category = unicodedata.category(character)
    return category[0] == "L" or category == "Nd"


def _in_phrase(character: str) -> bool:
    """Java's `[\\p{L}\\p{Nd}\\p{Z}\\p{S}\\p{M}\\p{P}]`, what a phrase's inside is made of (a
    phrase already styled is HTML there, `<b>`: its stand-in counts as such)."""
    if character == STYLED:
        return True
    category = unicodedata.category(character)
    return category[0] in "LZSMP" or category == "Nd"


STYLED = "\ue000"  # stands for the tags of a phrase already styled


# HeadingBlockRenderer, BlockquoteBlockRenderer, HorizontalRuleBlockRenderer, ListBlockRenderer,
# TableBlockRenderer: each tries the whole line.
BLOCKS = {
    "heading": re.compile(r"\s*h[1-6]\..*"),
    "bq": re.compile(r"\s*bq\..*"),
    "rule": re.compile(r"\s*-{4,5}\s*"),
    "list": re.compile(r"\s*[*\-#]+\s+.*"),
    "table": re.compile(r"\s*\|.*"),
}
# UrlRendererComponent: UrlUtil.URL_PROTOCOLS, not right after `!` (its `([^"\[\|'!]|^)`),
# where the URL is an image's (`!url!`); after the other characters it skips, still counted.
URL = re.compile(
    r"(?<![A-Za-z0-9!])(?:https?://|ftps?://|mailto:|nntp://|news://|irc://|file:)", re.I
)
# BackslashEscapeRendererComponent.
ESCAPE = re.compile(r"(^|(?<!\\))\\([-#*_+?^~|%{}\[\]()!@])")
# HtmlEscaper.ENTITY_PATTERN: entities Jira keeps.
ENTITY = re.compile(r"&[#A-Za-z0-9][A-Za-z0-9]{1,7};")
# EmoticonRendererComponent, with Jira's icons (`;)` is read in `emoticons`).
FACES = re.compile(r":[()PpDd]")
WINK_AFTER_ENTITY = re.compile(r"&#?[a-zA-Z0-9]{1,10}$")
ICONS = re.compile(r"\((?:flagoff|flag|off|on|\*[rgby]?|[ynix/!+?-])\)")
# TemplateParamRenderComponent.
TEMPLATE = re.compile(r"@[\w|(),]+@")
# EmbeddedRendererComponent, stricter: any `!x...!` on one line.
IMAGE = re.compile(r"![^\s!][^\n!]*!")
# PhraseRendererComponent, in Jira's order: strong, super, sub, emphasis, deleted, citation,
# inserted, monospaced.
PHRASES = [("*", "*"), ("^", "^"), ("~", "~"), ("_", "_"), ("-", "-"), ("??", "??")]
PHRASES += [("+", "+"), ("{{", "}}")]


def macro_tags(wiki: str) -> Iterator[tuple[int, int, str, str]]:
    """WikiMarkupParser.parse: every `{name:parameters}` read as a macro tag (escapes and
    phrases aside), as (start, end, name, parameters)."""
    index, escaped = 0, False
    while index < len(wiki):
        character = wiki[index]
        if escaped:
            escaped = False
        elif character == "\\":
            escaped = True
        elif character == "{":
            if wiki[index + 1 : index + 2] and wiki[index + 1] in "{*?^_-+~":
                index += 2
                continue
            tag = _macro_tag(wiki, index)
            if tag is not None:
                yield index, *tag
        index += 1


def _macro_tag(wiki: str, start: int) -> tuple[int, str, str] | None:
    """MacroTag.makeMacroTag: where the tag at `start` ends, its command and parameters."""
    if start + 3 > len(wiki):
        return None
    command: list[str] = []
    parameters: list[str] = []
    in_command, escape_next = True, False
    for index in range(start + 1, len(wiki)):
        character = wiki[index]
        if not escape_next:
            if character == "}":
                name = "".join(command)
                if not name.strip() or name.startswith("$"):
                    return None
                return index + 1, name, "".join(parameters)
            if character in "\n\r\\":
                escape_next = True
                continue
            if character == "{":
                return None
            if character == ":" and in_command:
                in_command = False
                continue
        escape_next = False
        (command if in_command else parameters).append(character)
    return None


def _end_tag(wiki: str, start: int, name: str) -> tuple[int, int] | None:
    """WikiMarkupParser.findEndTagOffset: the first `{name}` from `start`, escapes aside."""
    escaped = False
    for index in range(start, len(wiki)):
        if escaped:
            escaped = False
        elif wiki[index] == "\\":
            escaped = True
        elif wiki[index] == "{":
            tag = _macro_tag(wiki, index)
            if tag is not None and tag[1] == name and not tag[2]:
                return index, tag[0]
    return None


def _java_whitespace(character: str) -> bool:
    """Java's `Character.isWhitespace`: separators but the no-break ones, and ASCII controls."""
    if character in "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f":
        return True
    return unicodedata.category(character) in ("Zs", "Zl", "Zp") and character not in (
        "\u00a0\u2007\u202f"
    )


def link_bodies(wiki: str) -> list[tuple[int, int]]:
    """LinkRendererComponent.render: the spans of `[...]` read as links."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    previous = ""
    for index, character in enumerate(wiki):
        if character == "[":
            if previous != "\\":
                start = index
        elif character == "]" and start is not None:
            if previous != "\\":
                if index - start > 1:
                    spans.append((start, index + 1))
                start = None
        elif start is not None and (
            character == "\n" or (_java_whitespace(character) and previous == "[")
        ):
            start = None
        previous = character
    return spans


def phrases(text: str, opening: str, closing: str) -> Iterator[tuple[int, int, int, int]]:
    """PhraseRendererComponent's pattern, leftmost and laziest first, as Java's Replacer finds
    them: (start, content start, content end, end) of each."""
    index = 0
    while index < len(text):
        found = _phrase_at(text, index, opening, closing)
        if found is None:
            index += 1
            continue
        yield found
        index = found[3]


def _java_space(character: str) -> bool:
    return character in " \t\n\x0b\x0c\r"


def _phrase_at(
    text: str, start: int, opening: str, closing: str
) -> tuple[int, int, int, int] | None:
    """The phrase at `start`, if any: `(VALID_START O|{O})` then `[^\\sO]((?!C)[inside]*?[^\\sC])??`
    not ending in a backslash, then `(C VALID_END|{C})` (O, C: opening and closing)."""
    if text.startswith("{" + opening + "}", start):
        content = start + len(opening) + 2
    elif text.startswith(opening, start) and (
        start == 0 or not (_word(text[start - 1]) or text[start - 1] == "\\")
    ):
        content = start + len(opening)
    else:
        return None
    if content >= len(text) or _java_space(text[content]) or text[content] == opening[0]:
        return None
    end = content + 1
    while end <= len(text):
        last = text[end - 1]
        fits = last != "\\" and (
            end == content + 1 or not (_java_space(last) or last == closing[0])
        )
        if fits and text.startswith(closing, end):
            after = end + len(closing)
            if after >= len(text) or not _word(text[after]):
                return start, content, end, after
        if fits and text.startswith("{" + closing + "}", end):
            return start, content, end, end + len(closing) + 2
        if end == content + 1 and text.startswith(closing, end):
            return None  # `(?!C)`: the inside goes on only if no closing follows its first
        if end > content + 1 and not _in_phrase(last):
            return None  # what is no longer the last character must be inside-made
        end += 1
    return None


def backslash_escaped(wiki: str) -> str:
    """BackslashEscapeRendererComponent: `\\x` is `&#n;`, or the bracket itself."""
    return ESCAPE.sub(
        lambda m: m.group(1) + (m.group(2) if m.group(2) in "{}[]" else f"&#{ord(m.group(2))};"),
        wiki,
    )


def icons(text: str) -> list[str]:
    """Emoticons, template fields and images (EmoticonRendererComponent, TemplateParam...,
    EmbeddedRendererComponent), read after the backslash escapes."""
    found = [
        m.group()
        for m in re.finditer(r";\)", text)
        if not WINK_AFTER_ENTITY.search(text, 0, m.start())
    ]
    for pattern in (FACES, ICONS, TEMPLATE, IMAGE):
        found.extend(m.group() for m in pattern.finditer(text))
    return found


def active_constructs(wiki: str) -> list[str]:
    """Every construct Jira would make of `wiki`, by name."""
    found = [f"macro {{{name}}}" for _, _, name, _ in macro_tags(wiki)]
    for line in wiki.split("\n"):
        found.extend(f"{name} line" for name, pattern in BLOCKS.items() if pattern.fullmatch(line))
    found.extend(f"link {wiki[a:b]}" for a, b in link_bodies(wiki))
    found.extend(f"url {m.group()}" for m in URL.finditer(wiki))
    text = backslash_escaped(wiki)
    if "\\\\" in text:
        found.append("forced line break")
    if "--" in text:
        found.append("dash")
    found.extend(icons(text))
    for opening, closing in PHRASES:
        found.extend(f"phrase {text[a:d]}" for a, _, _, d in phrases(text, opening, closing))
    return found


def entities_decoded(text: str) -> str:
    """The text the browser shows for what Jira kept (its entities, nothing looser)."""
    return ENTITY.sub(_entity, text)


def _entity(match: re.Match[str]) -> str:
    """A browser's reading: a numeric reference is that character, control or not."""
    name = match.group()[1:-1]
    if name[:2] in ("#x", "#X"):
        return chr(int(name[2:], 16))
    if name[:1] == "#" and name[1:].isdecimal():
        return chr(int(name[1:]))
    return html.unescape(match.group())


def seen(wiki: str) -> str:
    """What a reader sees of `wiki` as the writer uses it for paragraphs, headings, rules, lists
    and code of text with phrases and links, whitespace collapsed. Markup Jira would not honour
    stays in view; markup it would make of text changes what is seen (a macro tag vanishes, an
    icon or an image stands in for its text)."""
    bodies: list[str] = []
    lines = []
    for line in _without_macros(wiki, bodies).split("\n"):
        if line == "----":
            continue  # a rule shows no text
        if match := re.match(r"h[1-6]\.(?: |$)|[*#]+ ", line):
            line = line[match.end() :]
        lines.append(_seen_inline(line))
    text = re.sub("\ue005(\\d+)\ue005", lambda m: bodies[int(m.group(1))], " ".join(lines))
    return " ".join(text.split())


def _without_macros(wiki: str, bodies: list[str]) -> str:
    """Macro tags vanish; a code macro's body, shown as it stands, is kept in `bodies` and
    marked by its number."""
    visible, last = [], 0
    for start, end, name, _ in macro_tags(wiki):
        if start < last:
            continue  # inside a body already kept
        visible.append(wiki[last:start])
        last = end
        if name in ("code", "noformat") and (body_end := _end_tag(wiki, end, name)):
            visible.append(f"\ue005{len(bodies)}\ue005")
            bodies.append(wiki[end : body_end[0]])
            last = body_end[1]
    return "".join(visible) + wiki[last:]


def _seen_inline(line: str) -> str:
    labels: list[str] = []
    out, last = [], 0
    for start, end in link_bodies(line):
        body = line[start + 1 : end - 1]
        out.append(line[last:start] + f"\ue001{len(labels)}\ue001")
        labels.append(_seen_inline(body.split("|", 1)[0]))
        last = end
    text = backslash_escaped("".join(out) + line[last:])
    text = text.replace("--", "\u2013")
    for icon in icons(text):
        text = text.replace(icon, "\ue002", 1)
    for opening, closing in PHRASES:
        pieces, last = [], 0
        for start, content, end, after in phrases(text, opening, closing):
            pieces.append(text[last:start] + STYLED + text[content:end] + STYLED)
            last = after
        text = "".join(pieces) + text[last:]
    text = entities_decoded(text.replace("\\\\", " ")).replace(STYLED, "")
    return re.sub("\ue001(\\d+)\ue001", lambda m: labels[int(m.group(1))], text)


def adf_seen(doc: dict[str, Any]) -> str:
    """What a reader sees of an ADF document, whitespace collapsed."""
    parts: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        if node["type"] == "text":
            parts.append(node["text"])
        elif node["type"] == "media":
            parts.append(" \ue002 ")  # an image stands in for no text, as in `seen`
        elif node["type"] == "hardBreak":
            parts.append("\n")
        for child in node.get("content", []):
            walk(child)
        if "content" in node:
            parts.append("\n")  # a block's end

    walk(doc)
    return " ".join("".join(parts).split())


# The reference reading can fail: it finds what a writer without escaping would let through.


@pytest.mark.parametrize(
    ("naive_output", "construct"),
    [
        ("{html}<script>x()</script>{html}", "macro {html}"),
        ("x {code}y{code}", "macro {code}"),
        ("see [link|https://evil]", "link [link|https://evil]"),
        ("||table||", "table line"),
        ("a !https://evil/x.png! b", "!https://evil/x.png!"),
        ("h1. Title", "heading line"),
        ("a *b* c", "phrase *b*"),
        ("a{*}b{*}c", "phrase {*}b{*}"),
        ("x \\{{y}}", "phrase {{y}}"),
        ("note (i)", "(i)"),
        ("a :) b", ":)"),
        ("go https://x", "url https://"),
    ],
)
def test_given_a_naive_writers_output_when_read_then_its_markup_is_found(
    naive_output: str, construct: str
) -> None:
    assert construct in active_constructs(naive_output)


@pytest.mark.parametrize(
    "wiki",
    ["CVE-2024-1234 snake_case", "\\*b\\* \\[x\\]", "&#123;html&#125;", "a &#59;) b", "&#104;1. x"],
)
def test_given_escaped_markup_when_read_then_no_construct(wiki: str) -> None:
    assert active_constructs(wiki) == []


# Arbitrary finding text, with Markdown's own specials escaped so that Markdown asks for nothing


WIKI_FRAGMENTS = [
    *("{html}", "{code}", "{code:java}", "{noformat}", "{quote}", "{panel:title=x}", "{color:red}"),
    *("[link|https://evil]", "[~admin]", "[^file.txt]", "[#anchor]", "||table||", "|cell|"),
    *("!image!", "!https://evil/x.png|width=1!", "h1. ", "h6.", "bq. ", "----", "---", "--"),
    *("* ", "** ", "# ", "#* ", "- ", "*b*", "_i_", "-s-", "+u+", "^p^", "~b~", "??c??", "{{m}}"),
    *("{*}x{*}", "(i)", "(/)", "(x)", "(on)", "(*r)", ":)", ";)", ":P", ":D", "@field@", "@"),
    *("https://x.y/a_b", "mailto:a@b", "file:/etc", "&amp;", "&#123;", "&copy", "&lt;"),
    *("\\", "\\\\", "\\{", "\\*", "\n", "\n", "\n\n", " ", "  ", "\t", "\r\n", "a", "Z", "1"),
    *("é", "日本", "²", "\u200d", "\u2028", "\x0b", "\0", "😀"),
]
finding_text = st.lists(
    st.one_of(st.sampled_from(WIKI_FRAGMENTS), st.text(max_size=4)), max_size=30
).map("".join)

_ASCII_PUNCTUATION = re.compile(r"""[!-/:-@\[-`{-~]""")


def as_plain_markdown(text: str) -> tuple[str, str]:
    """Markdown that asks for nothing, and the text it means: each line without the indent
    Markdown would read as code, every ASCII punctuation character backslash-escaped."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [line.lstrip(" \t") for line in lines]
    markdown = "\n".join(_ASCII_PUNCTUATION.sub(lambda m: "\\" + m.group(), line) for line in lines)
    return markdown, "\n".join(lines).replace("\0", "\ufffd")


@settings(max_examples=500, deadline=None)
@given(finding_text)
@example("{html}<img src=x onerror=alert(1)>{html}\nh1. [link|https://evil] ||table|| !image!")
@example("x\n{code}\n*a* ??b?? (i) :) @f@ https://x \\\\ &copy; --")
def test_given_any_finding_text_when_written_then_jira_makes_nothing_of_it(text: str) -> None:
    markdown, meant = as_plain_markdown(text)

    wiki = markdown_to_wiki(markdown)

    assert active_constructs(wiki) == [], (markdown, wiki)
    assert seen(wiki) == " ".join(meant.split()), (markdown, wiki)
    assert seen(wiki) == adf_seen(markdown_to_adf(markdown)), (markdown, wiki)


# Markdown with styles, code and links around arbitrary text: both writers show the same text


words = st.one_of(
    st.text(st.characters(exclude_characters="\n\r"), min_size=1, max_size=6),
    st.sampled_from([f for f in WIKI_FRAGMENTS if f.strip() and "\n" not in f and "\r" not in f]),
)
# Images Jira shows as they are (`!url!`); `hostile_image_urls` below holds the others too.
IMAGE_URLS = [
    *("https://x.test/i.png", "http://x.test/a/b.svg?x=1&y=2", "https://x.test/badge"),
    *("https://x.test/p_q*r~s+t.GIF", "https://x.test/a-b/c.jpg?f#g", "HTTPS://x.test/%21.webp"),
]
escaped_words = words.map(lambda w: _ASCII_PUNCTUATION.sub(lambda m: "\\" + m.group(), w))
code_spans = st.text(st.characters(exclude_characters="\n\r`"), min_size=1, max_size=6)


@st.composite
def inline_markdown(draw: st.DrawFn, depth: int = 0, breaks: bool = True) -> str:
    pieces = []
    for _ in range(draw(st.integers(1, 4))):
        roll = draw(st.integers(0, 10 if depth < 2 else 3))
        if roll <= 3:
            piece = draw(escaped_words)
        elif roll == 4:
            piece = "`" + draw(code_spans) + "`"
        elif roll == 5:
            piece = "[" + draw(inline_markdown(depth + 1, breaks=False)) + "](https://x.test/"
            piece += draw(st.sampled_from(["a", "a!b", "a|b", "a_b*c", "?q=1&r=2"])) + ")"
        elif roll == 6:
            piece = "![" + draw(escaped_words) + "](" + draw(st.sampled_from(IMAGE_URLS)) + ")"
        else:
            marker = draw(st.sampled_from(["*", "**", "_", "__", "~~", "***"]))
            piece = marker + draw(inline_markdown(depth + 1, breaks)) + marker
        pieces.append(piece)
    separators = ["", " "] + (["\n", "\\\n"] if breaks else [])
    return "".join(piece + draw(st.sampled_from(separators)) for piece in pieces).rstrip("\\")


@st.composite
def styled_markdown(draw: st.DrawFn) -> str:
    blocks = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["paragraph", "heading", "item"]))
        if kind == "paragraph":
            blocks.append(draw(inline_markdown()))
        else:
            prefix = "## " if kind == "heading" else "- "
            blocks.append(prefix + draw(inline_markdown(breaks=False)))
    return "\n\n".join(blocks)


@settings(max_examples=400, deadline=None)
@given(styled_markdown())
@example("a**b**c `x²`d **👩\u200d💻\tdev** [ *x*](https://x.test/a|b)")
@example("**&#32;x&#32;** ~~-y-~~ _snake_case_ x`{{y}}`")
@example("*0_0_* [0\\[ 0](https://x.test/a)\n**\\# 0**0")
def test_given_styled_markdown_when_written_then_wiki_and_adf_show_the_same_text(
    markdown: str,
) -> None:
    wiki = markdown_to_wiki(markdown)

    assert seen(wiki) == adf_seen(markdown_to_adf(markdown)), (markdown, wiki)


# Images whatever their URL: Jira makes an image of `!url!` only where the Markdown asked for one


URL_PIECES = [
    *("a", "Z", "9", ".png", ".PNG", ".swf", ".mov", "/", "?", "#", "&", ";", ":", "@", "=", "%"),
    *("!", "|", "--", "-", "_", "*", "+", "~", "^", "'", "(", ")", "(i)", ":)", ";)", ":P"),
    *("&amp;", "&#33;", "@x@", "{", "}", "[", "]", "\\", "\\!", "é", "😀", "%7C", "%21", ","),
]
hostile_image_urls = st.one_of(
    st.sampled_from(IMAGE_URLS),
    st.builds(
        lambda scheme, path, name: scheme + "x.test/" + path + name,
        st.sampled_from(["https://", "http://", "HTTP://", "ftp://", "mailto:", "", "/"]),
        st.lists(st.sampled_from(URL_PIECES), max_size=3).map("".join),
        st.sampled_from(["", "i.png", "a.svg?x=1", "c.swf", "v.mov"]),
    ),
)


@st.composite
def text_and_images(draw: st.DrawFn) -> tuple[str, list[str]]:
    """Markdown of plain text and images (some in links), and the URLs of its images."""
    pieces, urls = [], []
    for _ in range(draw(st.integers(1, 4))):
        text, _ = as_plain_markdown(draw(finding_text).replace("\n", " ").replace("\r", " "))
        url = draw(hostile_image_urls)
        image = "![" + draw(escaped_words) + "](<" + url.replace(">", "%3E") + ">)"
        if draw(st.booleans()):
            image = "[" + image + "](https://x.test/to)"
        pieces.extend([text, image])
        urls.append(url)
    return " ".join(pieces), urls


@settings(max_examples=400, deadline=None)
@given(text_and_images())
@example(("a ![x](<https://e/a!b.png|width=1>) b", ["https://e/a!b.png|width=1"]))
@example(("![x](<https://e/x.png{html}>) ![y](<https://e/:)--.png>)", []))
def test_given_images_at_any_url_when_written_then_only_the_images_asked_for(
    case: tuple[str, list[str]],
) -> None:
    markdown, _ = case

    wiki = markdown_to_wiki(markdown)
    doc = markdown_to_adf(markdown)

    images = [url for url in _adf_image_urls(doc) if embeddable(url)]
    # A link's target is the link renderer's, read before dashes or emoticons would be.
    found = active_constructs(_without_link_targets(wiki))
    assert [c for c in found if c.startswith("!")] == [f"!{url}!" for url in images], (
        markdown,
        wiki,
    )
    others = [c for c in found if not c.startswith(("!", "link ", "url "))]
    assert others == [], (markdown, wiki)
    for start, end in link_bodies(wiki):
        label, _, target = wiki[start + 1 : end - 1].partition("|")
        assert target.startswith(("https://", "http://", "HTTP://", "ftp://", "mailto:")), wiki
        assert re.fullmatch(r"!https?://[^!|]+!", label, re.I) or "!" not in label, wiki


def _without_link_targets(wiki: str) -> str:
    out, last = [], 0
    for start, end in link_bodies(wiki):
        label = wiki[start + 1 : end - 1].partition("|")[0]
        out.append(wiki[last:start] + "[" + label + "|T]")
        last = end
    return "".join(out) + wiki[last:]


def _adf_image_urls(node: dict[str, Any]) -> Iterator[str]:
    if node["type"] == "media":
        yield node["attrs"]["url"]
    for child in node.get("content", []):
        yield from _adf_image_urls(child)


def test_given_an_image_when_read_then_found_and_its_url_not_linked_again() -> None:
    assert active_constructs("a !https://x/i.png! b") == ["!https://x/i.png!"]
    assert "link [!https://x/i.png!|https://h]" in active_constructs(
        "[!https://x/i.png!|https://h]"
    )
