"""The restricted template engine of an organization's own wordings (``rendering.MessageTemplate`` text).

A wording is template text typed in the web app and run on the server, for previews and for every e-mail of its
key. So the engine only knows tags and filters that cannot reach anything outside the values they are given
(no ``load``, ``include``, ``url``, ``debug``...), nor make much out of little: ``lorem``, ``ljust``, ``rjust``,
``center``, ``stringformat`` (a width of a million spaces) and ``widthratio`` are left out, ``floatformat``
takes at most ``MAX_DECIMALS`` places and ``join`` is measured before it joins.

And a rendering is bounded (``RenderBudget``): the loops of one message repeat at most ``MAX_ITERATIONS`` times in
all, the message is written within ``MAX_SECONDS``, and each of its parts (subject, text, HTML) and every value a
filter makes stays within ``MAX_OUTPUT`` characters beyond the largest merge field given (the invoice table of a
customer with many invoices). Past a bound the rendering stops with ``RenderLimit`` (the line of the tag at
fault when known); the wording's own source is at most ``MAX_SOURCE`` characters.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from django.template import Context, Engine, Library, Template, defaultfilters, defaulttags
from django.template.base import Node, NodeList
from django.template.defaulttags import ForNode, IfNode

MAX_SOURCE = 50_000
MAX_OUTPUT = 200_000
MAX_ITERATIONS = 50_000
MAX_SECONDS = 3.0
MAX_DECIMALS = 20

ALLOWED_TAGS = (
    "autoescape",
    "comment",
    "cycle",
    "filter",
    "firstof",
    "for",
    "if",
    "ifchanged",
    "now",
    "regroup",
    "resetcycle",
    "spaceless",
    "verbatim",
    "with",
)
ALLOWED_FILTERS = (
    "add",
    "addslashes",
    "capfirst",
    "cut",
    "date",
    "default",
    "default_if_none",
    "dictsort",
    "dictsortreversed",
    "divisibleby",
    "escape",
    "escapejs",
    "escapeseq",
    "filesizeformat",
    "first",
    "floatformat",
    "force_escape",
    "get_digit",
    "iriencode",
    "join",
    "last",
    "length",
    "linebreaks",
    "linebreaksbr",
    "linenumbers",
    "lower",
    "make_list",
    "phone2numeric",
    "pluralize",
    "safe",
    "safeseq",
    "slice",
    "slugify",
    "striptags",
    "time",
    "timesince",
    "timeuntil",
    "title",
    "truncatechars",
    "truncatechars_html",
    "truncatewords",
    "truncatewords_html",
    "upper",
    "urlencode",
    "wordcount",
    "wordwrap",
    "yesno",
)


class RenderLimit(Exception):
    """A rendering went past a bound: ``kind`` is ``time``, ``iterations``, ``output`` or ``decimals``, ``limit``
    the bound; ``template_debug`` (set by the engine) tells the line of the tag at fault."""

    def __init__(self, kind: str, limit: float) -> None:
        super().__init__(f"{kind} limit ({limit}) reached")
        self.kind, self.limit = kind, limit


class RenderBudget:
    """The bounds of one message, shared by the renderings of its parts."""

    def __init__(
        self, *, seconds: float | None = None, iterations: int | None = None, output: int | None = None
    ) -> None:
        seconds = MAX_SECONDS if seconds is None else seconds
        iterations = MAX_ITERATIONS if iterations is None else iterations
        output = MAX_OUTPUT if output is None else output
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.iterations_left = self.iterations = iterations
        self.output = output
        self.written = 0

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise RenderLimit("time", self.seconds)

    def tick(self) -> None:
        self.iterations_left -= 1
        if self.iterations_left < 0:
            raise RenderLimit("iterations", self.iterations)
        self.check_time()

    def write(self, size: int) -> None:
        self.written += size
        if self.written > self.output:
            raise RenderLimit("output", self.output)

    def check_size(self, size: int) -> None:
        if size > self.output:
            raise RenderLimit("output", self.output)


_budget: ContextVar[RenderBudget | None] = ContextVar("recouvre_render_budget", default=None)


def _current() -> RenderBudget | None:
    return _budget.get()


def _size(value: Any) -> int:
    try:
        return len(value) if isinstance(value, (str, bytes, list, tuple, dict)) else 0
    except TypeError:
        return 0


def _guarded(func: Callable[..., Any], precheck: Callable[..., None] | None = None) -> Callable[..., Any]:
    """``func`` (a filter) refusing a value past the bound, and checking the clock; the flags Django reads on a
    filter (``is_safe``...) and its signature are kept."""

    @functools.wraps(func)
    def filtered(*args: Any, **kwargs: Any) -> Any:
        budget = _current()
        if budget is not None:
            budget.check_time()
            if precheck is not None:
                precheck(budget, *args, **kwargs)
        result = func(*args, **kwargs)
        if budget is not None:
            budget.check_size(_size(result))
        return result

    return filtered


def _join_size(budget: RenderBudget, value: Any, arg: Any, *args: Any, **kwargs: Any) -> None:
    try:
        items = list(value)
    except TypeError:
        return
    if len(items) > budget.output:
        raise RenderLimit("output", budget.output)
    size = sum(len(str(item)) for item in items) + len(str(arg)) * max(len(items) - 1, 0)
    budget.check_size(size)


def _decimals(budget: RenderBudget, value: Any, arg: Any = -1, *args: Any, **kwargs: Any) -> None:
    digits = re.search(r"\d+", str(arg))
    if digits is not None and (len(digits.group()) > 3 or int(digits.group()) > MAX_DECIMALS):
        raise RenderLimit("decimals", MAX_DECIMALS)


_PRECHECKS: dict[str, Callable[..., None]] = {"join": _join_size, "floatformat": _decimals}


class _Counted:
    """The sequence of a ``{% for %}``: each item taken costs one iteration of the budget."""

    def __init__(self, items: list[Any], budget: RenderBudget) -> None:
        self.items, self.budget = items, budget

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Any]:
        for item in self.items:
            self.budget.tick()
            yield item

    def __reversed__(self) -> Iterator[Any]:
        for item in reversed(self.items):
            self.budget.tick()
            yield item


class _CountedSequence:
    """Stands for a ``{% for %}``'s sequence expression; resolves to a ``_Counted`` when a budget is running."""

    def __init__(self, expression: Any) -> None:
        self.expression = expression

    def resolve(self, context: Context, ignore_failures: bool = False) -> Any:
        values = self.expression.resolve(context, ignore_failures=ignore_failures)
        budget = _current()
        if budget is None or values is None:
            return values
        if isinstance(values, (str, list, tuple, dict)) and len(values) > budget.output:
            raise RenderLimit("output", budget.output)
        return _Counted(list(values), budget)

    def __str__(self) -> str:
        return str(self.expression)


