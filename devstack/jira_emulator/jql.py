"""A small JQL: parser and evaluator for the subset the project's callers and webhook filters use.

Supported: `field = value`, `!=`, `IN (..)`, `NOT IN (..)`, `IS [NOT] EMPTY`, `AND`, `OR`, `NOT`,
parentheses, `ORDER BY f [ASC|DESC], ...`, quoted ("..", '..') and bare values, keywords in any
case, and `created` / `updated` compared (`=`, `!=`, `<`, `<=`, `>`, `>=`) with a date: relative to
now (`"-15m"`, `"-4w 2d"`; units w, d, h, m, minutes by default), absolute (`"yyyy/MM/dd HH:mm"`,
`"yyyy-MM-dd HH:mm"`, `"yyyy/MM/dd"`, `"yyyy-MM-dd"`, in the searcher's time zone) or a bare
number (milliseconds since the epoch) — Atlassian's "JQL date time formats". Anything else is a
`JqlError` worded like Jira's.

`issue.property[key].path` clauses are refused as Jira refuses them for a property no app has
declared for indexing (Forge `jira:entityProperty`, Connect's Entity Property module, a Data
Center plugin's `index-document-configuration`): "Field '...' does not exist or you do not have
permission to view it." The emulator runs no apps, so no property is ever indexed.

The evaluator does not know the emulator's data model: it matches a `Document` (field name ->
candidate string values, and the issue's timestamps), so the same code serves the searches and
the webhook filter.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

FIELD_ALIASES = {
    "issuekey": "key",
    "type": "issuetype",
    "component": "components",
    "createddate": "created",
    "updateddate": "updated",
}
FIELDS = frozenset(
    {
        "key", "id", "project", "labels", "status", "statuscategory", "issuetype", "priority",
        "resolution", "assignee", "reporter", "components", "duedate", "summary", "created",
        "updated",
    }
)  # fmt: skip
# Date-time fields: compared as moments, with the ordering operators too.
DATE_FIELDS = frozenset({"created", "updated"})
ORDERING = frozenset({"<", ">", "<=", ">="})
ORDERABLE = frozenset({"key", "id", "created", "updated", "priority", "status", "duedate"})
_PROPERTY = re.compile(r"issue\.property\[([^\]]+)\]((?:\.[^\s=!()<>~,]+)?)", re.IGNORECASE)
_RELATIVE = re.compile(r"([-+]?)\s*((?:\d+\s*[wdhm]?\s*)+)", re.IGNORECASE)
_RELATIVE_PART = re.compile(r"(\d+)\s*([wdhm]?)", re.IGNORECASE)
_UNIT_MINUTES = {"w": 7 * 24 * 60, "d": 24 * 60, "h": 60, "m": 1, "": 1}
_ABSOLUTE = ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>!=|<=|>=|!~|[=<>~(),])
      | (?P<word>[^\s=!<>~(),"']+)
    )""",
    re.VERBOSE,
)


class JqlError(ValueError):
    """The query cannot be parsed or names something that does not exist (Jira answers 400)."""


@dataclass(frozen=True)
class Token:
    kind: str  # "string", "op", "word", "property"
    text: str
    position: int

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.lower() in words


@dataclass(frozen=True)
class Clause:
    field: str  # canonical field name
    operator: str  # "=", "!=", "in", "not in", "is", "is not"; dates also "<", "<=", ">", ">="
    values: tuple[str | None, ...]  # None stands for EMPTY/NULL
    # For a date field: each value as the moment it names (None for EMPTY).
    moments: tuple[datetime | None, ...] = ()


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class And:
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Node, ...]


Node = Clause | Not | And | Or


