"""torchenv._record.Record behaves like typing.NamedTuple for what torchenv uses.

Every test runs the same class body through both implementations and compares.
"""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
import typing
from typing import Any, Optional

import pytest

from torchenv._record import Record

BASES = pytest.mark.parametrize("base", [typing.NamedTuple, Record], ids=["NamedTuple", "Record"])


def make_point(base: Any) -> Any:
    class Point(base):  # type: ignore[misc,valid-type]
        """A point."""

        x: int
        y: int = 0
        label: Optional[str] = None

        def total(self) -> int:
            return int(self.x + self.y)

        @classmethod
        def origin(cls) -> Any:
            return cls(0)

    return Point


class PicklablePoint(Record):
    x: int
    index: int = 3  # shadows tuple.index on purpose, as fingerprint Device does


def test_runtime_record_is_not_namedtuple() -> None:
    assert Record is not typing.NamedTuple
    assert issubclass(PicklablePoint, tuple)


@BASES
def test_construction_defaults_and_fields(base: Any) -> None:
    point = make_point(base)
    assert point(1) == (1, 0, None)
    assert point(1, 2, "a") == (1, 2, "a")
    assert point(x=1, label="b") == (1, 0, "b")
    assert point(1, label="c").label == "c"
    assert point._fields == ("x", "y", "label")
    assert point._field_defaults == {"y": 0, "label": None}
    if sys.version_info >= (3, 10):  # NamedTuple has no __match_args__ on 3.9
        assert point.__match_args__ == ("x", "y", "label")
    assert point(3, 4).total() == 7
    assert point.origin() == (0, 0, None)
    assert point.__doc__ == "A point."


def reference_and_ours() -> tuple[Any, Any]:
    return make_point(typing.NamedTuple), make_point(Record)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((), {}),
        ((1, 2, 3, 4), {}),
        ((1,), {"x": 2}),
        ((1,), {"z": 2}),
        ((), {"y": 1}),
    ],
)
def test_construction_errors_match(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    reference, ours = reference_and_ours()
    with pytest.raises(TypeError):
        reference(*args, **kwargs)
    with pytest.raises(TypeError):
        ours(*args, **kwargs)


def test_same_observable_behaviour_as_namedtuple() -> None:
    reference, ours = reference_and_ours()
    a, b = reference(1, 2, "x"), ours(1, 2, "x")
    assert repr(a) == repr(b) == "Point(x=1, y=2, label='x')"
    assert a == b and hash(a) == hash(b)
    assert tuple(a) == tuple(b)
    assert a._asdict() == b._asdict() == {"x": 1, "y": 2, "label": "x"}
    assert a._replace(y=5) == b._replace(y=5) == (1, 5, "x")
    assert type(b._replace(y=5)) is ours
    assert ours._make([7, 8, None]) == reference._make([7, 8, None])
    x, y, label = b
    assert (x, y, label) == (1, 2, "x")
    assert b[0] == 1 and b[-1] == "x"
    assert sorted([ours(2), ours(1)]) == [(1, 0, None), (2, 0, None)]


@BASES
def test_replace_rejects_unknown_fields(base: Any) -> None:
    # NamedTuple raises ValueError before Python 3.13 and TypeError since.
    with pytest.raises((ValueError, TypeError), match="unexpected"):
        make_point(base)(1)._replace(z=1)


@BASES
def test_make_checks_length(base: Any) -> None:
    with pytest.raises(TypeError):
        make_point(base)._make([1])


@BASES
def test_immutable_and_slotted(base: Any) -> None:
    point = make_point(base)(1)
    with pytest.raises(AttributeError):
        point.x = 2
    with pytest.raises(AttributeError):
        point.other = 2
    assert not hasattr(point, "__dict__")


@BASES
def test_non_default_after_default_is_rejected(base: Any) -> None:
    with pytest.raises(TypeError):

        class Bad(base):  # type: ignore[misc,valid-type]
            a: int = 0
            b: int


@BASES
def test_underscore_field_is_rejected(base: Any) -> None:
    with pytest.raises(ValueError):

        class Bad(base):  # type: ignore[misc,valid-type]
            _hidden: int


def test_record_cannot_mix_bases() -> None:
    with pytest.raises(TypeError, match="nothing else"):

        class Bad(Record, dict):  # type: ignore[misc]
            a: int


def test_plain_subclass_of_a_record_keeps_its_fields() -> None:
    class Base(Record):
        a: int
        b: str = "x"

    class Child(Base):
        def twice(self) -> int:
            return self.a * 2

    child = Child(4)
    assert child == (4, "x") and child.twice() == 8 and child._fields == ("a", "b")


def test_field_named_index_shadows_tuple_method() -> None:
    assert PicklablePoint(1).index == 3
    assert PicklablePoint(1, index=5).index == 5


def test_pickle_and_copy_round_trip() -> None:
    point = PicklablePoint(1, 2)
    assert pickle.loads(pickle.dumps(point)) == point
    assert type(pickle.loads(pickle.dumps(point))) is PicklablePoint
    assert copy.copy(point) == point and copy.deepcopy(point) == point


def test_importing_record_does_not_import_typing() -> None:
    code = "import sys, torchenv._record; print('typing' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_value_with_a_permissive_eq_is_not_taken_for_a_missing_field() -> None:
    from unittest import mock

    class Pair(Record):
        a: Any
        b: Any = None

    assert Pair(a=mock.ANY).a is mock.ANY
    assert Pair(mock.ANY, b=1) == (mock.ANY, 1)
    with pytest.raises(TypeError, match="missing required argument: 'a'"):
        Pair(b=mock.ANY)
