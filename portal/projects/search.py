"""The projects' search source "project": public projects only, built from queries.public_view, so a
confidential target figure never reaches the index."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import object_session

from portal import search
from portal.projects import states
from portal.projects.models import Project


def project_document(project: Project) -> search.SearchDocument | None:
    """The index entry of a public project (drafts, applications and rejected ones stay out)."""
    from portal.projects.queries import public_view

    if project.state not in states.PUBLIC:
        return None
    view = public_view(object_session(project), project)
    return search.SearchDocument(
        kind="project",
        id=project.id,
        title=view["title"],
        texts=[
            view["summary"],
            view["lead"],
            " ".join(p["name"] + " " + p["role"] for p in view["partners"]),
            view["site"],
            view["city_label"],
            view["type_label"],
            view["state_label"],
            " ".join(f"{t['name']} {t['target']}{t['unit']}" for t in view["targets"]),
        ],
        facets={"type": project.type, "city": project.city, "state": project.state},
        date=int(project.started_on.strftime("%Y%m%d")) if project.started_on else None,
    )


def present_project(project: Project) -> search.Presented:
    """A project as a search result."""
    from portal.projects.kinds import PROJECT_TYPES

    return search.Presented(
        title=project.title,
        url=f"/projects/{project.id}",
        text=project.summary or PROJECT_TYPES.label(project.type),
        date=project.started_on,
        label=states.STATES.label(project.state),
    )


search.register_model_source(
    "project",
    Project,
    document=project_document,
    present=present_project,
    label=_l("示范项目"),
    facets={"type": "project_type", "city": "city", "state": "project_state"},
    shown_facets=(),
    visible=lambda: Project.state.in_(states.PUBLIC),
)
