"""Receipts as PDF downloads.

Receipts are printed in Chinese whatever the reader's language: they are the office's accounting record.
"""

from io import BytesIO

from domain.billing.naming import charge_name
from domain.billing.schedule import period_label
from domain.payments.models import Method, PaymentStatus
from domain.property.models import Property, Resident
from extensions import db
from web.downloads import send_private_file
from web.receipt_pdf import ReceiptLine, ReceiptView, render_receipt_pdf

METHOD_NAMES_ZH = {
    Method.CARD: "银行卡",
    Method.ALIPAY: "支付宝",
    Method.WECHAT_PAY: "微信支付",
    Method.ONLINE: "在线支付",
    Method.CASH: "现金",
    Method.POS: "POS刷卡",
    Method.BANK_TRANSFER: "银行转账",
}


def receipt_view(payment):
    """The printable facts of a payment's receipt."""
    prop = db.session.get(Property, payment.property_id)  # the payment's own property, whoever prints it
    lines = []
    for allocation in sorted(payment.allocations, key=lambda a: a.bill_id):
        if allocation.applied_fen:
            bill = allocation.bill
            lines.append(ReceiptLine(charge_name(bill), period_label(bill.period), allocation.applied_fen))
    if payment.unapplied_fen:
        lines.append(ReceiptLine("预收款（账单已结清，待退还）", "", payment.unapplied_fen))
    payer = ""
    if payment.resident_id:
        resident = db.session.get(Resident, payment.resident_id)
        payer = resident.name if resident else ""
    return ReceiptView(
        number=payment.receipt.number,
        property_name=prop.name,
        property_address=prop.address,
        service_phone=prop.service_phone,
        unit_label=payment.unit.label,
        payer_name=payer,
        lines=tuple(lines),
        total_fen=payment.amount_fen,
        method_label=METHOD_NAMES_ZH[payment.method],
        reference=payment.provider_payment_intent or payment.reference or "",
        paid_at=payment.paid_at,
        # Online, the money is received by the property itself (the cashier's name only for money taken at the desk).
        cashier=payment.recorded_by.display_name if payment.recorded_by else prop.name,
        voided=payment.status == PaymentStatus.VOIDED,
        refunded_fen=payment.refunded_fen,
        sandbox=payment.provider == "sandbox",
    )


def receipt_response(payment):
    """The receipt PDF as a download named after its number."""
    view = receipt_view(payment)
    pdf = BytesIO(render_receipt_pdf(view))
    return send_private_file(pdf, mimetype="application/pdf", as_attachment=True, download_name=f"{view.number}.pdf")
