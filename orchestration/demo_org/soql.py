"""SOQL for the demo org: a tokenizer, a recursive-descent parser and a compiler to DuckDB SQL.

The emulator answers the REST and Bulk query endpoints by compiling the caller's SOQL to one DuckDB
statement over the per-sObject views. Two things matter more than breadth of syntax:

* Fidelity where the pipeline can tell the difference: Salesforce's error codes and message shapes
  (query echo, caret, ``ERROR at Row:r:Column:c``), its type rules for filter values, its two-valued
  null logic (``Type != 'x'`` matches records whose Type is null), case-insensitive text comparisons,
  date literals such as ``LAST_N_DAYS:30`` and 15- versus 18-character ids.
* Safety: every literal value travels in ``params``; only identifiers taken from the schema (never
  from the query text) are written into the SQL, always double-quoted.

The supported subset is SELECT with plain fields, parent-relationship paths and ``COUNT()``, WHERE
with comparisons, LIKE, IN / NOT IN, AND / OR / NOT, ORDER BY, LIMIT and OFFSET. Anything else
Salesforce accepts (GROUP BY, aggregates, child subqueries, semi-joins, TYPEOF, WITH, FOR UPDATE,
FIELDS(...), ...) is refused with MALFORMED_QUERY rather than answered wrongly.

Parsing is cached per query text (the parse tree is immutable and independent of schema and clock), so
repeated queries, such as the pages of one export, cost only the compile step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache

from orchestration.demo_org.errors import ApiError
from orchestration.demo_org.schema import NUMBER_TYPES, TEXT_TYPES, Field, OrgSchema, SObject
from orchestration.salesforce.ids import is_valid_id, to_18

__all__ = ["CompiledQuery", "SelectedField", "compile_soql"]


# ---------------------------------------------------------------------------------------------
# Public result types
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SelectedField:
    path: tuple[str, ...]  # canonical-case relationship names then the field name
    label: str  # ".".join(path): the Bulk API CSV header
    field: Field  # the resolved leaf field; may be a compound address field
    owners: tuple[SObject, ...]  # the sObject of each hop: [0] is queried, [-1] owns the leaf
    alias: str  # the column alias of this field in the compiled SELECT ("c0", "c1", ...)


@dataclass(frozen=True)
class CompiledQuery:
    sobject: SObject
    fields: tuple[SelectedField, ...]  # empty for SELECT COUNT()
    is_count: bool
    sql: str  # DuckDB SQL with ? placeholders
    params: tuple  # positional parameters for the placeholders
    limit: int | None
    offset: int | None
    # Hidden columns holding each selected parent's Id, by relationship path: REST nests parents as
    # objects with their own URL, and a missing parent must come back as null, not as an object of nulls.
    parent_ids: tuple[tuple[tuple[str, ...], str], ...] = ()


def compile_soql(
    soql: str, schema: OrgSchema, *, include_deleted: bool, now: datetime | None = None
) -> CompiledQuery:
    """Compile one SOQL query against ``schema``; raises ApiError exactly where Salesforce would.

    ``include_deleted`` is True for queryAll (deleted rows stay visible); ``now`` (UTC, naive) anchors
    date literals such as TODAY and defaults to the current time.
    """
    if now is None:
        now = datetime.now(UTC).replace(tzinfo=None)
    query = _parse(soql)
    return _Compiler(soql, schema, now.date()).compile(query, include_deleted)


# ---------------------------------------------------------------------------------------------
# Errors: Salesforce echoes the query, points a caret at the offending token and names its position.
# ---------------------------------------------------------------------------------------------


def _located(soql: str, pos: int, explanation: str) -> str:
    """The ``\\n<query>\\n   ^\\nERROR at Row:r:Column:c\\n<explanation>`` shape of query errors.

    The echo runs up to the end of the offending line so that the caret sits directly under it;
    tabs are kept in the caret line so that it lines up with the echoed text.
    """
    line_start = soql.rfind("\n", 0, pos) + 1
    line_end = soql.find("\n", pos)
    echo = soql if line_end == -1 else soql[:line_end]
    row = soql.count("\n", 0, pos) + 1
    column = pos - line_start + 1
    pad = "".join("\t" if char == "\t" else " " for char in soql[line_start:pos])
    return f"\n{echo}\n{pad}^\nERROR at Row:{row}:Column:{column}\n{explanation}"


def _error(soql: str, pos: int, code: str, explanation: str) -> ApiError:
    return ApiError(400, code, _located(soql, pos, explanation))


def _malformed(soql: str, pos: int, explanation: str) -> ApiError:
    return _error(soql, pos, "MALFORMED_QUERY", explanation)


# ---------------------------------------------------------------------------------------------
# Tokenizer
# ---------------------------------------------------------------------------------------------

# One alternation, tried in order: datetimes before dates before numbers, so that 2024-01-31 is a
# date rather than the number 2024. Dotted names (Account.Parent.Name) are one token: a field path.
_TOKEN_RE = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2}))
    | (?P<date>\d{4}-\d{2}-\d{2})
    | (?P<number>[+-]?(?:\d+(?:\.\d+)?|\.\d+))
    | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    | (?P<string>'(?:[^'\\]|\\.)*')
    | (?P<op><=|>=|!=|<>|[=<>(),:])
    """,
    re.VERBOSE | re.DOTALL | re.ASCII,
)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # ident, string, number, date, datetime, op, eof
    text: str  # the source text
    pos: int  # offset of the first character in the query
    upper: str  # text.upper(), for case-insensitive keyword tests


