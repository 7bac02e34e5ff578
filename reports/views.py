"""Report pages and their CSV files. Thin: the period comes from the filter, the figures from the
services; a period that cannot be read shows its message next to the field (422), never a 500."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from accounts.forms import form_status, show_error
from accounts.models import OrgKind, Role
from accounts.policy import allow
from extensions import DomainError
from reports import council, ido, services
from reports.charts import bar_chart
from reports.csv import table_csv
from reports.forms import PeriodForm, QuarterForm
from reports.tables import cell_text

bp = Blueprint("reports", __name__)
bp.add_app_template_filter(cell_text, "figure")  # a figure on the page as in the chart and the CSV

REPORTING = (Role.SECOND_LINE, Role.COORDINATOR, Role.LEAD)
MUNICIPAL = (Role.COORDINATOR, Role.LEAD)


def _period(form: PeriodForm):
    """The period of the filter, or None with the messages next to the fields."""
    if request.args:
        form.validate()
        if form.van.errors and not form.van.raw_data == [""]:
            form.van.errors = [_("Vul een datum in als 31-3-2026.")]
        if form.tot.errors and not form.tot.raw_data == [""]:
            form.tot.errors = [_("Vul een datum in als 31-3-2026.")]
        if form.errors:
            return None
    try:
        return services.choose_period(services.PeriodChoice(
            kind=form.periode.data, year=form.jaar.data, month=form.maand.data, quarter=form.kwartaal.data,
            start=form.van.data, end=form.tot.data))
    except DomainError as err:
        show_error(form, err)
        return None


def _page(template: str, title: str, tables, form, period, csv_endpoint: str, **extra):
    charts = {t.key: bar_chart(t) for t in tables}
    return render_template(template, title=title, tables=tables, charts=charts, form=form, period=period,
                           csv_endpoint=csv_endpoint, query=request.args.to_dict(), **extra), form_status(form)


def _csv(tables, key: str, title: str, period) -> Response:
    table = next((t for t in tables if t.key == key), None)
    if table is None:
        abort(404)
    body = table_csv(table, heading=[f"{title}: {table.title}", f"{_('Periode')}: {period.label}"])
    name = f"wegwijs-{table.key}-{period.key}.csv"
    return Response(body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/rapportage")
@allow(*REPORTING, nav=_l("Rapportage"), nav_order=60)
def report():
    form = PeriodForm(request.args)
    period = _period(form)
    title, tables = services.report_for(current_user, period) if period else (_("Rapportage"), [])
    municipal = current_user.organisation.kind == OrgKind.MUNICIPALITY
    return _page("reports/report.html", title, tables, form, period, "reports.report_csv", municipal=municipal)


@bp.get("/rapportage/csv/<key>")
@allow(*REPORTING)
def report_csv(key: str):
    form = PeriodForm(request.args)
    period = _period(form)
    if period is None:
        return _page("reports/report.html", _("Rapportage"), [], form, None, "reports.report_csv")
    title, tables = services.report_for(current_user, period)
    return _csv(tables, key, title, period)


def _municipality_only():
    if current_user.organisation.kind != OrgKind.MUNICIPALITY:
        abort(404)  # the IDO registration is the municipalities' own


@bp.get("/rapportage/ido")
@allow(*MUNICIPAL)
def ido_export():
    _municipality_only()
    form = PeriodForm(request.args)
    period = _period(form)
    tables = ido.ido_report(current_user.organisation_id, period) if period else []
    return _page("reports/report.html", _("Registratie Informatiepunt Digitale Overheid"), tables, form, period,
                 "reports.ido_csv", ido=True)


@bp.get("/rapportage/ido/csv/<key>")
@allow(*MUNICIPAL)
def ido_csv(key: str):
    _municipality_only()
    form = PeriodForm(request.args)
    period = _period(form)
    if period is None:
        return _page("reports/report.html", _("Registratie Informatiepunt Digitale Overheid"), [], form, None,
                     "reports.ido_csv", ido=True)
    return _csv(ido.ido_report(current_user.organisation_id, period), key, _("IDO-registratie"), period)


def _quarter(form: QuarterForm):
    form.kwartaal.choices = [(q.key, q.label) for q in council.quarters()]
    period = council.quarter_by_key(form.kwartaal.data)
    if period is None:
        form.kwartaal.errors = [_("Kies een kwartaal uit de lijst.")]
    return period


@bp.get("/rapportage/clientenraad")
@allow(Role.COUNCIL, nav=_l("Rapportage"), nav_order=60)
def council_report():
    form = QuarterForm(request.args)
    period = _quarter(form)
    tables = council.council_report(period) if period else []
    return _page("reports/council.html", _("Rapportage voor de cliëntenraad"), tables, form, period,
                 "reports.council_csv")


@bp.get("/rapportage/clientenraad/csv/<key>")
@allow(Role.COUNCIL)
def council_csv(key: str):
    form = QuarterForm(request.args)
    period = _quarter(form)
    if period is None:
        abort(404)
    return _csv(council.council_report(period), key, _("Rapportage voor de cliëntenraad"), period)
