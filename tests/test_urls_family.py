from __future__ import annotations

from torchenv.family import is_torch_family, torch_family
from torchenv.urls import redact_url, strip_credentials


def test_strip_credentials_removes_user_and_token() -> None:
    assert strip_credentials("https://me:s3cret@mirror.example:8443/simple/") == (
        "https://mirror.example:8443/simple/"
    )
    assert strip_credentials("https://pypi.org/simple/") == "https://pypi.org/simple/"


def test_redact_url_hides_the_secret_only() -> None:
    assert redact_url("https://me:s3cret@host/simple") == "https://me:***@host/simple"
    assert redact_url("https://token@host/simple") == "https://***@host/simple"
    assert "s3cret" not in redact_url("https://me:s3cret@host/simple")


def test_family_membership_is_name_normalised() -> None:
    assert is_torch_family("Torch")
    assert is_torch_family("pytorch_triton")
    assert is_torch_family("fbgemm_gpu")
    assert not is_torch_family("numpy")
    assert not is_torch_family("torchtriton")  # the Dec-2022 malicious package name
    assert "my-ext" in torch_family(extra=["My_Ext"])
    assert "xformers" not in torch_family(exclude=["xformers"])