@dataclass(frozen=True)
class Document:
    """What a JQL clause can see of one issue.

    `values` maps a canonical field name to its values, lower-cased (a project appears as its
    key, id and name; an empty field maps to an empty list). `times` maps a date field
    (`created`, `updated`) to its moment.
    """

    values: Mapping[str, Sequence[str]]
    times: Mapping[str, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class Query:
    where: Node | None
    order_by: tuple[tuple[str, bool], ...] = ()  # (field, descending)

    def matches(self, doc: Document) -> bool:
        return True if self.where is None else _evaluate(self.where, doc)

    def clauses(self) -> list[Clause]:
        found: list[Clause] = []

        def walk(node: Node | None) -> None:
            if isinstance(node, Clause):
                found.append(node)
            elif isinstance(node, Not):
                walk(node.operand)
            elif isinstance(node, And | Or):
                for child in node.operands:
                    walk(child)

        walk(self.where)
        return found


def _no_field(name: str) -> str:
    return f"Field '{name}' does not exist or you do not have permission to view it."


def _error(message: str, token: Token | None, jql: str) -> JqlError:
    position = (token.position if token else len(jql)) + 1
    return JqlError(f"Error in the JQL Query: {message} (line 1, character {position})")


def tokenize(jql: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(jql):
        if jql[position:].strip() == "":
            break
        start = position + len(jql[position:]) - len(jql[position:].lstrip())
        prop = _PROPERTY.match(jql, start)
        if prop:
            tokens.append(Token("property", prop.group(0), start))
            position = prop.end()
            continue
        found = _TOKEN.match(jql, position)
        if found is None or found.lastgroup is None:
            raise _error(
                f"The character '{jql[start]}' is a reserved JQL character.",
                Token("op", "", start),
                jql,
            )
        text = found.group(found.lastgroup)
        if found.lastgroup == "string":
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        tokens.append(Token(found.lastgroup, text, found.start(found.lastgroup)))
        position = found.end()
    return tokens


class _Parser:
    def __init__(self, jql: str, now: datetime, zone: tzinfo) -> None:
        self.jql = jql
        self.tokens = tokenize(jql)
        self.index = 0
        self.now = now
        self.zone = zone

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise _error("Expecting more input but reached the end of the query.", None, self.jql)
        self.index += 1
        return token

    def parse(self) -> Query:
        where: Node | None = None
        token = self.peek()
        if token is not None and not token.is_word("order"):
            where = self.or_expr()
        order = self.order_by()
        extra = self.peek()
        if extra is not None:
            raise _error(f"Expecting either 'OR' or 'AND' but got '{extra.text}'.", extra, self.jql)
        return Query(where, order)

    def or_expr(self) -> Node:
        operands = [self.and_expr()]
        while (token := self.peek()) is not None and token.is_word("or"):
            self.take()
            operands.append(self.and_expr())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def and_expr(self) -> Node:
        operands = [self.not_expr()]
        while (token := self.peek()) is not None and token.is_word("and"):
            self.take()
            operands.append(self.not_expr())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def not_expr(self) -> Node:
        token = self.take()
        if token.is_word("not"):
            return Not(self.not_expr())
        if token.kind == "op" and token.text == "(":
            inner = self.or_expr()
            closing = self.take()
            if closing.text != ")":
                raise _error(f"Expecting ')' but got '{closing.text}'.", closing, self.jql)
            return inner
        return self.clause(token)

    def clause(self, token: Token) -> Clause:
        if token.kind == "property":
            # Jira knows a property only once an app declared it for indexing; none here did.
            raise JqlError(_no_field(token.text))
        if token.kind not in {"word", "string"}:
            raise _error(f"Expecting a field name but got '{token.text}'.", token, self.jql)
        name = FIELD_ALIASES.get(token.text.lower(), token.text.lower())
        if name not in FIELDS:
            raise JqlError(_no_field(token.text))
        operator = self.operator()
        if operator in ORDERING and name not in DATE_FIELDS:
            raise JqlError(
                f"The operator '{operator}' is not supported by the '{token.text}' field."
            )
        if operator in {"in", "not in"}:
            values = self.value_list(name)
        elif operator in {"is", "is not"}:
            word = self.take()
            if not word.is_word("empty", "null"):
                raise _error(f"Expecting 'EMPTY' or 'NULL' but got '{word.text}'.", word, self.jql)
            values = ((None, None),)
        else:
            values = (self.value(name),)
        moments = tuple(moment for _, moment in values) if name in DATE_FIELDS else ()
        return Clause(name, operator, tuple(text for text, _ in values), moments)

    def operator(self) -> str:
        token = self.take()
        if token.kind == "op" and token.text in {"=", "!=", *ORDERING}:
            return token.text
        if token.is_word("in"):
            return "in"
        if token.is_word("is"):
            following = self.peek()
            if following is not None and following.is_word("not"):
                self.take()
                return "is not"
            return "is"
        if token.is_word("not"):
            following = self.take()
            if following.is_word("in"):
                return "not in"
            token = following
        if token.kind == "op" and token.text in {"~", "!~"}:
            raise _error(
                f"The operator '{token.text}' is not supported by this emulator.", token, self.jql
            )
        raise _error(
            f"Expecting operator but got '{token.text}'. The valid operators are '=', '!=', "
            "'<', '>', '<=', '>=', 'IN', 'NOT IN', 'IS' and 'IS NOT'.",
            token,
            self.jql,
        )

    def value(self, name: str) -> tuple[str | None, datetime | None]:
        """One value, and for a date field the moment it names."""
        token = self.take()
        text: str | None
        if token.kind == "string":
            text = token.text
        elif token.kind == "word":
            if token.is_word("and", "or", "not", "order", "in", "is"):
                raise _error(
                    f"Expecting either a value, list or function but got '{token.text}'.",
                    token,
                    self.jql,
                )
            text = None if token.is_word("empty", "null") else token.text
        else:
            raise _error(
                f"Expecting either a value, list or function but got '{token.text}'.",
                token,
                self.jql,
            )
        if text is None or name not in DATE_FIELDS:
            return text, None
        return text, self.moment(name, text, quoted=token.kind == "string")

    def moment(self, name: str, text: str, *, quoted: bool) -> datetime:
        """A JQL date value: relative to now, absolute in the searcher's zone, or epoch ms."""
        stripped = text.strip()
        if stripped.isdigit() and not quoted:
            return datetime.fromtimestamp(int(stripped) / 1000, UTC)
        relative = _RELATIVE.fullmatch(stripped)
        if relative is not None:
            minutes = sum(
                int(number) * _UNIT_MINUTES[unit.lower()]
                for number, unit in _RELATIVE_PART.findall(relative.group(2))
            )
            sign = -1 if relative.group(1) == "-" else 1
            return self.now + timedelta(minutes=sign * minutes)
        for layout in _ABSOLUTE:
            try:
                return datetime.strptime(stripped, layout).replace(tzinfo=self.zone)
            except ValueError:
                continue
        raise JqlError(
            f"Date value '{text}' for field '{name}' is invalid. Valid formats include: "
            "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period "
            "format e.g. '-5d', '4w 2d'."
        )

    def value_list(self, name: str) -> tuple[tuple[str | None, datetime | None], ...]:
        opening = self.take()
        if opening.text != "(" or opening.kind != "op":
            raise _error(f"Expecting '(' but got '{opening.text}'.", opening, self.jql)
        values = [self.value(name)]
        while (token := self.take()).text == "," and token.kind == "op":
            values.append(self.value(name))
        if token.text != ")":
            raise _error(f"Expecting ')' but got '{token.text}'.", token, self.jql)
        return tuple(values)

    def order_by(self) -> tuple[tuple[str, bool], ...]:
        token = self.peek()
        if token is None or not token.is_word("order"):
            return ()
        self.take()
        by = self.take()
        if not by.is_word("by"):
            raise _error(f"Expecting 'by' but got '{by.text}'.", by, self.jql)
        order: list[tuple[str, bool]] = []
        while True:
            name_token = self.take()
            name = FIELD_ALIASES.get(name_token.text.lower(), name_token.text.lower())
            if name not in ORDERABLE:
                raise JqlError(_no_field(name_token.text))
            descending = False
            following = self.peek()
            if following is not None and following.is_word("asc", "desc"):
                descending = self.take().text.lower() == "desc"
            order.append((name, descending))
            following = self.peek()
            if following is None or following.text != ",":
                return tuple(order)
            self.take()


def parse(jql: str, *, now: datetime | None = None, zone: tzinfo = UTC) -> Query:
    """Parse a JQL string; raises JqlError with a Jira-like message. Relative dates count from
    `now` (the current time by default); absolute ones are read in `zone`."""
    return _Parser(jql, now or datetime.now(UTC), zone).parse()


def _compare_moments(clause: Clause, have: datetime | None) -> bool:
    wanted = [moment for moment in clause.moments if moment is not None]
    if clause.operator == "is":
        return have is None
    if clause.operator == "is not":
        return have is not None
    if have is None:
        return False
    tests: dict[str, Callable[[datetime], bool]] = {
        "=": lambda moment: have == moment,
        "in": lambda moment: have == moment,
        "<": lambda moment: have < moment,
        "<=": lambda moment: have <= moment,
        ">": lambda moment: have > moment,
        ">=": lambda moment: have >= moment,
    }
    if clause.operator in {"!=", "not in"}:
        return all(have != moment for moment in wanted)
    return any(tests[clause.operator](moment) for moment in wanted)


def _evaluate(node: Node, doc: Document) -> bool:
    if isinstance(node, And):
        return all(_evaluate(child, doc) for child in node.operands)
    if isinstance(node, Or):
        return any(_evaluate(child, doc) for child in node.operands)
    if isinstance(node, Not):
        return not _evaluate(node.operand, doc)
    if node.field in DATE_FIELDS:
        return _compare_moments(node, doc.times.get(node.field))
    have = [v.lower() for v in doc.values.get(node.field, ())]
    wanted = [v.lower() for v in node.values if v is not None]
    empty_wanted = None in node.values
    hit = any(v in have for v in wanted) or (empty_wanted and not have)
    tests: dict[str, Callable[[], bool]] = {
        "=": lambda: hit,
        "in": lambda: hit,
        "is": lambda: not have,
        "is not": lambda: bool(have),
        "!=": lambda: bool(have) and not hit,
        "not in": lambda: bool(have) and not hit,
    }
    return tests[node.operator]()


def matches(jql: str, doc: Document) -> bool:
    """Whether one issue matches `jql` (raises JqlError when the query is invalid)."""
    return parse(jql).matches(doc)
