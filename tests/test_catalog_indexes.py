"""Index base precedence and variant URLs."""

from __future__ import annotations

import pytest

from torchenv.catalog.indexes import (
    DEFAULT_PYTORCH_INDEX,
    parse_variant_index_url,
    pytorch_index_base,
    variant_index_url,
)
from torchenv.errors import UsageError


def test_precedence_flag_project_env_default() -> None:
    env = {"TORCHENV_PYTORCH_INDEX_URL": "https://env.example/whl"}
    assert pytorch_index_base("https://flag.example/whl/", "https://proj.example/whl", env) == (
        "https://flag.example/whl"
    )
    assert pytorch_index_base(None, "https://proj.example/whl", env) == "https://proj.example/whl"
    assert pytorch_index_base(None, None, env) == "https://env.example/whl"
    assert pytorch_index_base(None, None, {}) == DEFAULT_PYTORCH_INDEX


def test_bad_base_is_usage_error_without_secret() -> None:
    with pytest.raises(UsageError) as info:
        pytorch_index_base("ftp://user:hunter2@host/whl")
    assert "hunter2" not in str(info.value)


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        ("stable", "https://download.pytorch.org/whl/cu128"),
        ("test", "https://download.pytorch.org/whl/test/cu128"),
        ("nightly", "https://download.pytorch.org/whl/nightly/cu128"),
    ],
)
def test_variant_index_url(channel: str, expected: str) -> None:
    assert variant_index_url(DEFAULT_PYTORCH_INDEX + "/", "cu128", channel) == expected


def test_variant_index_url_rejects_unknown_channel() -> None:
    with pytest.raises(UsageError):
        variant_index_url(DEFAULT_PYTORCH_INDEX, "cpu", "beta")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://download.pytorch.org/whl/cu128", ("stable", "cu128")),
        ("https://download.pytorch.org/whl/nightly/cpu/", ("nightly", "cpu")),
        ("https://download.pytorch.org/whl/test/rocm6.2.4", ("test", "rocm6.2.4")),
        ("https://mirror.internal/pytorch/whl/xpu/simple", ("stable", "xpu")),
        ("https://pypi.org/simple", None),
        ("https://download.pytorch.org/whl/", None),
    ],
)
def test_parse_variant_index_url(url: str, expected: object) -> None:
    assert parse_variant_index_url(url) == expected
