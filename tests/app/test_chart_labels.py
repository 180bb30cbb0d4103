"""The dashboard's bars carry names that fit a 390-pixel phone (issue 24, point 7: they were
numbered 1, 2… and named only in the legend)."""

from __future__ import annotations

from app.domain.chart_labels import CHAR_PX, LINES, PHONE_BARS_PX, bar_labels, short_name

REGIONS = ["环翠区", "文登区", "荣成市", "乳山市", "威海火炬高技术产业开发区", "威海经济技术开发区",
           "威海临港经济技术开发区", "威海南海新区"]


def _fits(labels: list[str], bars: int) -> bool:
    per_line = int(PHONE_BARS_PX / bars) // CHAR_PX
    lines = [line for label in labels for line in label.split("\n")]
    return all(len(line) <= per_line for line in lines) and all(label.count("\n") < LINES for label in labels)


def test_two_bars_carry_their_names_not_numbers() -> None:
    assert bar_labels(["批发和零售业", "住宿和餐饮业"]) == ["批发零售", "住宿餐饮"]
    assert bar_labels(["环翠区", "文登区"]) == ["环翠区", "文登区"]
    assert bar_labels(["2026年威海市食品经营者“双随机”抽查", "2026年威海市特种设备“双随机”抽查"]) == [
        "威海市食品经营者抽查", "威海市特种设备抽查"]


def test_every_industry_section_has_a_short_name_that_fits() -> None:
    names = ["农、林、牧、渔业", "制造业", "建筑业", "批发和零售业", "交通运输、仓储和邮政业", "住宿和餐饮业",
             "信息传输、软件和信息技术服务业", "房地产业", "租赁和商务服务业", "居民服务、修理和其他服务业",
             "文化、体育和娱乐业"]
    labels = bar_labels(names)
    assert labels == ["农林\n牧渔", "制造", "建筑", "批发\n零售", "交通\n运输", "住宿\n餐饮", "信息\n技术",
                      "房地\n产", "租赁\n商务", "居民\n服务", "文体\n娱乐"]
    assert _fits(labels, len(names))


def test_eight_regions_fit_and_stay_apart() -> None:
    labels = bar_labels(REGIONS)
    assert _fits(labels, len(REGIONS)) and len(set(labels)) == len(REGIONS)
    flat = [label.replace("\n", "") for label in labels]
    assert flat[:4] == ["环翠区", "文登区", "荣成市", "乳山市"]
    assert flat[5] == "威海经开区" and flat[6] == "临港经开区", "the shared 威海 goes where room is short"
    assert flat[4] == "火炬高新区" and flat[7] == "威海南海新区"


def test_many_bars_are_cut_but_never_merged() -> None:
    names = [f"2025年{n}号抽查" for n in range(3)] + [f"2026年{n}号抽查" for n in range(3)]
    labels = bar_labels(names)
    assert _fits(labels, len(names)) and len(set(labels)) == len(labels)
    assert [label.replace("\n", "") for label in labels] == [f"{y}年{n}号…" for y in (2025, 2026) for n in range(3)]
    assert bar_labels([]) == [] and short_name("  ") == ""
    assert bar_labels(["A"]) == ["A"]


def _axis(chart: object) -> list[str]:
    bars = chart.controls[0]  # type: ignore[attr-defined]
    return [label.label.value for label in bars.bottom_axis.labels]


def test_the_dashboards_charts_use_them() -> None:
    from app.components.charts import plan_chart, rate_chart

    rows = [{"key": k, "rate": 0.5, "colour": "橙色", "problems": 1, "inspected": 2}
            for k in ("批发和零售业", "住宿和餐饮业")]
    assert _axis(rate_chart(rows)) == ["批发零售", "住宿餐饮"]
    assert _axis(rate_chart([{**rows[0], "key": "A"}], short_labels=True)) == ["A"]
    plans = [{"name": name, "tasks": 3, "completed": 1, "published": 0, "completion_rate": 1 / 3,
              "publication_rate": 0.0} for name in ("2026年威海市食品经营者“双随机”抽查", "特种设备安全抽查")]
    assert _axis(plan_chart(plans)) == ["威海市食品经营者抽查", "特种设备安全抽查"]
