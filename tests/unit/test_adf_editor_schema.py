"""Every ADF document the writers make is accepted by Atlassian's *editor* schema too: the
ProseMirror schema of `@atlaskit/adf-schema` (`defaultSchema`, what Jira's editor loads), which
refuses more than the JSON schema the emulator checks (a mark another excludes, marks out of
rank, a block where a node's `content` expression has none, a doc without a block).

The real package is loaded in node (`adf_editor_schema.cjs`, one process for the module), from
the repository's node_modules (`make install` runs `npm ci`). Without node, or without npm to
install the package, the module is skipped, as DynamoDB Local is.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from devstack.jira_emulator import adf as jira_adf
from jira_sync.adf.limit import description_doc
from jira_sync.adf.markdown import markdown_to_adf
from jira_sync.adf.plain import plain_text_to_adf
from tests.unit.test_adf_property import markdownish

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("adf_editor_schema.cjs")
PACKAGE = ROOT / "node_modules" / "@atlaskit" / "adf-schema" / "package.json"


class EditorSchema:
    """Atlassian's editor schema and Markdown transformer, behind one node process."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.version = self._answer()["ready"]

    def problem(self, doc: dict[str, Any]) -> str | None:
        """Why the editor's schema refuses `doc`, or None when it accepts it."""
        answer = self._ask({"check": doc})
        return None if answer["problem"] is None else str(answer["problem"])

    def load(self, doc: dict[str, Any]) -> dict[str, Any]:
        """`doc` as the editor holds it (ProseMirror JSON, every attribute at its default)."""
        loaded: dict[str, Any] = self._ask({"load": doc})["doc"]
        return loaded

    def transform(self, markdown: str) -> dict[str, Any]:
        """What `@atlaskit/editor-markdown-transformer` makes of `markdown` (ProseMirror JSON)."""
        doc: dict[str, Any] = self._ask({"transform": markdown})["doc"]
        return doc

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return self._answer()

    def _answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the node checker ended: " + self._stderr())
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer

    def _stderr(self) -> str:
        self.process.kill()
        assert self.process.stderr is not None
        return self.process.stderr.read()


def _unavailable() -> str | None:
    """Why the check cannot run here (None when it can); a missing package with npm at hand is
    a failure, not a skip: `make install` would have installed it."""
    if shutil.which("node") is None:
        return (
            "node is not installed: Atlassian's editor schema (@atlaskit/adf-schema) is unchecked"
        )
    if not PACKAGE.is_file():
        if shutil.which("npm") is None:
            return "npm is not installed: @atlaskit/adf-schema cannot be installed, nor checked"
        pytest.fail(f"{PACKAGE.parent} is missing: run `make install` (npm ci)")
    return None


