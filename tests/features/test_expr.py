"""The expression language: grammar, precedence, functions, vectors and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tzrec.features.expr import (
    EARTH_RADIUS_KM,
    ExpressionError,
    RaggedVector,
    compile_expression,
)


def ev(text: str, **inputs: object) -> np.ndarray:
    """Evaluate ``text`` over keyword inputs (numbers become a 1-row batch)."""
    expr = compile_expression(text, list(inputs))
    return np.asarray(expr(inputs, num_rows=1))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", 7.0),
        ("(1 + 2) * 3", 9.0),
        ("10 - 4 - 3", 3.0),  # left-associative
        ("8 / 4 / 2", 1.0),
        ("2 ^ 3 ^ 2", 512.0),  # right-associative power
        ("-2 ^ 2", -4.0),  # unary minus binds looser than ^
        ("2 ^ -1", 0.5),
        ("2 * 3 ^ 2", 18.0),
        ("-3 * -2", 6.0),
        ("+4", 4.0),
        ("!0 + !5", 1.0),
        ("1 + 2 < 4", 1.0),  # + binds tighter than <
        ("3 == 3 == 1", 1.0),  # (3 == 3) == 1
        ("1 < 2 && 3 > 4", 0.0),
        ("1 < 2 || 3 > 4", 1.0),
        ("0 || 0 && 1", 0.0),
        ("1 || 0 && 0", 1.0),  # && binds tighter than ||
        ("6 | 3", 7.0),
        ("6 & 3", 2.0),
        ("6 & 3 | 8", 10.0),  # & binds tighter than |
        ("1 | 2 == 2", 1.0),  # == binds tighter than |: 1 | 1
        ("2 != 3", 1.0),
        ("2 >= 2", 1.0),
        ("2 <= 1", 0.0),
        ("1 ? 2 : 3", 2.0),
        ("0 ? 2 : 3", 3.0),
        ("0 ? 1 : 0 ? 2 : 3", 3.0),  # right-associative conditional
        ("1 > 0 ? 10 + 1 : 20", 11.0),
        ("1.5e1 + .5", 15.5),
        ("_pi", math.pi),
        ("_e", math.e),
    ],
)
def test_grammar_and_precedence(text: str, expected: float) -> None:
    assert ev(text)[0] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("isnan(0/0)", 1.0),
        ("isnan(1)", 0.0),
        ("sin(_pi / 2)", 1.0),
        ("cos(0)", 1.0),
        ("tan(0)", 0.0),
        ("asin(1)", math.pi / 2),
        ("acos(1)", 0.0),
        ("atan(1)", math.pi / 4),
        ("sinh(0)", 0.0),
        ("cosh(0)", 1.0),
        ("tanh(0)", 0.0),
        ("asinh(0)", 0.0),
        ("acosh(1)", 0.0),
        ("atanh(0)", 0.0),
        ("log2(8)", 3.0),
        ("log10(1000)", 3.0),
        ("log(_e)", 1.0),
        ("ln(_e ^ 2)", 2.0),
        ("exp(0)", 1.0),
        ("sqrt(16)", 4.0),
        ("sign(-3)", -1.0),
        ("sign(0)", 0.0),
        ("sign(2)", 1.0),
        ("abs(-2.5)", 2.5),
        ("rint(2.5)", 2.0),  # ties to even
        ("rint(3.5)", 4.0),
        ("floor(-1.5)", -2.0),
        ("ceil(-1.5)", -1.0),
        ("trunc(-1.7)", -1.0),
        ("round(2.5)", 3.0),  # ties away from zero
        ("round(-2.5)", -3.0),
        ("round(2.4)", 2.0),
        ("roundp(3.14159, 2)", 3.14),
        ("roundp(2.675, 1)", 2.7),
        ("mod(7, 3)", 1.0),
        ("mod(-7, 3)", -1.0),
        ("sigmoid(0)", 0.5),
        ("min(3, 1, 2)", 1.0),
        ("max(3, 1, 2)", 3.0),
        ("sum(3, 1, 2)", 6.0),
        ("avg(3, 1, 2)", 2.0),
        ("min(4)", 4.0),
    ],
)
def test_scalar_functions(text: str, expected: float) -> None:
    assert ev(text)[0] == pytest.approx(expected)


def test_rnd_draws_one_value_per_row_in_unit_interval() -> None:
    out = compile_expression("rnd()", [])({}, num_rows=1000)
    assert out.shape == (1000,)
    assert (out >= 0).all() and (out < 1).all()
    assert len(np.unique(out)) > 900


def test_distances_in_kilometres() -> None:
    # One degree of longitude on the equator is R * pi / 180 km.
    one_degree = EARTH_RADIUS_KM * math.pi / 180
    assert ev("sphere_dist(0, 0, 1, 0)")[0] == pytest.approx(one_degree)
    assert ev("haversine(0, 0, 1, 0)")[0] == pytest.approx(one_degree)
    # Pole to pole along a meridian: half the circumference.
    assert ev("haversine(10, -90, 50, 90)")[0] == pytest.approx(EARTH_RADIUS_KM * math.pi)
    assert ev("sphere_dist(116.4, 39.9, 116.4, 39.9)")[0] == pytest.approx(0.0, abs=1e-6)


def test_columns_broadcast_against_constants() -> None:
    expr = compile_expression("u_age == i_age ? 1 : 0", ["u_age", "i_age"])
    out = expr({"u_age": np.array([18, 20, 30]), "i_age": np.array([18, 21, 30])})
    np.testing.assert_array_equal(out, [1.0, 0.0, 1.0])
    assert out.dtype == np.float64
    assert expr.variables == ["u_age", "i_age"]
    assert expr.used_variables == ["u_age", "i_age"]


def test_constant_result_fills_the_batch() -> None:
    expr = compile_expression("1 + x * 0 + 2", ["x"])
    np.testing.assert_array_equal(expr({"x": np.zeros(3)}), [3.0, 3.0, 3.0])
    np.testing.assert_array_equal(compile_expression("_pi > 3", [])({}, num_rows=2), [1, 1])


def test_ieee_results_without_errors() -> None:
    expr = compile_expression("a / b", ["a", "b"])
    out = expr({"a": np.array([1.0, 0.0, -1.0]), "b": np.zeros(3)})
    assert out[0] == np.inf and np.isnan(out[1]) and out[2] == -np.inf
    assert compile_expression("log(x)", ["x"])({"x": np.array([0.0])})[0] == -np.inf
    # NaN is true in a condition; | with NaN gives NaN.
    assert ev("(0/0) ? 1 : 2")[0] == 1.0
    assert np.isnan(ev("(0/0) | 1")[0])


FIXED = np.array([[1.0, 2.0, 3.0], [2.0, 2.0, 2.0]])
OTHER = np.array([[1.0, 0.0, 1.0], [1.0, 2.0, 3.0]])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("len(x)", [3.0, 3.0]),
        ("l2_norm(x)", [math.sqrt(14), math.sqrt(12)]),
        ("squared_norm(x)", [14.0, 12.0]),
        ("dot(x, y)", [4.0, 12.0]),
        ("euclid_dist(x, y)", [math.sqrt(0 + 4 + 4), math.sqrt(1 + 0 + 1)]),
        ("std_dev(x)", [math.sqrt(2 / 3), 0.0]),
        ("pop_std_dev(x)", [1.0, 0.0]),
        ("variance(x)", [2 / 3, 0.0]),
        ("pop_variance(x)", [1.0, 0.0]),
        ("reduce_min(x)", [1.0, 2.0]),
        ("reduce_max(x)", [3.0, 2.0]),
        ("reduce_sum(x)", [6.0, 6.0]),
        ("reduce_mean(x)", [2.0, 2.0]),
        ("reduce_prod(x)", [6.0, 8.0]),
        ("reduce_sum(x * 2 + s)", [12.0 + 30.0, 12.0 + 60.0]),  # element-wise then reduce
        ("dot(x, y) + s", [14.0, 32.0]),
    ],
)
def test_vector_functions_on_fixed_width_vectors(text: str, expected: list[float]) -> None:
    expr = compile_expression(text, ["x", "y", "s"])
    out = expr({"x": FIXED, "y": OTHER, "s": np.array([10.0, 20.0])})
    np.testing.assert_allclose(out, expected)


def test_corr() -> None:
    x = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    y = np.array([[2.0, 4.0, 6.0], [3.0, 2.0, 1.0]])
    out = compile_expression("corr(x, y)", ["x", "y"])({"x": x, "y": y})
    np.testing.assert_allclose(out, [1.0, -1.0])


def test_vector_functions_on_ragged_vectors() -> None:
    x = RaggedVector(np.array([1.0, 3.0, 5.0, 2.0]), np.array([3, 0, 1]))
    run = {
        t: compile_expression(t, ["x"])({"x": x})
        for t in ["len(x)", "reduce_sum(x)", "reduce_prod(x)", "reduce_min(x)", "reduce_mean(x)"]
    }
    np.testing.assert_array_equal(run["len(x)"], [3.0, 0.0, 1.0])
    np.testing.assert_array_equal(run["reduce_sum(x)"], [9.0, 0.0, 2.0])
    np.testing.assert_array_equal(run["reduce_prod(x)"], [15.0, 1.0, 2.0])
    np.testing.assert_array_equal(run["reduce_min(x)"], [1.0, np.nan, 2.0])
    np.testing.assert_array_equal(run["reduce_mean(x)"], [3.0, np.nan, 2.0])


def test_vector_results_keep_their_shape() -> None:
    out = compile_expression("sign(x) * 2", ["x"])({"x": np.array([[-1.0, 0.0], [3.0, -4.0]])})
    np.testing.assert_array_equal(out, [[-2.0, 0.0], [2.0, -2.0]])
    rag = compile_expression("x + s", ["x", "s"]).evaluate(
        {"x": RaggedVector(np.array([1.0, 2.0, 3.0]), np.array([2, 1])), "s": np.array([10, 20])}
    )
    assert isinstance(rag, RaggedVector)
    np.testing.assert_array_equal(rag.values, [11.0, 12.0, 23.0])
    np.testing.assert_array_equal(rag.lengths, [2, 1])


def test_scalar_argument_is_a_one_value_vector() -> None:
    out = compile_expression("len(s) + reduce_sum(s)", ["s"])({"s": np.array([4.0, 5.0])})
    np.testing.assert_array_equal(out, [5.0, 6.0])


def test_vectors_of_different_lengths_are_an_error() -> None:
    x = RaggedVector(np.array([1.0, 2.0, 3.0]), np.array([1, 2]))
    y = RaggedVector(np.array([1.0, 2.0, 3.0]), np.array([2, 1]))
    with pytest.raises(ValueError, match="row 0"):
        compile_expression("dot(x, y)", ["x", "y"])({"x": x, "y": y})
    with pytest.raises(ValueError, match="different lengths in row 0"):
        compile_expression("x + y", ["x", "y"])({"x": x, "y": y})


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("a + * 2", "found '\\*'", 4),
        ("(a + 1", "expected '\\)'", 6),
        ("a + 1)", "unexpected '\\)'", 5),
        ("a $ 1", "unexpected character '\\$'", 2),
        ("", "empty expression", 0),
        ("b + 1", "unknown variable 'b'; variables: a", 0),
        ("1 + foo(a)", "unknown function 'foo'", 4),
        ("sin(a, a)", "'sin' takes 1 argument", 0),
        ("dot(a)", "'dot' takes 2 argument", 0),
        ("rnd(1)", "'rnd' takes 0 argument", 0),
        ("max()", "at least one argument", 0),
        ("a ? 1", "expected ':'", 5),
        ("sin + 1", "unknown variable 'sin' \\(a function needs", 0),
    ],
)
def test_errors_show_position_and_caret(text: str, message: str, position: int) -> None:
    with pytest.raises(ExpressionError, match=message) as info:
        compile_expression(text, ["a"])
    assert info.value.position == position
    lines = str(info.value).splitlines()
    assert lines[-2] == f"  {text}"
    assert lines[-1] == "  " + " " * position + "^"


def test_missing_input_and_row_mismatch() -> None:
    expr = compile_expression("a + b", ["a", "b"])
    with pytest.raises(ValueError, match="needs variable 'b'"):
        expr({"a": np.zeros(2)})
    with pytest.raises(ValueError, match="has 3 rows, expected 2"):
        expr({"a": np.zeros(2), "b": np.zeros(3)})


def test_no_python_evaluation() -> None:
    # Python syntax is not part of the language.
    for text in ["__import__('os')", "a.real", "[1]", "a if a else 1", "'x'"]:
        with pytest.raises(ExpressionError):
            compile_expression(text, ["a"])


def test_call_refuses_a_ragged_result() -> None:
    x = RaggedVector(np.array([1.0, 2.0, 3.0]), np.array([2, 1]))
    with pytest.raises(ValueError, match="use evaluate"):
        compile_expression("x * 2", ["x"])({"x": x})