def _child_nodelists(node: Node) -> list[NodeList]:
    if isinstance(node, IfNode):  # its ``nodelist`` is a new list of every branch's nodes
        return [nodelist for _condition, nodelist in node.conditions_nodelists]
    found = [getattr(node, name, None) for name in node.child_nodelists]
    return [nodelist for nodelist in found if nodelist is not None]


def _bound_node(node: Node) -> None:
    """Make ``node`` (and its children) check the clock when rendered, count its loop's items, and count the
    text a leaf writes (containers only pass on their children's)."""
    children = _child_nodelists(node)
    for nodelist in children:
        for child in nodelist:
            _bound_node(child)
    if isinstance(node, ForNode):
        node.sequence = _CountedSequence(node.sequence)
    render = node.render_annotated
    leaf = not children

    def render_annotated(context: Context) -> str:
        budget = _current()
        if budget is None:
            return render(context)
        try:
            budget.check_time()
            out = render(context)
            if leaf:
                budget.write(len(out))
        except RenderLimit as exc:
            if not hasattr(exc, "template_debug") and getattr(node, "token", None) is not None:
                exc.template_debug = context.render_context.template.get_exception_info(exc, node.token)
            raise
        return out

    node.render_annotated = render_annotated  # type: ignore[method-assign]


_library = Library()
_library.tags = {name: defaulttags.register.tags[name] for name in ALLOWED_TAGS}
_library.filters = {
    name: _guarded(defaultfilters.register.filters[name], _PRECHECKS.get(name)) for name in ALLOWED_FILTERS
}
ENGINE = Engine(debug=True, loaders=[], builtins=[])
ENGINE.template_builtins = [_library]


class SourceTooLong(ValueError):
    pass


def compile_wording(source: str) -> Template:
    """The template of a wording, bounded when rendered within ``rendering_within``. Raises ``SourceTooLong``,
    ``TemplateSyntaxError`` (with ``template_debug``), or ``RecursionError`` (tags nested too deep)."""
    if len(source) > MAX_SOURCE:
        raise SourceTooLong(MAX_SOURCE)
    template = ENGINE.from_string(source)
    for node in template.nodelist:
        _bound_node(node)
    return template


class rendering_within:  # noqa: N801 - used as ``with rendering_within(budget):``
    """Render the wordings compiled by ``compile_wording`` within ``budget`` (this thread only)."""

    def __init__(self, budget: RenderBudget) -> None:
        self.budget = budget

    def __enter__(self) -> RenderBudget:
        self._token = _budget.set(self.budget)
        return self.budget

    def __exit__(self, *exc: object) -> None:
        _budget.reset(self._token)


def render_part(template: Template, context: Context, budget: RenderBudget) -> str:
    """One part of a message (subject, text or HTML): its own output bound, the message's clock and loops."""
    budget.written = 0
    with rendering_within(budget):
        return template.render(context)