@pytest.fixture(scope="module")
def editor() -> Iterator[EditorSchema]:
    reason = _unavailable()
    if reason is not None:
        pytest.skip(reason)
    node = shutil.which("node")
    assert node is not None
    process = subprocess.Popen(
        [node, str(SCRIPT)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    try:
        yield EditorSchema(process)
    finally:
        if process.stdin is not None:
            process.stdin.close()
        process.wait(timeout=10)


def _text(value: str, *marks: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": value}
    if marks:
        node["marks"] = list(marks)
    return node


def _doc(*content: dict[str, Any]) -> dict[str, Any]:
    return {"type": "doc", "version": 1, "content": list(content)}


def _paragraph(*content: dict[str, Any]) -> dict[str, Any]:
    return {"type": "paragraph", "content": list(content)}


LINK = {"type": "link", "attrs": {"href": "https://example.com"}}
CODE = {"type": "code"}
EM = {"type": "em"}
MEDIA: dict[str, Any] = {"type": "media", "attrs": {"type": "external", "url": "https://x.test/i"}}
MEDIA_SINGLE: dict[str, Any] = {
    "type": "mediaSingle",
    "attrs": {"layout": "center"},
    "content": [MEDIA],
}


# The checker finds what the writers used to make (and what the JSON schema lets through)


@pytest.mark.parametrize(
    ("doc", "refusal", "json_schema_takes_it"),
    [
        (_doc(_paragraph(_text("x", LINK, CODE))), "Invalid collection of marks", True),
        (_doc(_paragraph(_text("x", CODE, LINK))), "Invalid collection of marks", True),
        (_doc(), "Invalid content for node doc", True),
        (_doc(_paragraph(_text("x", EM, CODE))), "Invalid collection of marks", False),
        (_doc(_paragraph(MEDIA_SINGLE)), "Invalid content for node paragraph", False),
        (_doc({"type": "codeBlock", "content": [_text("x", EM)]}), "Invalid content", False),
    ],
)
def test_given_a_document_the_editor_refuses_when_checked_then_refused(
    editor: EditorSchema, doc: dict[str, Any], refusal: str, json_schema_takes_it: bool
) -> None:
    assert (jira_adf.problem(doc) is None) is json_schema_takes_it
    assert refusal in (editor.problem(doc) or ""), editor.version


def test_given_the_writers_shapes_when_checked_then_accepted(editor: EditorSchema) -> None:
    doc = _doc(
        _paragraph(_text("x", LINK, EM, {"type": "strong"}, {"type": "strike"})),
        _paragraph(_text("y", CODE)),
        {**MEDIA_SINGLE, "content": [{**MEDIA, "marks": [LINK]}]},
    )

    assert editor.problem(doc) is None


# Every construct the Markdown writer knows, alone and where it is reshaped (items, quotes, cells)

INLINE = [
    "plain *em* **strong** ***both*** ~~strike~~ `code` **`code in strong`** _~~`all`~~_",
    "[link](https://example.com) [**strong link**](https://x.test) [`code link`](https://x.test)",
    '[a `b` c](https://x.test "title") <https://x.test/auto> <sec@example.com> [tel](tel:+1)',
    "[rel](rel.md) [x](javascript:alert(1)) https://bare.test <b>html</b> &amp; &#0; \\* \\`",
    "line one\nline two  \nline three\\\nfour",
    "an ![image](https://x.test/i.png) inline, ![](http://x.test/no-alt.png) and ![rel](rel.png)",
    "![*styled* `alt`](https://x.test/s.png 'title') **around ![i](https://x.test/b.png) it**",
    "[![badge](https://img.test/b.svg)](https://ci.test) [see ![i](https://x.test/i.png) here](https://x.test)",
    "![outer ![inner](https://x.test/in.png)](https://x.test/out.png) ![ftp](ftp://x.test/i.png)",
    "![a](https://x.test/a.png)\n![b](https://x.test/b.png)",
    "`[x](https://x.test)` [`a` *b* `c`](mailto:a@b.c)",
]
BLOCKS = [
    *INLINE,
    *(f"{'#' * level} Heading {level} *em* `code` [l](https://x.test)" for level in range(1, 7)),
    "# ![only an image](https://x.test/h.png)",
    "## before ![i](https://x.test/h.png) after",
    "Setext\n===",
    "```python\nprint('*x*')\n```",
    "```\n```",
    "    indented code",
    "~~~ js title=x\n1\n~~~",
    "---",
    "<div>\n*html block*\n</div>",
    "| a | ![h](https://x.test/h.png) | c |\n|:-|:-:|-:|\n"
    "| `1` | x ![i](https://x.test/i.png) y | |",
    "| only |\n|---|",
]
CONTAINED = [
    *(f"- {block}" for block in INLINE),
    "- a\n- b\n  - c\n    1. d\n\n       e",
    "3. three\n4. four",
    "0. zero",
    "- - nested first",
    "-\n- empty item",
    "- # heading in item\n- ---\n- ```\n  code\n  ```",
    "- > quote in item\n  > ![i](https://x.test/q.png)",
    "- | a | b |\n  |---|---|\n  | ![i](https://x.test/t.png) | 2 |",
    "- ![first](https://x.test/f.png)\n\n  then text",
    "> quote *em*\n>\n> > nested quote\n>\n> # heading\n>\n> ---\n>\n"
    "> - list\n>\n> ```\n> code\n> ```",
    "> | a |\n> |---|\n> | x ![i](https://x.test/i.png) y |",
    "> ![i](https://x.test/q.png)",
    ">",
]
CORPUS = [*BLOCKS, *CONTAINED, "\n\n".join(BLOCKS + CONTAINED), "", "   \n\n", "\0"]


@pytest.mark.parametrize("markdown", CORPUS)
def test_given_markdown_of_every_construct_when_converted_then_both_schemas_accept_it(
    editor: EditorSchema, markdown: str
) -> None:
    for doc in (markdown_to_adf(markdown), markdown_to_adf(markdown, "Synced · 1")):
        assert jira_adf.problem(doc) is None, (markdown, doc)
        assert editor.problem(doc) is None, (markdown, doc, editor.version)


@pytest.mark.parametrize(
    "value", ["", "a\nb\n\n  \nc", "*not markdown* ![i](https://x.test/i.png)"]
)
def test_given_plain_text_when_converted_then_the_editor_accepts_it(
    editor: EditorSchema, value: str
) -> None:
    assert editor.problem(plain_text_to_adf(value)) is None


@pytest.mark.parametrize("limit", [400, 1_000, 32_767])
def test_given_a_description_cut_to_jiras_limit_when_converted_then_the_editor_accepts_it(
    editor: EditorSchema, limit: int
) -> None:
    markdown = "\n\n".join(BLOCKS * 3)

    doc, _ = description_doc(markdown, "Synced · 1", limit)

    assert jira_adf.problem(doc) is None
    assert editor.problem(doc) is None


# Images are what Atlassian's own Markdown transformer makes of them


def _media_singles(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if node["type"] == "mediaSingle":
        yield node
    for child in node.get("content", []):
        yield from _media_singles(child)


@pytest.mark.parametrize(
    "markdown",
    [
        "![alt](https://x.test/i.png)",
        "before ![the alt](http://x.test/a/b.png?x=1&y=2) after",
        "- item ![a](https://x.test/i.png) text",
        "> quote ![a](https://x.test/i.png)",
        "| h |\n|---|\n| cell ![a](https://x.test/i.png) |",
    ],
)
def test_given_an_image_when_converted_then_the_media_atlassians_transformer_makes(
    editor: EditorSchema, markdown: str
) -> None:
    ours = editor.load(markdown_to_adf(markdown))
    theirs = editor.transform(markdown)

    assert list(_media_singles(theirs)), theirs
    assert list(_media_singles(ours)) == list(_media_singles(theirs))


# Whatever Markdown-ish text comes in


@settings(max_examples=300, deadline=None)
@given(markdown=markdownish)
def test_given_any_markdownish_text_when_converted_then_the_editor_accepts_it(
    editor: EditorSchema, markdown: str
) -> None:
    doc = markdown_to_adf(markdown)

    assert editor.problem(doc) is None, (markdown, doc)
