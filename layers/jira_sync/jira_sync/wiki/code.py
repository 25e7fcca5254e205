"""Code blocks as ``{code:language}`` or ``{noformat}``, which nothing inside can close early.

Inside either macro the text is literal, all but the tag that ends it: Jira's macro parser ends
a macro at the first ``{name}`` (no parameters) after its start, whatever stands in between, and
reads ``\\``, a line feed or a carriage return as escaping the next character of a tag, so
``{co\\de}`` ends ``{code}`` too (``WikiMarkupParser.findEndTagOffset``, ``MacroTag``). The same
holds for a ``{quote}`` around the block. So the code goes into whichever macro it cannot end;
when it holds both ends, it is split into several blocks, each cut just after the ``{`` of the
tag that would end it.

A language Jira's code macro does not know makes it print an error above the code, so only the
languages it formats get ``{code:...}`` (the list Atlassian's own ADF-to-wiki transformer uses);
any other, or none, gets ``{noformat}``, plain preformatted text.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

LANGUAGES = frozenset(
    {
        *("actionscript", "ada", "applescript", "bash", "c", "c#", "c++", "cpp", "css"),
        *("erlang", "go", "groovy", "haskell", "html", "java", "javascript", "js", "json"),
        *("lua", "none", "nyan", "objc", "perl", "php", "python", "r", "rainbow", "ruby"),
        *("scala", "sh", "sql", "swift", "visualbasic", "xml", "yaml"),
    }
)


def code_block(code: str, language: str | None = None, around: Collection[str] = ()) -> str:
    """`code` as one or more code macros; `around` names the macros it sits in (``quote``)."""
    known = language.lower() if language and language.lower() in LANGUAGES else None
    kinds = ("code", "noformat") if known else ("noformat", "code")
    blocks = []
    for kind, piece in _pieces(code, kinds, frozenset(name.lower() for name in around)):
        opening = "{noformat}" if kind == "noformat" else "{code:" + (known or "none") + "}"
        closing = "{" + kind + "}"
        blocks.append(f"{opening}\n{piece}\n{closing}" if piece else f"{opening}\n{closing}")
    return "\n".join(blocks)


def _pieces(code: str, kinds: tuple[str, str], around: frozenset[str]) -> Iterator[tuple[str, str]]:
    """Consecutive pieces of `code`, each with the macro that holds it; the preferred kind first.

    Each piece runs as far as one of the kinds allows, up to and including the ``{`` of the
    first tag that would end it (a lone ``{`` before a line feed ends nothing).
    """
    start = 0
    while True:
        ends = [(_first_end(code, start, around | {kind}), kind) for kind in kinds]
        whole = next((kind for end, kind in ends if end is None), None)
        if whole is not None:
            yield whole, code[start:]
            return
        # The farthest end; on a tie, the preferred kind (max keeps the first).
        stop, kind = max(((end or 0, kind) for end, kind in ends), key=lambda pair: pair[0])
        yield kind, code[start : stop + 1]
        start = stop + 1


def _first_end(code: str, start: int, names: frozenset[str]) -> int | None:
    """Where the first tag ending one of `names` begins, scanning as Jira's macro parser does."""
    escaped = False
    for index in range(start, len(code)):
        character = code[index]
        if escaped:
            escaped = False
        elif character == "\\":
            escaped = True
        elif character == "{" and _ending_tag(code, index) in names:
            return index
    return None


# Longer than any tag that ends what we write (`noformat`, with escapes): no need to read on.
_LONGEST_TAG = 20


def _ending_tag(code: str, start: int) -> str | None:
    """The name of the parameterless tag ``{name}`` at `start`, lower-cased, if there is one."""
    name: list[str] = []
    parameters = False  # after the first `:`; any parameter at all makes it no ending tag
    escape_next = False
    for character in code[start + 1 : start + _LONGEST_TAG]:
        if escape_next:
            escape_next = False
        elif character == "}":
            return "".join(name).lower()
        elif character in "\\\n\r":
            escape_next = True
            continue
        elif character == "{":
            return None
        elif character == ":" and not parameters:
            parameters = True
            continue
        if parameters:
            return None
        name.append(character)
    return None
