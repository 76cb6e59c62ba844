"""The ``formula`` grammar: a small arithmetic language parsed with :mod:`ast`.

Only an allowlist of node types is accepted, checked when the criteria load;
nothing is ever passed to ``eval``. Allowed: numbers, input names, ``+ - * /
// % **``, comparisons, ``and or not``, ``a if cond else b`` and the
functions ``min max abs round``. Expressions are bounded in length, node count
and nesting depth, and ``**`` in the size of its result, so evaluating one
takes microseconds whatever the criteria author wrote.
"""
from __future__ import annotations

import ast
import math
import operator
import warnings
from typing import Any, Callable, Mapping

from .contracts.i18n import N_, _
from .contracts.values import round_half_up

MAX_LENGTH = 2000
MAX_NODES = 500
MAX_DEPTH = 40


class FormulaError(ValueError):
    """The expression breaks the grammar; raised at load time."""


class FormulaValueError(ValueError):
    """Evaluating the expression failed for one unit (division by zero, ...)."""


def _safe_pow(a: float, b: float) -> float:
    # |a ** b| = 10 ** (b · log10|a|): too large for |a| > 1 with b > 0 and for |a| < 1 with b < 0 (1e-300 ** -3)
    if abs(b) > 1000 or (a != 0 and b * math.log10(abs(a)) > 300):
        raise FormulaValueError(_("power too large"))
    try:
        result = a ** b
    except ZeroDivisionError:
        raise FormulaValueError(_("zero raised to a negative power")) from None
    if isinstance(result, complex):
        raise FormulaValueError(_("fractional power of a negative number"))
    return result


def _div(a: float, b: float) -> float:
    if b == 0:
        raise FormulaValueError(_("division by zero"))
    return a / b


def _floordiv(a: float, b: float) -> float:
    if b == 0:
        raise FormulaValueError(_("division by zero"))
    return a // b


def _mod(a: float, b: float) -> float:
    if b == 0:
        raise FormulaValueError(_("modulo by zero"))
    return a % b


_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: _div, ast.FloorDiv: _floordiv, ast.Mod: _mod, ast.Pow: _safe_pow,
}
_CMPOPS: dict[type, Callable[[Any, Any], bool]] = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt,
    ast.GtE: operator.ge, ast.Eq: operator.eq, ast.NotEq: operator.ne,
}


def _round(x: float, n: float = 0) -> float:
    """Round half up, away from zero, as a person rounds (round(2.5) is 3,
    round(-2.5) is -3, round(2.675, 2) is 2.68, round(1.5 * 1.15, 2) is 1.73),
    like the reported totals; not Python's round-half-to-even (SPEC §2)."""
    if not (math.isfinite(x) and math.isfinite(n)):  # round(x, inf - inf): a value that is not finite, never int(nan)
        return math.nan
    # a float has no digits beyond ±400: clamping changes nothing, and round(True, -10**300) on an int
    # would compute 10 ** 10**300 (a hang)
    return round_half_up(float(x), max(-400, min(400, int(n))))


def _min(*args: float) -> float:
    """min() that keeps a NaN (as NumPy's does, so the scalar and vector paths agree)."""
    return math.nan if any(a != a for a in args) else min(args)


def _max(*args: float) -> float:
    return math.nan if any(a != a for a in args) else max(args)


_FUNCS: dict[str, tuple[Callable[..., Any], int, int]] = {
    "min": (_min, 1, 50), "max": (_max, 1, 50), "abs": (abs, 1, 1), "round": (_round, 1, 2),
}

Evaluator = Callable[[Mapping[str, float]], Any]


