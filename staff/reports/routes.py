"""The monthly report (月度运营报告): the page, its PDF in Chinese and its workbook for any month, and the manager's
written summary of the month."""

from io import BytesIO

from flask import flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from domain.accounts.roles import Permission
from domain.dates import month_after, month_before
from domain.errors import DomainError
from domain.property import buildings
from domain.reports import monthly, sections, summaries
from domain.reports.charts import to_svg
from domain.reports.pdf import report_pdf
from domain.reports.workbook import report_workbook
from extensions import db
from staff import bp
from staff.reports.forms import SummaryForm
from web.auth import current_actor, staff_permission
from web.downloads import send_private_file
from web.refusals import show_domain_error

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report():
    """(property, first day of the month asked for, its report)."""
    prop = buildings.get_property()
    month = monthly.report_month(request.args.get("month"))
    return prop, month, monthly.build_report(prop.id, month)


def _page(form=None, status=200):
    """The report's page, with the summary form for the manager."""
    prop, month, report = _report()
    parts = sections.sections(report)
    if form is None:
        form = SummaryForm(formdata=None, data={"text": report.summary.text if report.summary else ""})
    return render_template(
        "staff/reports/monthly.html",
        property=prop,
        month=month,
        report=report,
        sections=parts,
        charts={s.key: to_svg(s.chart, str(s.chart_label), s.key) for s in parts if s.chart is not None},
        previous=month_before(month),
        following=month_after(month),
        form=form,
    ), status


def _file_arguments(report, month):
    """What the PDF and the workbook are made of, in the language they are written in."""
    return {
        "title": _("Monthly operations report"),
        "month_label": month.strftime("%Y-%m"),
        "summary": report.summary,
        "summary_heading": _("Manager's summary"),
        "sections": sections.sections(report),
        "written_by": _("Written by"),
    }


@bp.get("/reports/monthly")
@staff_permission(Permission.VIEW_MONTHLY_REPORT)
def monthly_report():
    """The month's report (?month=YYYY-MM, else the last full month)."""
    return _page()


@bp.post("/reports/monthly/summary")
@staff_permission(Permission.WRITE_MONTHLY_SUMMARY)
def save_monthly_summary():
    """Save the manager's summary of the month shown."""
    form = SummaryForm()
    if form.validate_on_submit():
        prop = buildings.get_property()
        month = monthly.report_month(request.args.get("month"))
        try:
            summaries.save_summary(current_actor(), property_id=prop.id, month=month, text=form.text.data)
            db.session.commit()
            flash(_("Summary saved."), "success")
            return redirect(url_for("staff.monthly_report", month=month.strftime("%Y-%m")), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return _page(form, 422)


@bp.get("/reports/monthly.pdf")
@staff_permission(Permission.VIEW_MONTHLY_REPORT)
def monthly_report_pdf():
    """The month's report as a PDF in Chinese, charts included."""
    prop, month, report = _report()
    with force_locale("zh_Hans_CN"):
        pdf = report_pdf(property_name=prop.name, **_file_arguments(report, month))
    return send_private_file(
        BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"monthly-report-{month.strftime('%Y-%m')}.pdf",
    )


@bp.get("/reports/monthly.xlsx")
@staff_permission(Permission.VIEW_MONTHLY_REPORT)
def monthly_report_xlsx():
    """The month's report as an Excel workbook, one sheet per section, in the reader's language."""
    _prop, month, report = _report()
    return send_private_file(
        BytesIO(report_workbook(**_file_arguments(report, month))),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"monthly-report-{month.strftime('%Y-%m')}.xlsx",
    )