def _tokenize(soql: str) -> list[_Token]:
    """Split the query into tokens; whitespace is dropped, anything unrecognised is an error."""
    tokens: list[_Token] = []
    pos, end, match = 0, len(soql), _TOKEN_RE.match
    while pos < end:
        found = match(soql, pos)
        if found is None:
            if soql[pos] == "'":
                raise _malformed(soql, pos, "unterminated string: mismatched character '<EOF>' expecting '''")
            raise _malformed(soql, pos, f"unexpected token: '{soql[pos]}'")
        kind = found.lastgroup
        if kind != "ws":
            text = found.group()
            tokens.append(_Token(kind, text, pos, text.upper()))
        pos = found.end()
    tokens.append(_Token("eof", "<EOF>", end, "<EOF>"))
    return tokens


# ---------------------------------------------------------------------------------------------
# Parse tree: immutable, so that parses can be cached and shared between threads.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Path:
    parts: tuple[str, ...]  # as written: relationship names then the field name
    pos: int


@dataclass(frozen=True, slots=True)
class _Value:
    kind: str  # string, number, boolean, null, date, datetime, dateliteral
    value: object  # str, int | Decimal, bool, None, date, datetime (naive UTC), (NAME, n | None)
    pos: int


@dataclass(frozen=True, slots=True)
class _Comparison:
    path: _Path
    op: str  # =, !=, <, <=, >, >=, LIKE, IN, NOT IN
    values: tuple[_Value, ...]


@dataclass(frozen=True, slots=True)
class _Logical:
    op: str  # AND, OR, NOT
    operands: tuple[_Comparison | _Logical, ...]


@dataclass(frozen=True, slots=True)
class _OrderItem:
    path: _Path
    descending: bool
    nulls_first: bool


@dataclass(frozen=True, slots=True)
class _Query:
    fields: tuple[_Path, ...]
    is_count: bool
    sobject: str
    sobject_pos: int
    where: _Comparison | _Logical | None
    order_by: tuple[_OrderItem, ...]
    limit: int | None
    offset: int | None


