"""Receipt PDFs: Chinese capitals, yuan formatting, and what the rendered PDF says on each page."""

import dataclasses
import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from web.receipt_pdf import (
    ReceiptLine,
    ReceiptView,
    fen_to_chinese_upper,
    format_yuan,
    render_receipt_pdf,
)

LINES = (
    ReceiptLine("物业管理费", "2026-11", 45600),
    ReceiptLine("公共能耗分摊费（电梯、走廊照明、二次供水加压泵房等公共区域设备运行电费）", "2026-11", 3870),
    ReceiptLine("地下车位管理费 B2-117", "2026-09 至 2026-11", 45000),
    ReceiptLine("装修垃圾清运费", "", 20000),
    ReceiptLine("年付优惠", "", -1200),
)


def make_receipt(**changes):
    """A paid receipt for unit 1-1201 totalling ¥1,132.70, with `changes` applied."""
    receipt = ReceiptView(
        number="SJ-2026-000123",
        property_name="亿丰时代广场",
        property_address="浙江省杭州市余杭区五常街道文一西路998号",
        service_phone="0571-8888 6666",
        unit_label="1-1201",
        payer_name="张三",
        lines=LINES,
        total_fen=sum(line.amount_fen for line in LINES),
        method_label="微信支付",
        reference="pi_3QhZk2LkdIwHu7ix0a1b2c3d",
        paid_at=datetime(2026, 11, 28, 10, 5, tzinfo=UTC),
        cashier="在线支付",
    )
    if "lines" in changes and "total_fen" not in changes:
        changes["total_fen"] = sum(line.amount_fen for line in changes["lines"])
    return dataclasses.replace(receipt, **changes)


def read(receipt):
    """Render `receipt` and open the PDF."""
    data = render_receipt_pdf(receipt)
    assert data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


