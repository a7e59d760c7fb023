"""The staff calendar page: a year's holidays and make-up working days, corrections, loading the package."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.core import clock, uow
from portal.core.actors import is_staff
from portal.core.dates import parse_date
from portal.core.permissions import staff_read_required, staff_required
from portal.core.views import attempt, current_actor, form_status, submit
from portal.errors import DomainError
from portal.workdays import bp, queries, services
from portal.workdays.calendar import PACKAGE_VERSION
from portal.workdays.forms import DayForm


def _page(year: int, form: DayForm, status: int = 200, year_error: str = ""):
    return render_template(
        "workdays/calendar.html",
        overview=queries.year_overview(uow.session(), year),
        form=form,
        can_edit=is_staff(current_actor()),
        kinds=services.DAY_KINDS,
        sources=services.DAY_SOURCES,
        package_version=PACKAGE_VERSION,
        year_error=year_error,
    ), status


def _year_or_this(raw) -> int:
    try:
        return services.parse_year(raw)
    except DomainError:
        return clock.today().year


@bp.get("/staff/calendar")
@staff_read_required
def calendar():
    raw = request.args.get("year")
    if not raw:
        return _page(clock.today().year, DayForm())
    try:
        year = services.parse_year(raw)
    except DomainError as err:
        return _page(clock.today().year, DayForm(), 422, err.message)
    return _page(year, DayForm())


def _input(form: DayForm) -> services.DayInput:
    return services.DayInput(day=form.day.data or "", kind=form.kind.data or "", name=form.name.data or "")


@bp.post("/staff/calendar/days")
@staff_required
def set_day():
    form = DayForm()
    db, actor = uow.session(), current_actor()
    row = submit(form, lambda: services.set_day(db, actor, *services.validate_day(_input(form))))
    if row is None:
        return _page(_year_or_this(request.form.get("year")), form, form_status(form))
    kind = services.DAY_KINDS.label("workday" if row.is_workday else "restday")
    flash(_("已保存：%(day)s 为%(kind)s（%(name)s）。", day=row.day.isoformat(), kind=kind, name=row.name), "success")
    return redirect(url_for("workdays.calendar", year=row.day.year))


@bp.post("/staff/calendar/days/<day>/clear")
@staff_required
def clear_day(day: str):
    def clear():
        parsed = parse_date(day, required=True)
        services.clear_day(uow.session(), current_actor(), parsed)
        return parsed

    cleared = attempt(clear)
    if cleared is not None:
        flash(
            _("已撤销 %(day)s 的协会更正，这一天恢复按 chinese-calendar 或周一至周五计算。", day=cleared.isoformat()),
            "success",
        )
    return redirect(
        url_for("workdays.calendar", year=cleared.year if cleared else _year_or_this(request.form.get("year")))
    )


@bp.post("/staff/calendar/load")
@staff_required
def load():
    def run():
        year = services.parse_year(request.form.get("year"))
        return year, services.load_from_package(uow.session(), [year], actor=current_actor())

    done = attempt(run)
    if done is not None:
        year, written = done
        if written:
            flash(_("已从 chinese-calendar 载入 %(year)d 年的 %(n)d 天。", year=year, n=written), "success")
        else:
            flash(_("%(year)d 年已与 chinese-calendar 一致，没有需要载入的日子。", year=year), "success")
    return redirect(url_for("workdays.calendar", year=done[0] if done else _year_or_this(request.form.get("year"))))