# Words that cannot name a field (Salesforce's reserved SOQL keywords).
_RESERVED = frozenset({
    "AND", "ASC", "DESC", "EXCLUDES", "FIRST", "FROM", "GROUP", "HAVING", "IN", "INCLUDES", "LAST",
    "LIKE", "LIMIT", "NOT", "NULL", "NULLS", "OR", "SELECT", "WHERE", "WITH",
})
_COMPARISON_OPS = {"=": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

# Date literals: fixed ones and those taking ":n". Others Salesforce knows (weeks, quarters, fiscal
# periods) depend on locale and fiscal settings the demo org does not model, so they are refused.
_FIXED_DATE_LITERALS = frozenset({
    "TODAY", "YESTERDAY", "TOMORROW", "LAST_90_DAYS", "NEXT_90_DAYS", "THIS_MONTH", "LAST_MONTH",
    "NEXT_MONTH", "THIS_YEAR", "LAST_YEAR", "NEXT_YEAR",
})
_N_DATE_LITERALS = frozenset({"LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO"})
_OTHER_DATE_LITERAL = re.compile(r"^(?:(?:LAST|THIS|NEXT)_\w+|\w+_AGO)$")

_MAX_INT = 2**31 - 1
_MAX_NESTING = 100
_STRING_ESCAPES = {
    "n": "\n", "N": "\n", "r": "\r", "R": "\r", "t": "\t", "T": "\t", "b": "\b", "B": "\b",
    "f": "\f", "F": "\f", '"': '"', "'": "'", "\\": "\\",
}


def _number(text: str) -> int | Decimal:
    """An integer when it fits DuckDB's BIGINT, otherwise a Decimal (which DuckDB binds as a number too)."""
    if "." in text:
        return Decimal(text)
    value = int(text)
    return value if -(2**63) <= value < 2**63 else Decimal(text)


@lru_cache(maxsize=4096)
def _parse(soql: str) -> _Query:
    return _Parser(soql).query()


class _Parser:
    """Recursive descent over the token list; one method per grammar rule."""

    def __init__(self, soql: str) -> None:
        self.soql = soql
        self.tokens = _tokenize(soql)
        self.index = 0
        self.depth = 0  # parenthesis nesting, bounded so that hostile input cannot exhaust the stack

    # -- token helpers ------------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        if token.kind != "eof":
            self.index += 1
        return token

    def at(self, *words: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token.kind == "ident" and token.upper in words

    def at_op(self, op: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token.kind == "op" and token.text == op

    def expect_word(self, word: str) -> _Token:
        if not self.at(word):
            raise self.unexpected()
        return self.advance()

    def expect_op(self, op: str) -> _Token:
        if not self.at_op(op):
            raise self.unexpected()
        return self.advance()

    def unexpected(self, token: _Token | None = None) -> ApiError:
        if token is None:
            token = self.peek()
        shown = "<EOF>" if token.kind == "eof" else f"'{token.text}'"
        return _malformed(self.soql, token.pos, f"unexpected token: {shown}")

    def unsupported(self, token: _Token, feature: str) -> ApiError:
        return _malformed(self.soql, token.pos, f"{feature} is not supported by the demo org")

    # -- grammar ------------------------------------------------------------------------------

    def query(self) -> _Query:
        """SELECT fields FROM object [WHERE] [ORDER BY] [LIMIT] [OFFSET], with every other clause refused."""
        self.expect_word("SELECT")
        fields, is_count = self.select_list()
        self.expect_word("FROM")
        target = self.advance()
        if target.kind != "ident" or target.upper in _RESERVED:
            raise self.unexpected(target)
        if self.at("USING"):
            raise self.unsupported(self.peek(), "USING SCOPE")
        where = None
        if self.at("WHERE"):
            self.advance()
            where = self.condition()
        for word, feature in (("WITH", "WITH"), ("GROUP", "GROUP BY"), ("HAVING", "HAVING")):
            if self.at(word):
                raise self.unsupported(self.peek(), feature)
        order_by: tuple[_OrderItem, ...] = ()
        if self.at("ORDER") and self.at("BY", ahead=1):
            self.advance()
            self.advance()
            order_by = self.order_list()
        limit = offset = None
        if self.at("LIMIT"):
            self.advance()
            limit = self.non_negative_int()
        if self.at("OFFSET"):
            self.advance()
            offset = self.non_negative_int()
        if self.at("FOR", "UPDATE", "ALL"):
            raise self.unsupported(self.peek(), self.peek().upper)
        if self.peek().kind != "eof":
            raise self.unexpected()
        return _Query(fields, is_count, target.text, target.pos, where, order_by, limit, offset)

    def select_list(self) -> tuple[tuple[_Path, ...], bool]:
        """Either COUNT() alone or a comma-separated list of field paths."""
        if self.at("COUNT") and self.at_op("(", ahead=1) and self.at_op(")", ahead=2):
            for _ in range(3):
                self.advance()
            if self.at_op(","):
                raise self.unexpected()
            return (), True
        fields = []
        while True:
            token = self.peek()
            if token.kind == "op" and token.text == "(":
                raise self.unsupported(token, "A child relationship subquery")
            if token.kind == "ident" and token.upper == "TYPEOF":
                raise self.unsupported(token, "TYPEOF")
            if token.kind == "ident" and self.at_op("(", ahead=1):
                raise self.unsupported(token, f"{token.upper}(...)")
            fields.append(self.path())
            if not self.at_op(","):
                return tuple(fields), False
            self.advance()

    def path(self) -> _Path:
        token = self.peek()
        if token.kind != "ident" or token.upper in _RESERVED:
            raise self.unexpected()
        self.advance()
        return _Path(tuple(token.text.split(".")), token.pos)

    def condition(self) -> _Comparison | _Logical:
        """A chain of one operator only: like Salesforce, mixing AND and OR needs parentheses.

        NOT may open a condition (top level or just inside parentheses) and negates the simple
        condition after it; Salesforce rejects NOT after AND/OR, so this parser does too.
        """
        first = self.negatable()
        if not self.at("AND", "OR"):
            return first
        op = self.peek().upper
        operands = [first]
        while self.at(op):
            self.advance()
            operands.append(self.simple())
        if self.at("AND", "OR"):
            raise self.unexpected()
        return _Logical(op, tuple(operands))

    def negatable(self) -> _Comparison | _Logical:
        if self.at("NOT"):
            self.advance()
            return _Logical("NOT", (self.simple(),))
        return self.simple()

    def simple(self) -> _Comparison | _Logical:
        if self.at_op("("):
            if self.depth >= _MAX_NESTING:
                raise self.unsupported(self.peek(), f"Nesting conditions more than {_MAX_NESTING} deep")
            self.depth += 1
            self.advance()
            inner = self.condition()
            self.expect_op(")")
            self.depth -= 1
            return inner
        return self.comparison()

    def comparison(self) -> _Comparison:
        path = self.path()
        token = self.advance()
        if token.kind == "op" and token.text in _COMPARISON_OPS:
            return _Comparison(path, _COMPARISON_OPS[token.text], (self.value(),))
        if token.kind == "ident":
            if token.upper == "LIKE":
                return _Comparison(path, "LIKE", (self.value(like=True),))
            if token.upper == "IN":
                return _Comparison(path, "IN", self.value_list())
            if token.upper == "NOT" and self.at("IN"):
                self.advance()
                return _Comparison(path, "NOT IN", self.value_list())
            if token.upper in ("INCLUDES", "EXCLUDES"):
                raise self.unsupported(token, token.upper)
        raise self.unexpected(token)

    def value_list(self) -> tuple[_Value, ...]:
        self.expect_op("(")
        if self.at("SELECT"):
            raise self.unsupported(self.peek(), "A semi-join subquery")
        values = [self.value()]
        while self.at_op(","):
            self.advance()
            values.append(self.value())
        self.expect_op(")")
        return tuple(values)

    def value(self, like: bool = False) -> _Value:
        """One literal; strings are unescaped here (into an ILIKE pattern after LIKE)."""
        token = self.advance()
        kind, pos = token.kind, token.pos
        if kind == "string":
            return _Value("string", self.string_value(token, like), pos)
        if kind == "number":
            return _Value("number", _number(token.text), pos)
        if kind == "date":
            return _Value("date", self.date_value(token), pos)
        if kind == "datetime":
            return _Value("datetime", self.datetime_value(token), pos)
        if kind == "ident":
            word = token.upper
            if word in ("TRUE", "FALSE"):
                return _Value("boolean", word == "TRUE", pos)
            if word == "NULL":
                return _Value("null", None, pos)
            if word in _FIXED_DATE_LITERALS:
                return _Value("dateliteral", (word, None), pos)
            if word in _N_DATE_LITERALS:
                self.expect_op(":")
                return _Value("dateliteral", (word, self.non_negative_int()), pos)
            if _OTHER_DATE_LITERAL.match(word):
                raise self.unsupported(token, f"The date literal {word}")
        raise self.unexpected(token)

    def string_value(self, token: _Token, like: bool) -> str:
        r"""Undo SOQL escapes. For LIKE, keep \% and \_ escaped and escape backslashes for ESCAPE '\'."""
        body = token.text[1:-1]
        if "\\" not in body:
            return body
        out = []
        chars = iter(body)
        for char in chars:
            if char != "\\":
                out.append(char)
                continue
            escaped = next(chars)
            if like and escaped in "%_":
                out.append("\\" + escaped)
            elif escaped in _STRING_ESCAPES:
                plain = _STRING_ESCAPES[escaped]
                out.append("\\\\" if like and plain == "\\" else plain)
            else:
                raise _malformed(
                    self.soql, token.pos,
                    f"Invalid string literal '{body}'. "
                    f"Illegal character sequence '\\{escaped}' in string literal.",
                )
        return "".join(out)

    def date_value(self, token: _Token) -> date:
        try:
            return date.fromisoformat(token.text)
        except ValueError:
            raise _malformed(self.soql, token.pos, f"invalid date: {token.text}") from None

    def datetime_value(self, token: _Token) -> datetime:
        """A dateTime literal, converted to naive UTC as the emulator stores timestamps."""
        try:
            parsed = datetime.fromisoformat(token.text)
            return parsed.astimezone(UTC).replace(tzinfo=None)
        except (ValueError, OverflowError):
            raise _malformed(self.soql, token.pos, f"invalid dateTime: {token.text}") from None

    def order_list(self) -> tuple[_OrderItem, ...]:
        """ORDER BY items; Salesforce's default is ASC NULLS FIRST and DESC NULLS LAST."""
        items = []
        while True:
            path = self.path()
            descending = False
            if self.at("ASC", "DESC"):
                descending = self.advance().upper == "DESC"
            nulls_first = not descending
            if self.at("NULLS"):
                self.advance()
                if not self.at("FIRST", "LAST"):
                    raise self.unexpected()
                nulls_first = self.advance().upper == "FIRST"
            items.append(_OrderItem(path, descending, nulls_first))
            if not self.at_op(","):
                return tuple(items)
            self.advance()

    def non_negative_int(self) -> int:
        """LIMIT, OFFSET and the n of LAST_N_DAYS:n: digits only, within a Java int like Salesforce's."""
        token = self.peek()
        if token.kind != "number" or not token.text.isdigit() or int(token.text) > _MAX_INT:
            raise self.unexpected()
        self.advance()
        return int(token.text)


# ---------------------------------------------------------------------------------------------
# Compiler
# ---------------------------------------------------------------------------------------------

_CUSTOM_FIELD_HINT = (
    "If you are attempting to use a custom field, be sure to append the '__c' after the custom field "
    "name. Please reference your WSDL or the describe call for the appropriate names."
)
_CUSTOM_RELATIONSHIP_HINT = (
    "If you are attempting to use a custom relationship, be sure to append the '__r' after the custom "
    "relationship name. Please reference your WSDL or the describe call for the appropriate names."
)
_CUSTOM_OBJECT_HINT = (
    "If you are attempting to use a custom object, be sure to append the '__c' after the entity name. "
    "Please reference your WSDL or the describe call for the appropriate names."
)
# The type Salesforce names in "value of filter criterion ... must be of type X".
_TYPE_NAMES = {"boolean": "boolean", "date": "date", "datetime": "dateTime", "int": "int"}


@dataclass(frozen=True, slots=True)
class _Resolved:
    path: tuple[str, ...]  # canonical case
    field: Field
    owners: tuple[SObject, ...]
    table: str  # SQL alias of the table that owns the leaf field


@dataclass(frozen=True, slots=True)
class _DayRange:
    """A date literal as a half-open interval [start, end) of dates or naive UTC datetimes."""

    start: date | datetime
    end: date | datetime


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _kind(field: Field) -> str:
    """How a field compares: id (case-sensitive text), text, number, boolean, date, datetime, compound."""
    if field.is_compound:
        return "compound"
    if field.type in ("id", "reference"):
        return "id"
    if field.type in TEXT_TYPES:
        return "text"
    if field.type in NUMBER_TYPES:
        return "number"
    return field.type


def _add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _date_literal_range(name: str, n: int | None, today: date) -> tuple[date, date]:
    """The days a date literal covers, as [first, after-last)."""
    day = timedelta(days=1)
    if name == "TODAY":
        return today, today + day
    if name == "YESTERDAY":
        return today - day, today
    if name == "TOMORROW":
        return today + day, today + 2 * day
    if name in ("LAST_N_DAYS", "LAST_90_DAYS"):  # includes today: LAST_N_DAYS:1 is yesterday and today
        return today - (n if n is not None else 90) * day, today + day
    if name in ("NEXT_N_DAYS", "NEXT_90_DAYS"):  # starts tomorrow
        return today + day, today + ((n if n is not None else 90) + 1) * day
    if name == "N_DAYS_AGO":
        return today - n * day, today - (n - 1) * day
    if name.endswith("_MONTH"):
        shift = {"LAST_MONTH": -1, "THIS_MONTH": 0, "NEXT_MONTH": 1}[name]
        return _add_months(today, shift), _add_months(today, shift + 1)
    shift = {"LAST_YEAR": -1, "THIS_YEAR": 0, "NEXT_YEAR": 1}[name]
    return date(today.year + shift, 1, 1), date(today.year + shift + 1, 1, 1)




class _SchemaIndex:
    """Case-insensitive name lookups for one OrgSchema, built once per schema instance.

    ``SObject.field`` re-hashes the object's whole field tuple on every call, which would dominate
    the cost of compiling a query; these plain dicts make each lookup a single hash of a short string.
    """

    def __init__(self, schema: OrgSchema) -> None:
        self.schema = schema
        self.objects = {sobject.name.lower(): sobject for sobject in schema}
        self.fields = {
            sobject.name: {field.name.lower(): field for field in sobject.fields} for sobject in schema
        }
        self.relationships = {
            sobject.name: {
                field.relationship_name.lower(): field for field in sobject.fields if field.relationship_name
            }
            for sobject in schema
        }

    def sobject(self, name: str) -> SObject | None:
        return self.objects.get(name.lower())

    def field(self, sobject: SObject, name: str) -> Field | None:
        return self.fields[sobject.name].get(name.lower())

    def relationship(self, sobject: SObject, name: str) -> Field | None:
        return self.relationships[sobject.name].get(name.lower())


_SCHEMA_INDEXES: dict[int, _SchemaIndex] = {}


def _schema_index(schema: OrgSchema) -> _SchemaIndex:
    """The index of ``schema``, keyed by identity: OrgSchema hashes by value, which is slow."""
    index = _SCHEMA_INDEXES.get(id(schema))
    if index is None or index.schema is not schema:
        if len(_SCHEMA_INDEXES) >= 64:  # schemas are long-lived; this only guards against churn
            _SCHEMA_INDEXES.clear()
        index = _SCHEMA_INDEXES[id(schema)] = _SchemaIndex(schema)
    return index


class _Compiler:
    """Turns one parse tree into SQL against the sObject views, validating names and types on the way."""

    def __init__(self, soql: str, schema: OrgSchema, today: date) -> None:
        self.soql = soql
        self.index = _schema_index(schema)
        self.today = today
        self.sobject: SObject
        self.joins: dict[tuple[str, ...], str] = {}  # lower-case relationship path -> table alias
        self.join_sql: list[str] = []
        self.params: list = []

    def compile(self, query: _Query, include_deleted: bool) -> CompiledQuery:
        sobject = self.index.sobject(query.sobject)
        if sobject is None or not sobject.queryable:
            raise _error(
                self.soql, query.sobject_pos, "INVALID_TYPE",
                f"sObject type '{query.sobject}' is not supported. {_CUSTOM_OBJECT_HINT}",
            )
        self.sobject = sobject
        fields, select_sql = self.select_list(query)
        parent_ids = self.parent_id_columns(fields)
        if parent_ids:
            select_sql += "".join(f", {self.joins[tuple(p.lower() for p in prefix)]}.\"Id\" AS {alias}"
                                  for prefix, alias in parent_ids)
        conditions = []
        if query.where is not None:
            conditions.append(self.condition(query.where))
        if not include_deleted and sobject.has_is_deleted:
            conditions.append('NOT t."IsDeleted"')
        order_sql = [self.order_item(item) for item in query.order_by]

        parts = [f"SELECT {select_sql} FROM {_quote(sobject.name)} AS t", *self.join_sql]
        if conditions:
            parts.append("WHERE " + " AND ".join(conditions))
        if not query.is_count:
            # Id breaks ties so that pages of one query never overlap or skip rows.
            parts.append("ORDER BY " + ", ".join([*order_sql, 't."Id" ASC']))
            if query.limit is not None:
                parts.append("LIMIT ?")
                self.params.append(query.limit)
            if query.offset is not None:
                parts.append("OFFSET ?")
                self.params.append(query.offset)
        return CompiledQuery(
            sobject=sobject, fields=fields, is_count=query.is_count, sql=" ".join(parts),
            params=tuple(self.params), limit=query.limit, offset=query.offset, parent_ids=parent_ids,
        )

    def parent_id_columns(self, fields: tuple[SelectedField, ...]) -> tuple[tuple[tuple[str, ...], str], ...]:
        prefixes: list[tuple[str, ...]] = []
        for selected in fields:
            for depth in range(1, len(selected.path)):
                prefix = selected.path[:depth]
                if prefix not in prefixes:
                    prefixes.append(prefix)
        return tuple((prefix, f"p{i}") for i, prefix in enumerate(prefixes))

    # -- names --------------------------------------------------------------------------------

    def resolve(self, path: _Path) -> _Resolved:
        """Walk relationship names to the leaf field, adding one LEFT JOIN per new hop."""
        owner, table = self.sobject, "t"
        owners, canonical, key = [owner], [], ()
        for name in path.parts[:-1]:
            reference = self.index.relationship(owner, name)
            target = None
            if reference is not None and reference.reference_to:
                target = self.index.sobject(reference.reference_to[0])
            if target is None:
                raise _error(
                    self.soql, path.pos, "INVALID_FIELD",
                    f"Didn't understand relationship '{name}' in field path. {_CUSTOM_RELATIONSHIP_HINT}",
                )
            key = (*key, name.lower())
            table = self.join(key, target, table, reference)
            owner = target
            owners.append(owner)
            canonical.append(reference.relationship_name)
        field = self.index.field(owner, path.parts[-1])
        if field is None:
            raise _error(
                self.soql, path.pos, "INVALID_FIELD",
                f"No such column '{path.parts[-1]}' on entity '{owner.name}'. {_CUSTOM_FIELD_HINT}",
            )
        return _Resolved((*canonical, field.name), field, tuple(owners), table)

    def join(self, key: tuple[str, ...], target: SObject, child_table: str, reference: Field) -> str:
        """The alias of the parent joined along ``key``, joining it the first time the path is used."""
        alias = self.joins.get(key)
        if alias is None:
            alias = f"j{len(self.joins) + 1}"
            self.joins[key] = alias
            self.join_sql.append(
                f"LEFT JOIN {_quote(target.name)} AS {alias} "
                f"ON {alias}.\"Id\" = {child_table}.{_quote(reference.name)}"
            )
        return alias

    def column(self, resolved: _Resolved) -> str:
        """The SQL of a resolved field; an address becomes a struct of its components (null if all are)."""
        field, table = resolved.field, resolved.table
        if not field.is_compound:
            return f"{table}.{_quote(field.name)}"
        prefix = field.name.removesuffix("Address")
        members = []
        for component in field.compound_of:
            suffix = component.removeprefix(prefix)
            members.append((suffix[:1].lower() + suffix[1:], f"{table}.{_quote(component)}"))
        packed = ", ".join(f"{name} := {sql}" for name, sql in members)
        columns = ", ".join(sql for _, sql in members)
        return f"CASE WHEN coalesce({columns}) IS NULL THEN NULL ELSE struct_pack({packed}) END"

    # -- SELECT and ORDER BY ------------------------------------------------------------------

    def select_list(self, query: _Query) -> tuple[tuple[SelectedField, ...], str]:
        if query.is_count:
            return (), 'count(*) AS "count"'
        selected: list[SelectedField] = []
        columns: list[str] = []
        seen: set[tuple[str, ...]] = set()
        for path in query.fields:
            resolved = self.resolve(path)
            label = ".".join(resolved.path)
            key = tuple(part.lower() for part in resolved.path)
            if key in seen:
                raise _malformed(self.soql, path.pos, f"duplicate field selected: {label}")
            seen.add(key)
            alias = f"c{len(selected)}"
            selected.append(SelectedField(resolved.path, label, resolved.field, resolved.owners, alias))
            columns.append(f"{self.column(resolved)} AS {alias}")
        return tuple(selected), ", ".join(columns)

    def order_item(self, item: _OrderItem) -> str:
        resolved = self.resolve(item.path)
        kind = _kind(resolved.field)
        if kind == "compound":
            raise _error(
                self.soql, item.path.pos, "INVALID_FIELD",
                f"field '{resolved.field.name}' can not be sorted in a query call",
            )
        column = self.column(resolved)
        expression = f"lower({column})" if kind == "text" else column
        direction = "DESC" if item.descending else "ASC"
        nulls = "FIRST" if item.nulls_first else "LAST"
        return f"{expression} {direction} NULLS {nulls}"

    # -- WHERE --------------------------------------------------------------------------------

    def condition(self, node: _Comparison | _Logical) -> str:
        """SQL for a condition; NOT coalesces so that null comparisons negate like Salesforce's."""
        if isinstance(node, _Comparison):
            return self.comparison(node)
        if node.op == "NOT":
            return f"NOT coalesce({self.condition(node.operands[0])}, false)"
        joiner = f" {node.op} "
        return "(" + joiner.join(self.condition(operand) for operand in node.operands) + ")"

    def comparison(self, node: _Comparison) -> str:
        resolved = self.resolve(node.path)
        field = resolved.field
        kind = _kind(field)
        if kind == "compound":
            raise _error(
                self.soql, node.path.pos, "INVALID_FIELD",
                f"field '{field.name}' can not be filtered in a query call",
            )
        column = self.column(resolved)
        if node.op == "LIKE":
            return self.like(node, field, kind, column)
        values = [self.coerce(value, field, kind) for value in node.values]
        if node.op in ("IN", "NOT IN"):
            return self.membership(node.op, kind, column, values)
        return self.compare(column, kind, node.op, values[0])

    def compare(self, column: str, kind: str, op: str, value: object) -> str:
        """One binary comparison; != is IS DISTINCT FROM because Salesforce's != matches nulls."""
        if value is None:
            if op == "=":
                return f"{column} IS NULL"
            if op == "!=":
                return f"{column} IS NOT NULL"
            return "FALSE"
        if isinstance(value, _DayRange):
            return self.compare_range(column, op, value)
        self.params.append(value)
        left, right = (f"lower({column})", "lower(?)") if kind == "text" else (column, "?")
        if op == "!=":
            return f"{left} IS DISTINCT FROM {right}"
        return f"{left} {op} {right}"

    def compare_range(self, column: str, op: str, days: _DayRange) -> str:
        """A date literal is a range: = means inside it, < before its start, > after its end."""
        if op == "=":
            self.params.extend((days.start, days.end))
            return f"({column} >= ? AND {column} < ?)"
        if op == "!=":
            self.params.extend((days.start, days.end))
            return f"({column} IS NULL OR {column} < ? OR {column} >= ?)"
        bound = days.start if op in ("<", ">=") else days.end
        self.params.append(bound)
        sql_op = {"<": "<", "<=": "<", ">": ">=", ">=": ">="}[op]
        return f"{column} {sql_op} ?"

    def membership(self, op: str, kind: str, column: str, values: list) -> str:
        """IN / NOT IN, where null in the list matches null values and NOT IN keeps null fields."""
        has_null = any(value is None for value in values)
        concrete = [value for value in values if value is not None]
        if any(isinstance(value, _DayRange) for value in concrete):
            alternatives = [self.compare(column, kind, "=", value) for value in concrete]
            if has_null:
                alternatives.append(f"{column} IS NULL")
            matched = "(" + " OR ".join(alternatives) + ")"
            return matched if op == "IN" else f"NOT coalesce({matched}, false)"
        left, placeholder = (f"lower({column})", "lower(?)") if kind == "text" else (column, "?")
        listed = f"({', '.join([placeholder] * len(concrete))})"
        self.params.extend(concrete)
        if op == "IN":
            if not concrete:
                return f"{column} IS NULL"
            return f"({left} IN {listed} OR {column} IS NULL)" if has_null else f"{left} IN {listed}"
        if not concrete:
            return f"{column} IS NOT NULL"
        if has_null:
            return f"({column} IS NOT NULL AND {left} NOT IN {listed})"
        return f"({column} IS NULL OR {left} NOT IN {listed})"

    def like(self, node: _Comparison, field: Field, kind: str, column: str) -> str:
        """LIKE is case-insensitive except on ids; the pattern arrives escaped for ESCAPE '\\'."""
        if kind not in ("text", "id"):
            raise _error(
                self.soql, node.path.pos, "INVALID_FIELD",
                f"invalid operator on field '{field.name}': LIKE can only be used with text fields",
            )
        value = node.values[0]
        if value.kind == "null":
            return "FALSE"
        if value.kind != "string":
            raise self.type_error(value, field, "text")
        self.params.append(value.value)
        operator = "LIKE" if kind == "id" else "ILIKE"
        return f"{column} {operator} ? ESCAPE '\\'"

    # -- values -------------------------------------------------------------------------------

    def coerce(self, value: _Value, field: Field, kind: str) -> object:
        """The parameter for ``value`` compared with ``field``, enforcing Salesforce's type rules.

        Returns None for null, a _DayRange for a date literal, else the Python value to bind.
        """
        if value.kind == "null":
            return None
        if kind == "id":
            if value.kind != "string":
                raise self.type_error(value, field, kind)
            return self.record_id(value)
        accepted = {
            "text": ("string",), "number": ("number",), "boolean": ("boolean",),
            "date": ("date", "dateliteral"), "datetime": ("datetime", "dateliteral"),
        }[kind]
        if value.kind not in accepted:
            raise self.type_error(value, field, kind)
        if value.kind != "dateliteral":
            return value.value
        name, n = value.value
        try:
            start, end = _date_literal_range(name, n, self.today)
        except (OverflowError, ValueError):
            raise _malformed(self.soql, value.pos, f"date literal out of range: {name}:{n}") from None
        if kind == "datetime":
            return _DayRange(datetime.combine(start, time()), datetime.combine(end, time()))
        return _DayRange(start, end)

    def record_id(self, value: _Value) -> str | None:
        """Id literals are checked and normalised to 18 characters; '' stands for null as in Salesforce."""
        text = value.value
        if text == "":
            return None
        if not is_valid_id(text):
            raise _error(self.soql, value.pos, "INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {text}")
        return to_18(text)

    def type_error(self, value: _Value, field: Field, kind: str) -> ApiError:
        if kind in ("text", "id"):
            requirement = "must be of type string and should be enclosed in quotes"
        else:
            type_name = _TYPE_NAMES.get(field.type, "double")
            requirement = f"must be of type {type_name} and should not be enclosed in quotes"
        return _error(
            self.soql, value.pos, "INVALID_FIELD",
            f"value of filter criterion for field '{field.name}' {requirement}",
        )
