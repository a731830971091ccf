"""``torchenv check``: an offline validator for PyTorch pins in requirement files,
pyproject.toml, environment.yml, pixi.toml, pylock files and Dockerfiles.

It judges only from the packaged knowledge base (``torchenv.catalog``): it never
imports the index client or the resolver and never touches the network.
"""

from __future__ import annotations

__all__: list[str] = []