def text_of(reader):
    """All extracted text, page after page."""
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize(
    ("fen", "expected"),
    [
        (0, "零元整"),
        (1, "壹分"),
        (10, "壹角"),
        (56, "伍角陆分"),
        (100, "壹元整"),
        (101, "壹元零壹分"),
        (110, "壹元壹角"),
        (1000, "壹拾元整"),
        (2050, "贰拾元零伍角"),
        (10005, "壹佰元零伍分"),
        (32504, "叁佰贰拾伍元零肆分"),
        (100000, "壹仟元整"),
        (100010, "壹仟元零壹角"),
        (100101, "壹仟零壹元零壹分"),
        (123456, "壹仟贰佰叁拾肆元伍角陆分"),
        (140950, "壹仟肆佰零玖元伍角"),
        (168032, "壹仟陆佰捌拾元零叁角贰分"),
        (600714, "陆仟零柒元壹角肆分"),
        (1000000, "壹万元整"),
        (1001000, "壹万零壹拾元整"),
        (10000001, "壹拾万元零壹分"),
        (10010000, "壹拾万零壹佰元整"),
        (10700053, "壹拾万柒仟元零伍角叁分"),
        (100000000, "壹佰万元整"),
        (101010100, "壹佰零壹万零壹佰零壹元整"),
        (123456789, "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
        (1000100000, "壹仟万壹仟元整"),
        (10000000000, "壹亿元整"),
        (10000000100, "壹亿零壹元整"),
        (10001000000, "壹亿零壹万元整"),
        (11000000000, "壹亿壹仟万元整"),
        (101000000000, "壹拾亿壹仟万元整"),
        (100000000000000, "壹万亿元整"),
        (200030004000500, "贰万零叁亿零肆万零伍元整"),
        (
            999999999999999999,
            "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分",
        ),
        (-1200, "负壹拾贰元整"),
    ],
)
def test_chinese_capitals_follow_the_bank_rules(fen, expected):
    """零 once per run of zeros and across 万/亿 groups, 整 only without 角分, 零 before a lone 分."""
    assert fen_to_chinese_upper(fen) == expected


def test_chinese_capitals_stop_before_yi_yi():
    """Amounts that would need 亿亿 are refused rather than misprinted."""
    with pytest.raises(ValueError):
        fen_to_chinese_upper(10**18)


@pytest.mark.parametrize(
    ("fen", "expected"),
    [
        (0, "¥0.00"),
        (5, "¥0.05"),
        (123456, "¥1,234.56"),
        (100000000, "¥1,000,000.00"),
        (-1200, "-¥12.00"),
        (-5, "-¥0.05"),
    ],
)
def test_yuan_formatting_uses_whole_fen(fen, expected):
    """Thousands separators, two decimals and the minus sign before ¥."""
    assert format_yuan(fen) == expected


def test_receipt_pdf_carries_every_field_as_text():
    """pypdf reads back the CID Chinese text and every field of a plain receipt, and no marks."""
    reader = read(make_receipt())
    text = text_of(reader)
    assert len(reader.pages) == 1
    for expected in (
        "收款收据",
        "SJ-2026-000123",
        "亿丰时代广场",
        "西路998号",  # the address wraps in its narrow column
        "服务电话 0571-8888 6666",
        "1-1201",
        "张三",
        "物业管理费",
        "2026-09 至 2026-11",
        "¥456.00",
        "-¥12.00",
        "¥1,132.70",
        "人民币壹仟壹佰叁拾贰元柒角",
        "微信支付",
        "pi_3QhZk2LkdIwHu7ix0a1b2c3d",
        "在线支付",
        "2026-11-28 18:05",
        "本收据由物业客服服务平台生成，请妥善保存。",
    ):
        assert expected in text, expected
    for mark in ("作废", "VOID", "测试沙盒", "已退款"):
        assert mark not in text


def test_receipt_pdf_metadata_and_page_size():
    """Title and creator metadata are set, and the page is A5 portrait."""
    reader = read(make_receipt())
    assert reader.metadata.title == "收款收据 SJ-2026-000123"
    assert reader.metadata.creator == "物业客服服务平台"
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (420, 595)  # A5 portrait


def test_paid_at_is_printed_in_shanghai_time_across_midnight():
    """A UTC evening on 31 December is New Year's Day in Shanghai."""
    text = text_of(read(make_receipt(paid_at=datetime(2026, 12, 31, 16, 30, tzinfo=UTC))))
    assert "2027-01-01 00:30" in text


def test_naive_paid_at_is_refused():
    """A time without a zone cannot be placed in Shanghai time, so it is an error."""
    with pytest.raises(ValueError):
        render_receipt_pdf(make_receipt(paid_at=datetime(2026, 11, 28, 18, 5)))


def test_lines_that_do_not_add_up_are_refused():
    """A total that differs from the sum of the lines is an error, not a receipt."""
    with pytest.raises(ValueError):
        render_receipt_pdf(make_receipt(total_fen=1))


def test_voided_receipt_carries_the_stamp():
    """A voided receipt says 作废 VOID."""
    text = text_of(read(make_receipt(voided=True)))
    assert "作废 VOID" in text


def test_sandbox_receipt_carries_the_banner():
    """A sandbox receipt says it is not real money."""
    text = text_of(read(make_receipt(sandbox=True)))
    assert "测试沙盒支付 · 非真实款项" in text


def test_refunded_receipt_states_the_refund():
    """A refunded receipt states the refunded amount."""
    text = text_of(read(make_receipt(refunded_fen=3870)))
    assert "已退款 ¥38.70" in text


def test_empty_optional_fields_print_a_dash():
    """Empty periods, payer and reference show a dash, not a blank."""
    text = text_of(read(make_receipt(payer_name="", reference="")))
    assert text.count("—") >= 4  # two one-off periods, the payer and the reference


def test_markup_in_data_is_printed_literally():
    """Ampersands and angle brackets in data are text, not paragraph markup."""
    lines = (ReceiptLine("A&B <b>维修</b>", "", 100),)
    text = text_of(read(make_receipt(lines=lines, payer_name="O'Brien & Co")))
    assert "A&B <b>维修</b>" in text and "O'Brien & Co" in text


def test_long_descriptions_wrap_and_are_cut_sensibly():
    """Very long descriptions wrap inside their column and end in an ellipsis at 80 characters."""
    lines = (
        ReceiptLine("公共区域维修基金分摊" * 60, "2026-11", 100),
        ReceiptLine("x" * 300, "2026-11", 200),
    )
    reader = read(make_receipt(lines=lines))
    text = text_of(reader)
    assert len(reader.pages) == 1
    assert "¥3.00" in text
    flat = text.replace("\n", "")  # the description wraps over several lines
    assert ("公共区域维修基金分摊" * 8)[:79] + "…" in flat
    assert "x" * 79 + "…" in flat


def test_forty_lines_flow_onto_a_second_page_with_the_header_repeated():
    """Forty lines take two pages; the header repeats and the total ends the list."""
    lines = tuple(ReceiptLine(f"物业管理费 第{i:02d}项", "2026-11", 10000 + i) for i in range(40))
    reader = read(make_receipt(lines=lines))
    assert len(reader.pages) == 2
    first, second = (page.extract_text() for page in reader.pages)
    assert "第00项" in first and "第39项" in second
    assert "项目" in first and "项目" in second  # the table header is repeated
    assert "收款收据（续）" in second and "SJ-2026-000123" in second
    assert "合计（共 40 项）" in second and "¥4,007.80" in second and "合计" not in first
    assert "第 1 / 2 页" in first and "第 2 / 2 页" in second


def test_every_page_of_a_voided_sandbox_receipt_is_marked():
    """The stamp and the sandbox band are on every page, not only the first."""
    lines = tuple(ReceiptLine(f"物业管理费 第{i:02d}项", "2026-11", 10000) for i in range(40))
    reader = read(make_receipt(lines=lines, voided=True, sandbox=True, refunded_fen=10000))
    assert len(reader.pages) == 2
    for page in reader.pages:
        text = page.extract_text()
        assert "作废 VOID" in text and "测试沙盒支付 · 非真实款项" in text
    assert "已退款 ¥100.00" in reader.pages[1].extract_text()


@pytest.mark.parametrize("count", range(18, 34))
def test_the_capitals_never_sit_on_a_page_without_the_total_and_charges(count):
    """Near a page break the closing details move with the total and the last charges."""
    lines = tuple(ReceiptLine(f"物业管理费 第{i:02d}项", "2026-11", 10000) for i in range(count))
    reader = read(make_receipt(lines=lines))
    last = reader.pages[-1].extract_text()
    assert "金额大写" in last and "合计" in last and f"第{count - 1:02d}项" in last
    assert all("金额大写" not in page.extract_text() for page in reader.pages[:-1])
