"""The portal's features, listed once. The factory, the table metadata and the demo seed read this list.

A feature is a package ``portal.<name>``; what it contributes is found by convention:

* ``blueprints`` in its ``__init__.py`` (default: its ``bp``), registered by the factory;
  a package with anything special (a URL prefix, a CSRF exemption) defines ``init_app(app)`` instead;
* ``models.py``: its tables (imported so that Alembic and the tests know every table);
* ``cli.py`` with ``commands``: its ``flask`` commands;
* ``search.py``: registers its search sources when imported;
* ``jobs``: ``@jobs.register`` in the module that holds the job (imported with the feature);
* ``demo.py`` with ``seed(session, ctx)``: its step of ``flask seed-demo``, run in the order below.

Adding a feature: create its folder with those files, and add its name to FEATURES.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator
from types import ModuleType

# In dependency order: a feature's demo step may use what the features before it seeded.
FEATURES: tuple[str, ...] = (
    "main",
    "auth",
    "notify",
    "members",
    "documents",
    "audit",
    "workdays",
    "outlets",
    "campaigns",
    "library",
    "notices",
    "training",
    "consultations",
    "registry",
    "ledger",
    "projects",
    "benchmarks",
    "search",
    "api",
)


def feature_package(name: str) -> ModuleType:
    return importlib.import_module(f"portal.{name}")


def feature_parts(part: str) -> Iterator[tuple[str, ModuleType]]:
    """Each feature's ``part`` module (models, cli, search, demo), where the feature has one."""
    for name in FEATURES:
        module_name = f"portal.{name}.{part}"
        if importlib.util.find_spec(module_name) is not None:
            yield name, importlib.import_module(module_name)


def import_models() -> None:
    """Import every table: the shared machinery's and each feature's models.py."""
    for _name, _module in feature_parts("models"):
        pass  # importing is the registration


def register_features(app) -> None:
    """Register every feature's blueprints, commands and search sources on app."""
    for name in FEATURES:
        package = feature_package(name)
        if hasattr(package, "init_app"):
            package.init_app(app)
        else:
            for blueprint in getattr(package, "blueprints", None) or (package.bp,):
                app.register_blueprint(blueprint)
    for _name, module in feature_parts("cli"):
        for command in getattr(module, "commands", ()):
            app.cli.add_command(command)
    for _name, _module in feature_parts("search"):
        pass  # importing a search module registers its sources
