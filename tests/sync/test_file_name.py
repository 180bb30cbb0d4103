"""The 现场检查笔录 PDF's file name names the enterprise and the day (China's), safe for any file
system (issue 24, point 7: it was ``现场检查笔录_<uuid>.pdf``)."""

from __future__ import annotations

from sync.file_name import MAX_NAME_CHARS, record_pdf_name, safe_part


def test_the_name_and_china_date() -> None:
    assert record_pdf_name("威海某某超市有限公司", "2026-12-06T09:14:00+08:00") == \
        "现场检查笔录_威海某某超市有限公司_2026-12-06.pdf"
    # 20:30 UTC on the 5th is already the 6th in China, whatever the host's zone
    assert record_pdf_name("威海某某超市有限公司", "2026-12-05T20:30:00+00:00") == \
        "现场检查笔录_威海某某超市有限公司_2026-12-06.pdf"
    assert record_pdf_name("甲", "2026-12-05T20:30:00") == "现场检查笔录_甲_2026-12-06.pdf"


def test_what_no_file_system_takes_is_replaced() -> None:
    name = record_pdf_name('A/B\\C:D*E?F"G<H>I|J\x00K\tL  M.', "2026-12-06T09:14:00+08:00")
    stem = name.removesuffix(".pdf")
    assert not set('/\\:*?"<>|\x00\t ') & set(stem)
    assert name == "现场检查笔录_A_B_C_D_E_F_G_H_I_J_K_L_M_2026-12-06.pdf"
    assert safe_part("..隐藏..") == "隐藏"


def test_a_long_name_is_cut_and_missing_parts_left_out() -> None:
    long = "威海" + "很长的名字" * 30 + "有限公司"
    part = safe_part(long)
    assert len(part) == MAX_NAME_CHARS and part.endswith("…")
    name = record_pdf_name(long, "2026-12-06T09:14:00+08:00")
    assert len(name.encode("utf-8")) < 255 and name.endswith("_2026-12-06.pdf")
    assert record_pdf_name("", "not a time") == "现场检查笔录.pdf"
    assert record_pdf_name("/:*", "2026-12-06T09:14:00+08:00") == "现场检查笔录_2026-12-06.pdf"
