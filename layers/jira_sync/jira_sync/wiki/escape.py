"""Text as Jira wiki markup that shows exactly that text: nothing in it becomes markup.

Jira renders wiki markup with atlassian-renderer, a chain of components each working on the
output of the one before: macros (``WikiMarkupParser``), line-based blocks (headings, quotes,
rules, lists, tables), links, bare URLs, backslash escapes, HTML escaping (which keeps
entities), dashes, emoticons, images, phrases (``*strong*`` and the like) and line breaks. The
rules below follow those components' patterns, because an escape only helps where the component
that would misread a character honours it:

- ``\\`` becomes ``&#92;``: there is no escape for it, ``\\\\`` is a line break and ``\\x``
  consumes the backslash.
- ``{`` and ``}`` become ``&#123;`` / ``&#125;``: the macro parser honours ``\\{``, but the
  backslash component turns ``\\{`` back into a bare ``{`` before phrases run, where
  ``{{x}}`` (monospace) and ``{*}`` would then form.
- ``|`` becomes ``&#124;``: table rows split on every ``|``, and a link splits its body at the
  first ``|`` whatever precedes it (``GenericLinkParser``).
- ``[`` and ``]`` get a backslash, which the link renderer honours (``[text|url]``, ``[~user]``);
  inside a link's text they become ``&#91;`` / ``&#93;``, as there a space after an escaped
  ``[`` still ends the link (``LinkRendererComponent`` looks at the character, not the escape).
- ``!`` gets a backslash (images, ``!url!``); inside a link's text it becomes ``&#33;``, as the
  link parser counts ``!`` to find images there.
- ``*`` ``_`` ``-`` ``+`` ``^`` ``~`` get a backslash unless they stand between two letters or
  digits of the same text: a phrase opens only after a character that is neither, and closes
  only before one (``PhraseRendererComponent``), so ``CVE-2024-1234`` and ``snake_case`` stay
  readable. Inside a phrase its own delimiter is always escaped: Jira's pattern gives up on a
  phrase whose second character is its closing delimiter, even inside a word. Escaping ``-``
  also keeps ``--`` and ``---`` from becoming dashes and ``----`` from becoming a rule.
- ``?`` gets a backslash when another ``?`` follows (citations, ``??x??``).
- ``@`` gets a backslash where it could open a template field (``@name@``).
- ``(`` gets a backslash before an emoticon's name (``(i)``, ``(x)``, ``(/)``, ``(on)``...);
  ``:`` and ``;`` become ``&#58;`` / ``&#59;`` before ``)``, ``(``, ``P`` or ``D`` (``:)``,
  ``;)``), as the letters have no escape.
- The ``:`` of a URL scheme Jira links by itself (``https://``, ``mailto:``...) becomes
  ``&#58;``: Markdown's bare URLs are text (linkify is off) and stay text, as in ADF.
- ``&`` becomes ``&amp;`` where it would start an entity (Jira keeps ``&name;`` and ``&#n;``).
- At the start of a line (after any spaces, or a phrase's opening ``*``, as ``*# x`` is a
  list item): ``h1.``..``h6.`` and ``bq.`` lose their first letter to an entity
  (``&#104;1.``), and ``#`` gets a backslash (numbered lists); ``*``, ``-`` and ``|`` are
  escaped everywhere already (lists, rules, tables).
- Line separators inside a text become spaces: no line may start where Markdown started none.

Backslash escapes are Jira's own (``BackslashEscapeRendererComponent`` turns ``\\x`` into
the character's numeric entity for ``- # * _ + ? ^ ~ | % { } [ ] ( ) ! @``); entities are used
where a component ahead of it would misread the character anyway. Both show the character.
"""

from __future__ import annotations

import re

# What Jira's `LineWalker` (and Python) would take for the end of a line.
_LINE_SEPARATORS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")

_ENTITIES = {"\\": "&#92;", "{": "&#123;", "}": "&#125;", "|": "&#124;"}
_EFFECTS = frozenset("*_-+^~")

# Each rule marks characters to replace: (pattern, group to replace, replacement).
_ENTITY_START = re.compile(r"&(?=[#A-Za-z0-9][A-Za-z0-9]*;)")
_URL_SCHEME = re.compile(r"(?:https?|ftps?|nntp|news|irc)(:)//|(?:mailto|file)(:)", re.IGNORECASE)
_FACE = re.compile(r"[:;](?=[()PpDd])")
_ICON = re.compile(r"\((?=(?:flagoff|flag|off|on|\*[rgby]?|[ynix/!+?-])\))", re.IGNORECASE)
_TEMPLATE = re.compile(r"@(?=[\w|(),]*(?:@|$))")
_BLOCK_START = re.compile(r"\s*(?:(?P<heading>h)[1-6]\.|(?P<quote>b)q\.|(?P<list>#))", re.I)


def escape(text: str, *, line_start: bool = False, in_link: bool = False, always: str = "") -> str:
    """`text` as wiki markup showing exactly `text`.

    `line_start`: the text begins a line (or a list item, table cell or heading, which Jira
    renders on their own). `in_link`: the text is (part of) a link's label. `always`: phrase
    delimiters to escape even inside a word (those of the phrases the text is in).
    """
    text = _LINE_SEPARATORS.sub(" ", text)
    replaced: dict[int, str] = {}
    for match in _ENTITY_START.finditer(text):
        replaced[match.start()] = "&amp;"
    for match in _URL_SCHEME.finditer(text):
        replaced[match.start(1) if match.group(1) else match.start(2)] = "&#58;"
    for match in _FACE.finditer(text):
        replaced[match.start()] = "&#58;" if match.group() == ":" else "&#59;"
    for match in _ICON.finditer(text):
        replaced[match.start()] = "\\("
    for match in _TEMPLATE.finditer(text):
        replaced[match.start()] = "\\@"
    if line_start and (block := _BLOCK_START.match(text)):
        if block.group("list"):
            replaced[block.start("list")] = "\\#"
        else:
            at = block.start("heading") if block.group("heading") else block.start("quote")
            replaced[at] = f"&#{ord(text[at])};"
    return "".join(
        replaced.get(index) or _escaped(text, index, in_link, always) for index in range(len(text))
    )


# What the renderer's components ahead of images would rewrite inside `!url!`: entities, dashes,
# emoticons and template fields (the rest cannot stand in an embeddable URL: `wiki.inline`).
_BEFORE_IMAGES = (_ENTITY_START, re.compile("--"), _FACE, _ICON, re.compile(r"@[\w|(),]*@"))


def rewritten_before_images(url: str) -> bool:
    """Whether a component Jira runs before images would change something in `url`."""
    return any(pattern.search(url) for pattern in _BEFORE_IMAGES)


def is_word_character(character: str) -> bool:
    """A letter or decimal digit: Jira's `[\\p{L}\\p{Nd}]`, which no phrase may touch."""
    return character.isalpha() or character.isdecimal()


def _escaped(text: str, index: int, in_link: bool, always: str) -> str:
    character = text[index]
    if character in _ENTITIES:
        return _ENTITIES[character]
    if character in "[]!":
        return f"&#{ord(character)};" if in_link else "\\" + character
    if character in _EFFECTS and (character in always or not _inside_word(text, index)):
        return "\\" + character
    if character == "?" and text[index + 1 : index + 2] == "?":
        return "\\?"
    return character


def _inside_word(text: str, index: int) -> bool:
    return (
        0 < index < len(text) - 1
        and is_word_character(text[index - 1])
        and is_word_character(text[index + 1])
    )
