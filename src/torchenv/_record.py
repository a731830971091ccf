"""Immutable, typed value records that cost (almost) nothing to import.

Type checkers see :class:`typing.NamedTuple`, so a record is declared, constructed and
checked exactly like one::

    class Evidence(Record):
        probe: str
        source: str
        raw: str = ""

At run time ``Record`` is a small tuple base that gives the same behaviour for what
torchenv relies on: fields from the class annotations in order, defaults from class
attributes, positional or keyword construction, read-only attributes, ``_replace``,
``_asdict``, ``_make``, ``_fields``, ``_field_defaults``, tuple equality and hashing,
a NamedTuple-style ``repr`` and pickling.

Why not ``typing.NamedTuple`` (or frozen dataclasses) at run time: ``detect`` and
``check`` run on every shell start and every commit, and on the reference machine
importing ``typing`` costs about 5 ms and building each NamedTuple class about 0.5 ms
(``dataclasses`` also pulls in ``inspect``): together more than a bare interpreter's
whole start-up. This module imports only ``operator``. ``tests/test_record.py`` runs
the same class bodies through both implementations and compares them.
"""

from __future__ import annotations

# Not ``typing.TYPE_CHECKING``: importing typing is the cost this module exists to avoid.
# Type checkers treat any constant named TYPE_CHECKING as true.
TYPE_CHECKING = False

__all__ = ["Record"]

if TYPE_CHECKING:
    from typing import NamedTuple as Record
else:
    from operator import itemgetter

    _MISSING = object()

    class _RecordMeta(type):
        """Turns the annotated class body of a ``Record`` subclass into tuple fields."""

        def __new__(mcls, name, bases, namespace, **kwargs):
            record = globals().get("Record")
            if record is None or record not in bases:
                # Record itself, or a plain subclass of a record (no new fields).
                return super().__new__(mcls, name, bases, namespace, **kwargs)
            if bases != (record,):
                raise TypeError(f"{name}: a record subclasses Record and nothing else")
            fields = tuple(_annotations(namespace))
            defaults = {}
            for field in fields:
                if field.startswith("_"):
                    raise ValueError(f"{name}: field names cannot start with '_': {field!r}")
                if field in namespace:
                    defaults[field] = namespace[field]
                elif defaults:
                    raise TypeError(
                        f"{name}: non-default field {field!r} follows a field with a default"
                    )
            for position, field in enumerate(fields):
                namespace[field] = property(itemgetter(position), doc=f"Field {position}")
            namespace["__slots__"] = ()
            namespace["_fields"] = fields
            namespace["_field_defaults"] = defaults
            namespace["_template"] = {field: defaults.get(field, _MISSING) for field in fields}
            namespace["__match_args__"] = fields
            return super().__new__(mcls, name, bases, namespace, **kwargs)

    def _annotations(namespace):
        if "__annotations__" in namespace:
            return namespace["__annotations__"]
        annotate = namespace.get("__annotate__")
        if annotate is None:
            return {}
        # Python 3.14+ without ``from __future__ import annotations``: only the names
        # matter here, so forward references need not resolve.
        import annotationlib

        return annotationlib.call_annotate_function(annotate, annotationlib.Format.FORWARDREF)

    class Record(tuple, metaclass=_RecordMeta):
        """Base of torchenv's value records (see the module docstring)."""

        __slots__ = ()
        _fields = ()
        _field_defaults = {}  # noqa: RUF012 (replaced per subclass by the metaclass)
        _template = {}  # noqa: RUF012 (field -> default or _MISSING, per subclass)

        def __new__(cls, *args, **kwargs):
            fields = cls._fields
            if not kwargs and len(args) == len(fields):
                return tuple.__new__(cls, args)
            if len(args) > len(fields):
                raise TypeError(
                    f"{cls.__name__}() takes {len(fields)} arguments but {len(args)} were given"
                )
            # One C-level dict merge instead of a Python loop over the fields: records
            # are built by the thousand while check reads a repository.
            merged = {**cls._template, **kwargs}
            for field, value in zip(fields, args):
                if field in kwargs:
                    raise TypeError(f"{cls.__name__}() got multiple values for argument {field!r}")
                merged[field] = value
            if len(merged) != len(fields):
                extra = next(name for name in kwargs if name not in cls._template)
                raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {extra!r}")
            values = tuple(merged.values())
            for field, value in zip(fields, values):
                # By identity: a value with a permissive __eq__ (mock.ANY) is not missing.
                if value is _MISSING:
                    raise TypeError(f"{cls.__name__}() missing required argument: {field!r}")
            return tuple.__new__(cls, values)

        @classmethod
        def _make(cls, iterable):
            result = tuple.__new__(cls, iterable)
            if len(result) != len(cls._fields):
                raise TypeError(f"expected {len(cls._fields)} arguments, got {len(result)}")
            return result

        def _replace(self, **changes):
            values = [changes.pop(field, value) for field, value in zip(self._fields, self)]
            if changes:
                raise ValueError(f"got unexpected field names: {list(changes)!r}")
            return tuple.__new__(type(self), values)

        def _asdict(self):
            return dict(zip(self._fields, self))

        def __repr__(self):
            pairs = ", ".join(f"{field}={value!r}" for field, value in zip(self._fields, self))
            return f"{type(self).__name__}({pairs})"

        def __getnewargs__(self):
            return tuple(self)
