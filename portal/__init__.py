"""山东省动力电池回收利用协会 collaboration portal."""

from __future__ import annotations

import logging

from flask import Flask, has_request_context, request, session
from flask_babel import gettext as _
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from portal.config import PROJECT_ROOT, load_config
from portal.core import pagecache, uow
from portal.db import Database
from portal.extensions import babel, csrf, login_manager, migrate


class DatabaseInteger(IntegerConverter):
    """<int:...> in URLs: an id larger than the database's integers is simply not found (404)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(url_map, *args, **kwargs)


class PortalFlask(Flask):
    """Flask with the unit of work wrapped around each view, retried on serialization failures."""

    def dispatch_request(self):
        attempts = self.config["DB_RETRY_ATTEMPTS"]
        for attempt in range(1, attempts + 1):
            try:
                response = self.make_response(super().dispatch_request())
                uow.finish_request(success=response.status_code < 400)
                return response
            except Exception as exc:
                uow.discard_request()
                if attempt < attempts and uow.is_retryable(exc):
                    self.logger.info("retrying %s after a serialization failure or deadlock", request.path)
                    uow.backoff(attempt)
                    _rewind_uploads()
                    continue
                raise
        raise AssertionError("unreachable")


def _rewind_uploads() -> None:
    """Let a view that is run again read its uploaded files from the start."""
    if request.mimetype == "multipart/form-data":
        for storage in request.files.values():
            storage.stream.seek(0)


def select_locale() -> str:
    """The request's language; commands, jobs and services outside a request speak Chinese."""
    if not has_request_context():
        return "zh_Hans_CN"
    lang = request.args.get("lang") or session.get("lang")
    if lang in ("en", "zh_Hans_CN"):
        return lang
    return "zh_Hans_CN"


def create_app(config: dict | None = None) -> Flask:
    """Build the application; ``config`` overrides any setting."""
    app = PortalFlask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
    )
    load_config(app, config)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    database = Database()
    database.init_app(app)
    migrate.init_app(app, database, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(
        app, locale_selector=select_locale, default_translation_directories=str(PROJECT_ROOT / "translations")
    )
    _init_login(app)
    if app.config["PRODUCTION"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    from portal.errors import register_error_handlers
    from portal.features import register_features
    from portal.web import register_enumeration_filters, register_web

    app.url_map.converters["int"] = DatabaseInteger
    register_error_handlers(app)
    register_web(app)
    pagecache.init_app(app)
    register_features(app)
    register_enumeration_filters(app)
    _register_cli(app)

    @app.teardown_request
    def _close_uow(_exc):
        uow.discard_request()

    if not app.config.get("TESTING"):
        _warm_up_search()

    return app


def _warm_up_search() -> None:
    """Load jieba's dictionary in the background, so the first search does not wait for it."""
    import threading

    from portal.search.analysis import WARM_UP_THREAD, jieba_instance

    threading.Thread(target=jieba_instance, name=WARM_UP_THREAD, daemon=True).start()


def _init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str):
        from portal.auth.services import load_session_user

        return load_session_user(uow.session(), session_id)

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import redirect, url_for

        from portal.errors import api_error

        if request.path.startswith("/api/"):
            return api_error(401, "unauthorized", _("请先登录。"))
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _register_cli(app: Flask) -> None:
    """The shared machinery's commands; each feature's own come from its cli.py (portal.features)."""
    from portal.demo import seed_demo_command
    from portal.jobs.cli import jobs_cli

    app.cli.add_command(jobs_cli)
    app.cli.add_command(seed_demo_command)
