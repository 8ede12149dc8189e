"""Minsheng (民声): public-satisfaction telephone surveys."""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """The only place an app is built. Nothing connects to Redis or the database here."""
    from . import cli, config, extensions, web

    instance_path = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("SURVEY_INSTANCE_PATH")
    app = Flask(__name__, instance_path=instance_path or None, instance_relative_config=True)
    config.configure(app, test_config)
    _configure_logging(app)
    extensions.init_extensions(app)
    from . import models  # noqa: F401  (register tables on the metadata)

    web.init_web(app)
    cli.init_cli(app)
    return app


def _configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
