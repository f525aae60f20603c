"""A cassette read as vcrpy reads it, for ``pailitao cassettes scan``.

The YAML is composed, not loaded: nodes keep their line, so a finding can name
it, and no tag is ever constructed. Block, flow and folded styles, quoted
escapes and JSON (a YAML subset) all come out as the strings vcrpy would see;
``!!binary`` scalars come out as bytes. Each string is handed to the
:class:`~._scan_values.Analyser` with what it is (a URI, a header, a body and
its ``Content-Type``), and each hit is placed: interaction, part, line.
"""

from __future__ import annotations

import binascii
from collections.abc import Iterable, Iterator
from typing import Final, NamedTuple

import yaml

from ._scan_rules import Hit, shown
from ._scan_values import Analyser

__all__ = ["Located", "compose", "walk"]

_BINARY_TAG: Final = "tag:yaml.org,2002:binary"


class Located(NamedTuple):
    """A hit, with its line, the interaction's index and the part of it."""

    line: int
    hit: Hit
    interaction: int | None
    where: str


class _Place(NamedTuple):
    interaction: int | None
    where: str


def compose(text: str) -> tuple[yaml.MappingNode | None, str | None]:
    """The cassette's root node, or why the text is not a cassette."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        root = yaml.compose(text, Loader=loader)  # nodes only: no tag is constructed
    except yaml.MarkedYAMLError as error:  # its message may quote the line: never shown
        line = error.problem_mark.line + 1 if error.problem_mark else 0
        return None, f"not YAML or JSON (line {line}); scanned line by line"
    except yaml.YAMLError:
        return None, "not YAML or JSON; scanned line by line"
    keys = [_text(key) for key, _ in root.value] if isinstance(root, yaml.MappingNode) else []
    if not isinstance(root, yaml.MappingNode) or "interactions" not in keys:
        return None, "not a cassette (no top-level 'interactions'); scanned line by line"
    return root, None


def walk(root: yaml.MappingNode, analyser: Analyser) -> list[Located]:
    """Every hit in a cassette, once per line, rule, detail and place."""
    walker = _Walker(analyser)
    walker.cassette(root)
    return list(walker.found.values())


class _Walker:
    def __init__(self, analyser: Analyser) -> None:
        self.analyser = analyser
        self.found: dict[tuple[int, str, str, _Place], Located] = {}
        self._seen: set[int] = set()  # an alias reaches a node twice; an anchor loop forever

    def add(self, node: yaml.Node, hits: Iterable[Hit], place: _Place) -> None:
        for hit in hits:
            # An offset into decoded bytes says nothing about the base64 lines of a !!binary.
            offset = 0 if node.tag == _BINARY_TAG else hit.offset
            line = _line(node, offset)
            located = Located(line, hit, place.interaction, place.where)
            self.found.setdefault((line, hit.rule, hit.detail, place), located)

    def cassette(self, root: yaml.MappingNode) -> None:
        for key, value in root.value:
            if _text(key) == "interactions" and isinstance(value, yaml.SequenceNode):
                for index, interaction in enumerate(value.value):
                    self.interaction(index, interaction)
            else:
                self.generic(value, _Place(None, _text(key)))

    def interaction(self, index: int, node: yaml.Node) -> None:
        if not isinstance(node, yaml.MappingNode):
            self.generic(node, _Place(index, ""))
            return
        for key, value in node.value:
            side = _text(key)
            if side in ("request", "response") and isinstance(value, yaml.MappingNode):
                self.message(index, side, value)
            else:
                self.generic(value, _Place(index, side))

    def message(self, index: int, side: str, node: yaml.MappingNode) -> None:
        parts = [(_text(key), value) for key, value in node.value]  # a repeated key too
        content_type = _content_type(next((v for k, v in parts if k == "headers"), None))
        for name, value in parts:
            if name in ("uri", "url") and isinstance(value, yaml.ScalarNode):
                head, query = self.analyser.uri(_text(value))
                self.add(value, head, _Place(index, f"{side} uri"))
                self.add(value, query, _Place(index, f"{side} query"))
            elif name == "headers" and isinstance(value, yaml.MappingNode):
                self.headers(index, side, value)
            elif name == "body":
                self.body(value, content_type, _Place(index, f"{side} body"))
            else:
                self.generic(value, _Place(index, f"{side} {shown(name)}"))

    def headers(self, index: int, side: str, node: yaml.MappingNode) -> None:
        for key, value in node.value:
            name = _text(key)
            place = _Place(index, f"{side} header {shown(name.lower())}")
            for leaf in self._scalars(value):
                self.add(leaf, self.analyser.header(name, _text(leaf)), place)

    def body(self, node: yaml.Node, content_type: str, place: _Place) -> None:
        """A body (vcrpy: the request's ``body``, the response's ``body: {string: …}``)."""
        for key, leaf in self._leaves(node):
            value = _value(leaf)
            if isinstance(value, str) and "multipart/" in content_type.lower():
                value = value.encode("utf-8")  # a multipart body that was all text
            if isinstance(value, bytes):
                self.add(leaf, self.analyser.data(value, content_type), place)
            elif key in (None, "string"):
                self.add(leaf, self.analyser.text(value), place)
            else:
                self.add(leaf, self.analyser.param(key, value, "yaml"), place)

    def generic(self, node: yaml.Node, place: _Place) -> None:
        """Any other part: a mapping's scalar values are named params, the rest text."""
        for parent, leaf in self._leaves(node):
            value = _value(leaf)
            if isinstance(value, bytes):
                hits = self.analyser.data(value)
            elif parent is not None:
                hits = self.analyser.param(parent, value, "yaml")
            else:
                hits = self.analyser.text(value)
            self.add(leaf, hits, place)

    def _scalars(self, node: yaml.Node) -> Iterator[yaml.ScalarNode]:
        for _, leaf in self._leaves(node):
            yield leaf

    def _leaves(self, node: yaml.Node) -> Iterator[tuple[str | None, yaml.ScalarNode]]:
        """Each scalar under ``node``, with its key when a mapping holds it directly."""
        stack: list[tuple[str | None, yaml.Node]] = [(None, node)]
        while stack:  # not recursion: YAML may nest deeper than Python's stack
            key, current = stack.pop()
            if isinstance(current, yaml.ScalarNode):
                yield key, current
            elif id(current) not in self._seen:
                self._seen.add(id(current))
                children: list[tuple[str | None, yaml.Node]] = (
                    [(_text(name), value) for name, value in current.value]
                    if isinstance(current, yaml.MappingNode)
                    else [(None, child) for child in current.value]
                )
                stack.extend(reversed(children))


def _text(node: yaml.Node) -> str:
    return node.value if isinstance(node, yaml.ScalarNode) else ""


def _value(node: yaml.ScalarNode) -> str | bytes:
    """A scalar as vcrpy loads it: ``!!binary`` as bytes, anything else as its text."""
    if node.tag == _BINARY_TAG:
        try:
            return binascii.a2b_base64(node.value)
        except (binascii.Error, ValueError):
            return str(node.value)
    return str(node.value)


def _line(node: yaml.Node, offset: int) -> int:
    """A hit's line: in a literal block, the line it is on; else the scalar's first.

    A literal block starts on the line after its ``|`` and keeps the lines of
    its value one for one; folded and quoted scalars join lines, so there the
    first line is the best there is.
    """
    line: int = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode) and node.style == "|":
        return line + 1 + str(node.value).count("\n", 0, offset)
    return line


def _content_type(headers: yaml.Node | None) -> str:
    if not isinstance(headers, yaml.MappingNode):
        return ""
    for key, value in headers.value:
        if _text(key).lower() == "content-type":
            values = value.value if isinstance(value, yaml.SequenceNode) else [value]
            return _text(values[0]) if values else ""
    return ""
