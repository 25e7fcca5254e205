"""markdown-it's flat token stream as a tree of blocks, built without recursion.

markdown-it's own `SyntaxTreeNode` recurses into inline tokens too, and a line of a few
thousand `*` nests emphasis deeper than Python's recursion limit. Here blocks nest only as deep
as markdown-it's `maxNesting` allows, and inline tokens stay a flat list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markdown_it.token import Token


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