class Formula:
    """A parsed expression: ``names`` are the inputs it reads, calling it with
    a mapping of those names to numbers gives its value."""

    def __init__(self, source: str):
        if not isinstance(source, str) or not source.strip():
            raise FormulaError(_("the expression is empty"))
        if len(source) > MAX_LENGTH:
            raise FormulaError(_("the expression is longer than {limit} characters").format(limit=MAX_LENGTH))
        try:
            with warnings.catch_warnings():  # "1if x else 2": an error here, not a SyntaxWarning on stderr
                warnings.simplefilter("error", SyntaxWarning)
                tree = ast.parse(source.strip(), mode="eval")
        except SyntaxError as exc:
            raise FormulaError(_("syntax error at column {column}: {reason}").format(column=exc.offset, reason=exc.msg)) from None
        except (ValueError, RecursionError, MemoryError):
            raise FormulaError(_("the expression cannot be parsed")) from None
        self.source = source
        self.names: list[str] = []
        self._nodes = 0
        self._eval = self._compile(tree.body, 0)
        self._tree = tree.body

    def vector(self, columns: Mapping[str, Any]) -> tuple[Any, Any]:
        """Evaluate for many units at once: ``columns`` maps each name to a
        NumPy array. Returns ``(values, invalid)``: the values, and a mask of
        units where the scalar evaluation would fail (division by zero, a
        huge power, a result that is not finite). Agrees with ``__call__``."""
        import numpy as np
        n = len(next(iter(columns.values()))) if columns else 1
        with np.errstate(all="ignore"):
            values, invalid = _vec(self._tree, columns, n)
            values = np.broadcast_to(np.asarray(values, dtype=np.float64), (n,)).copy()
            invalid = np.broadcast_to(invalid, (n,)) | ~np.isfinite(values)
        return values, invalid

    def __call__(self, variables: Mapping[str, float]) -> float:
        try:
            value = self._eval(variables)
        except (OverflowError, ZeroDivisionError):
            raise FormulaValueError(_("arithmetic overflow")) from None
        if isinstance(value, bool):
            value = float(value)
        if not isinstance(value, (int, float)) or math.isnan(value) or math.isinf(value):
            raise FormulaValueError(_("the expression did not give a finite number"))
        return float(value)

    # -- compilation to closures, with the allowlist --------------------------
    def _compile(self, node: ast.AST, depth: int) -> Evaluator:
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise FormulaError(_("the expression has more than {limit} parts").format(limit=MAX_NODES))
        if depth > MAX_DEPTH:
            raise FormulaError(_("the expression nests deeper than {depth} levels").format(depth=MAX_DEPTH))
        compile_node = _COMPILERS.get(type(node))
        if compile_node is None:
            kind = type(node).__name__
            raise FormulaError(_(_NOT_ALLOWED[kind]) if kind in _NOT_ALLOWED
                               else _("{kind} is not allowed in a formula").format(kind=kind))
        return compile_node(self, node, depth + 1)

    def _compile_constant(self, node: ast.Constant, d: int) -> Evaluator:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise FormulaError(_("only numbers are allowed as constants, not {value!r}").format(value=value))
        if abs(value) > 1e300:
            raise FormulaError(_("a constant is too large"))
        const = float(value)
        return lambda v: const

    def _compile_name(self, node: ast.Name, d: int) -> Evaluator:
        name = node.id
        if name.startswith("_"):
            raise FormulaError(_("name {name!r} is not allowed").format(name=name))
        if name in _FUNCS:
            raise FormulaError(_("{name!r} is a function: call it as {name}(...)").format(name=name))
        if name not in self.names:
            self.names.append(name)
        return lambda v: v[name]

    def _compile_binop(self, node: ast.BinOp, d: int) -> Evaluator:
        if type(node.op) not in _BINOPS:
            raise FormulaError(_("{kind} is not allowed in a formula").format(kind=type(node.op).__name__))
        op = _BINOPS[type(node.op)]
        left, right = self._compile(node.left, d), self._compile(node.right, d)
        fn = lambda v: op(left(v), right(v))  # noqa: E731
        if isinstance(node.op, ast.Pow) and not any(isinstance(n, ast.Name) for n in ast.walk(node)):
            try:  # a constant power is checked now, so a huge one fails at load time
                fn({})
            except (FormulaValueError, OverflowError) as exc:
                raise FormulaError(_("constant power {power}: {error}").format(power=ast.unparse(node)[:40], error=exc)) from None
        return fn

    def _compile_unaryop(self, node: ast.UnaryOp, d: int) -> Evaluator:
        operand = self._compile(node.operand, d)
        if isinstance(node.op, ast.USub):
            return lambda v: -operand(v)
        if isinstance(node.op, ast.UAdd):
            return operand
        if isinstance(node.op, ast.Not):
            return lambda v: 0.0 if operand(v) else 1.0
        raise FormulaError(_("{kind} is not allowed in a formula").format(kind="UnaryOp"))

    def _compile_boolop(self, node: ast.BoolOp, d: int) -> Evaluator:
        parts = [self._compile(p, d) for p in node.values]
        if isinstance(node.op, ast.And):
            def and_(v, parts=parts):   # 1 or 0 (SPEC §2), short-circuit as Python's
                for p in parts:
                    if not p(v):
                        return 0.0
                return 1.0
            return and_

        def or_(v, parts=parts):
            for p in parts:
                if p(v):
                    return 1.0
            return 0.0
        return or_

    def _compile_compare(self, node: ast.Compare, d: int) -> Evaluator:
        if not all(type(o) in _CMPOPS for o in node.ops):
            raise FormulaError(_("only < <= > >= == != comparisons are allowed"))
        first = self._compile(node.left, d)
        pairs = [(_CMPOPS[type(o)], self._compile(c, d)) for o, c in zip(node.ops, node.comparators)]

        def compare(v):   # chained as Python's (1 < x <= 5), giving 1 or 0
            left = first(v)
            for op, right_fn in pairs:
                right = right_fn(v)
                if not op(left, right):
                    return 0.0
                left = right
            return 1.0
        return compare

    def _compile_ifexp(self, node: ast.IfExp, d: int) -> Evaluator:
        test, body, orelse = self._compile(node.test, d), self._compile(node.body, d), self._compile(node.orelse, d)
        return lambda v: body(v) if test(v) else orelse(v)

    def _compile_call(self, node: ast.Call, d: int) -> Evaluator:
        if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCS:
            if not isinstance(node.func, ast.Name):
                raise FormulaError(_("calling {call!r} is not allowed; only min, max, abs and round can be called").format(
                    call=ast.unparse(node.func)[:40]))
            raise FormulaError(_("function {name!r} is not allowed; use min, max, abs or round").format(name=node.func.id))
        if node.keywords:
            raise FormulaError(_("keyword arguments are not allowed"))
        fn, lo, hi = _FUNCS[node.func.id]
        if not lo <= len(node.args) <= hi or any(isinstance(a, ast.Starred) for a in node.args):
            raise FormulaError(_("{name}() takes {lo} to {hi} arguments").format(name=node.func.id, lo=lo, hi=hi))
        args = [self._compile(a, d) for a in node.args]
        if node.func.id in ("min", "max") and len(args) == 1:
            raise FormulaError(_("{name}() needs at least two arguments").format(name=node.func.id))
        return lambda v: fn(*[a(v) for a in args])


