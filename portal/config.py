"""Configuration: defaults, then the instance file, then the environment, then the factory's dict."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Defaults:
    """Settings every deployment starts from; each can be overridden."""

    DATABASE_URL: str | None = None  # None means SQLite in PORTAL_DATA_DIR
    PORTAL_DATA_DIR: str | None = None  # uploads and generated files; default instance/
    PORTAL_INDEX_DIR: str | None = None  # search index; default inside the data dir
    SECRET_KEY: str | None = None
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024  # the global request cap (413 above it)
    IDEMPOTENCY_TTL_HOURS = 24  # how long the answer to a POST with an Idempotency-Key is kept
    UPLOAD_MAX_LICENCE = 10 * 1024 * 1024
    UPLOAD_MAX_IMAGE = 2 * 1024 * 1024
    UPLOAD_MAX_ATTACHMENT = 50 * 1024 * 1024
    UPLOAD_MAX_NOTICE_ATTACHMENT = 20 * 1024 * 1024  # each PDF of a notice
    UPLOAD_MAX_NOTICE_FILES = 10  # attachments a notice may hold
    UPLOAD_MAX_TRAINING_FILE = 50 * 1024 * 1024  # each PDF or PPTX of a training material
    UPLOAD_MAX_TRAINING_FILES = 10  # files a training material may hold
    UPLOAD_MAX_REGISTRY_IMPORT = 30 * 1024 * 1024  # a battery or event upload (CSV or XLSX)
    UPLOAD_MAX_OUTLET_IMPORT = 20 * 1024 * 1024  # an outlet import file (CSV or XLSX)
    UPLOAD_MAX_INSPECTION_PHOTO = 5 * 1024 * 1024  # each site photo of an inspection
    UPLOAD_MAX_INSPECTION_PHOTOS = 12  # photos an inspection may hold
    UPLOAD_MAX_RECTIFICATION_FILE = 10 * 1024 * 1024  # each evidence file of a rectification answer
    UPLOAD_MAX_RECTIFICATION_FILES = 6  # evidence files an answer may hold
    SQLITE_BUSY_TIMEOUT_MS = 15000
    DB_RETRY_ATTEMPTS = 6
    # Mail: "log" writes e-mails to the application log, "smtp" sends them.
    MAIL_BACKEND = "log"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_DEFAULT_SENDER = "山东省动力电池回收利用协会 <noreply@sdbra.example.cn>"
    # The address links in e-mails and PDFs point at.
    PORTAL_BASE_URL = "http://127.0.0.1:5000"
    SITE_ICP_NUMBER = ""  # e.g. 鲁ICP备12345678号
    SITE_PSB_NUMBER = ""  # 公安备案号
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    PORTAL_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_Hans_CN", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    LOGIN_FAILURE_LIMIT = 5  # failures allowed in the window; the next answers 429
    LOGIN_FAILURE_WINDOW_SECONDS = 60
    TOKEN_VERIFY_EMAIL_HOURS = 72
    TOKEN_RESET_PASSWORD_MINUTES = 60
    TOKEN_INVITATION_DAYS = 14
    MEMBERSHIP_GRACE_DAYS = 60
    MEMBERSHIP_REMINDER_DAYS = (30, 7)
    # Approval on or after this day (MM-DD) starts the first term with the next year; staff change it on
    # /staff/fees (that setting wins once saved); None or "" means no cut-off.
    MEMBERSHIP_LATE_JOIN_CUTOFF = "10-01"
    MEMBERSHIP_REMINDER_QUIET_DAYS = 30  # no renewal reminder in a member's first days after approval
    PDF_TIMEOUT_SECONDS = 20
    PDF_WORKERS = 1  # warm render workers per web process (each holds WeasyPrint and the CJK fonts)
    PDF_WORKER_MAX_RENDERS = 200  # documents a worker renders before it is replaced by a fresh one
    PDF_CACHE = True  # keep generated documents under PORTAL_DATA_DIR/pdf-cache, keyed by their data
    PDF_CACHE_MAX_MB = 256  # the cache's size bound; least recently used documents go first
    PAGE_CACHE = True  # keep anonymous answers in each worker's memory until the data changes (core/pagecache)
    PAGE_CACHE_BYTES = 64 * 1024 * 1024  # per worker; least recently used answers go first
    JOBS_POLL_SECONDS = 5
    VERIFY_RATE_LIMIT = 30  # document look-ups (/verify, /api/v1/certificates) per client address and window
    VERIFY_RATE_WINDOW_SECONDS = 60
    CERTIFICATE_SEAL_IMAGE = "img/seal.svg"  # under portal/static/: the seal printed on certificates
    PRODUCTION = False


ENV_KEYS = {
    "DATABASE_URL": str,
    "PORTAL_DATA_DIR": str,
    "PORTAL_INDEX_DIR": str,
    "SECRET_KEY": str,
    "MAIL_BACKEND": str,
    "MAIL_SERVER": str,
    "MAIL_PORT": int,
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "MAIL_USE_TLS": bool,
    "MAIL_USE_SSL": bool,
    "MAIL_DEFAULT_SENDER": str,
    "PORTAL_BASE_URL": str,
    "SITE_ICP_NUMBER": str,
    "SITE_PSB_NUMBER": str,
    "PRODUCTION": bool,
    "MEMBERSHIP_GRACE_DAYS": int,
    "IDEMPOTENCY_TTL_HOURS": int,
    "PAGE_CACHE": bool,
}


def _parse_bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_config(app, overrides: dict | None) -> None:
    """Fill app.config from defaults, instance/config.py, environment and overrides, in that order."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    for key, kind in ENV_KEYS.items():
        raw = os.environ.get(key)
        if raw is None or raw == "":
            continue
        app.config[key] = _parse_bool(raw) if kind is bool else kind(raw)
    if overrides:
        app.config.update(overrides)

    data_dir = Path(app.config["PORTAL_DATA_DIR"] or app.instance_path)
    data_dir.mkdir(parents=True, exist_ok=True)
    app.config["PORTAL_DATA_DIR"] = str(data_dir)
    index_dir = Path(app.config["PORTAL_INDEX_DIR"] or data_dir / "index")
    app.config["PORTAL_INDEX_DIR"] = str(index_dir)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = f"sqlite:///{data_dir / 'portal.db'}"
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _development_secret(Path(app.instance_path), app.config["PRODUCTION"])
    if app.config["PRODUCTION"]:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True


def _development_secret(instance: Path, production: bool) -> str:
    """In development, generate a secret key once and keep it in the instance folder."""
    if production:
        raise RuntimeError("SECRET_KEY must be set in production")
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
