"""How Markdown is read, once for every writer (ADF and wiki markup): markdown-it's
configuration, one rule of our own, and its flat token stream as a tree of blocks.

CommonMark with GFM tables and strikethrough; raw HTML is recognised (so that it can be shown
as typed), bare URLs are not linked. A single line break inside a paragraph is a hard break:
findings are written for renderers that keep line breaks (GitHub's advisories and issues), as
Atlassian's own Markdown transformer does, so version lists and `**Label**: value` lines do not
run together. markdown-it's `breaks` option only changes its HTML renderer, so a core rule turns
the `softbreak` tokens themselves into `hardbreak`s, and no writer ever sees a soft break.

The tree is built without recursion: markdown-it's own `SyntaxTreeNode` recurses into inline
tokens too, and a line of a few thousand `*` nests emphasis deeper than Python's recursion
limit. Here blocks nest only as deep as `maxNesting` allows, and inline tokens stay a flat list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from jira_sync.caching import once


@dataclass(frozen=True, slots=True)
class Block:
    """A block token (the opening one of a pair) and the blocks between it and its close."""

    token: Token
    children: list[Block] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """`paragraph`, `bullet_list`, `fence`, `inline`, … (markdown-it's names)."""
        return self.token.type.removesuffix("_open")

    @property
    def inline(self) -> list[Token]:
        """The inline tokens of a paragraph, heading or table cell, in order."""
        tokens: list[Token] = []
        for child in self.children:
            if child.kind == "inline":
                tokens.extend(child.token.children or [])
        return tokens


def read_markdown(markdown: str) -> list[Block]:
    """The top-level blocks of `markdown`, as every writer reads them."""
    return block_tree(_parser().parse(markdown))


@once
def _parser() -> MarkdownIt:
    # maxNesting as markdown-it's default preset: the commonmark preset's 20 drops deeper content.
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "maxNesting": 100})
    md.enable(["table", "strikethrough"])
    md.core.ruler.push("hard_line_breaks", _hard_line_breaks)
    return md


def _hard_line_breaks(state: StateCore) -> None:
    """Every soft break a hard one, image descriptions included (a stack: images nest)."""
    pending = [token for token in state.tokens if token.type == "inline"]
    while pending:
        for child in pending.pop().children or []:
            if child.type == "softbreak":
                child.type = "hardbreak"
            elif child.children:
                pending.append(child)


def block_tree(tokens: list[Token]) -> list[Block]:
    """The top-level blocks; a stray closing token (never seen) closes nothing."""
    open_blocks: list[Block] = [Block(Token("root", "", 0))]
    for token in tokens:
        if token.nesting == 1:
            block = Block(token)
            open_blocks[-1].children.append(block)
            open_blocks.append(block)
        elif token.nesting == -1:
            if len(open_blocks) > 1:
                open_blocks.pop()
        else:
            open_blocks[-1].children.append(Block(token))
    return open_blocks[0].children