#: the allowlist: the node types a formula may hold, each with its compiler
_COMPILERS: dict[type, Callable[..., Evaluator]] = {
    ast.Constant: Formula._compile_constant, ast.Name: Formula._compile_name, ast.BinOp: Formula._compile_binop,
    ast.UnaryOp: Formula._compile_unaryop, ast.BoolOp: Formula._compile_boolop, ast.Compare: Formula._compile_compare,
    ast.IfExp: Formula._compile_ifexp, ast.Call: Formula._compile_call,
}
_NOT_ALLOWED = {
    "Attribute": N_("attribute access ('.') is not allowed; name inputs with letters, digits and '_'"),
    "Subscript": N_("indexing ('[...]') is not allowed"),
}


def _truthy(x):
    import numpy as np
    return np.asarray(x) != 0


def _vec(node: ast.AST, cols: Mapping[str, Any], n: int):
    """Vector twin of the closures built by :meth:`Formula._compile` (the
    tree was already checked against the allowlist there)."""
    import numpy as np
    no = np.zeros(n, dtype=bool)
    if isinstance(node, ast.Constant):
        return float(node.value), no  # type: ignore[arg-type]  # a number: checked by _compile_constant
    if isinstance(node, ast.Name):
        return cols[node.id], no
    if isinstance(node, ast.BinOp):
        a, ia = _vec(node.left, cols, n)
        b, ib = _vec(node.right, cols, n)
        inv = ia | ib
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        op = type(node.op)
        if op is ast.Add:
            return a + b, inv
        if op is ast.Sub:
            return a - b, inv
        if op is ast.Mult:
            return a * b, inv
        if op in (ast.Div, ast.FloorDiv, ast.Mod):
            zero = b == 0
            safe = np.where(zero, 1.0, b)
            fn = {ast.Div: np.true_divide, ast.FloorDiv: np.floor_divide, ast.Mod: np.mod}[op]
            return fn(a, safe), inv | zero
        if op is ast.Pow:
            result, bad = _vec_pow(a, b, n)
            return result, inv | bad
    if isinstance(node, ast.UnaryOp):
        v, iv = _vec(node.operand, cols, n)
        if isinstance(node.op, ast.USub):
            return -np.asarray(v, dtype=np.float64), iv
        if isinstance(node.op, ast.UAdd):
            return v, iv
        return (~_truthy(v)).astype(np.float64), iv
    if isinstance(node, ast.BoolOp):
        value, inv = _vec(node.values[0], cols, n)
        truth = _truthy(value)
        for part in node.values[1:]:
            b, ib = _vec(part, cols, n)
            take_b = truth if isinstance(node.op, ast.And) else ~truth   # not short-circuited yet
            inv = inv | (take_b & ib)
            truth = np.where(take_b, _truthy(b), truth)
        return np.broadcast_to(truth, (n,)).astype(np.float64), inv
    if isinstance(node, ast.Compare):
        left, inv = _vec(node.left, cols, n)
        result = np.ones(n, dtype=bool)
        for cmp, comp in zip(node.ops, node.comparators):
            right, ir = _vec(comp, cols, n)
            inv = inv | (result & ir)
            result = result & _CMPOPS[type(cmp)](np.asarray(left), np.asarray(right))
            left = right
        return result.astype(np.float64), inv
    if isinstance(node, ast.IfExp):
        t, it = _vec(node.test, cols, n)
        b, ib = _vec(node.body, cols, n)
        o, io = _vec(node.orelse, cols, n)
        cond = _truthy(t)
        return np.where(cond, b, o), it | np.where(cond, ib, io)
    if isinstance(node, ast.Call):
        return _vec_call(node, cols, n)
    raise FormulaError(_("{kind} is not allowed in a formula").format(kind=type(node).__name__))  # pragma: no cover


def _vec_pow(a, b, n: int):
    """``a ** b`` for columns, and where it is invalid (too large, 0 to a
    negative power, a complex result): those are computed as 1, not at all."""
    import numpy as np
    big = (np.abs(b) > 1000) | ((a != 0) & (b * np.log10(np.where(a == 0, 1.0, np.abs(a))) > 300))
    zero_neg = (a == 0) & (b < 0)
    complex_ = (a < 0) & (b != np.floor(b))
    skip = np.broadcast_to(big | zero_neg | complex_, (n,))
    aa, bb = np.broadcast_to(a, (n,)).tolist(), np.broadcast_to(b, (n,)).tolist()
    result = np.array([1.0 if s else x ** y for x, y, s in zip(aa, bb, skip.tolist())], dtype=np.float64)
    return result, big | zero_neg | complex_


def _vec_call(node: ast.Call, cols: Mapping[str, Any], n: int):
    """``min max abs round`` over columns."""
    import numpy as np
    args = [_vec(a, cols, n) for a in node.args]
    inv = np.zeros(n, dtype=bool)
    for _value, ia in args:
        inv = inv | ia
    vals = [np.broadcast_to(np.asarray(v, dtype=np.float64), (n,)) for v, _invalid in args]
    name = node.func.id  # type: ignore[attr-defined]  # checked by Formula._compile_call
    if name == "min":
        return np.minimum.reduce(vals), inv
    if name == "max":
        return np.maximum.reduce(vals), inv
    if name == "abs":
        return np.abs(vals[0]), inv
    digits = vals[1] if len(vals) > 1 else np.zeros(n)
    return np.array([_round(x, d) for x, d in zip(vals[0].tolist(), digits.tolist())]), inv
