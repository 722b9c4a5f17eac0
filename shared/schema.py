"""The national report formats as data: table keys, their Chinese labels and known aliases.

Everything that needs to know which rows and columns a format has (parser, validator, indexer,
dashboards) reads it from here, so the format is written down once. Keys and labels follow
`report-format.md` §4; aliases follow §5 and §7.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FORMATS = ("2021", "2019", "pre2019", "unknown")
TABLED_FORMATS = ("2021", "2019")

TABLE_KEYS = ("active_disclosure", "applications", "review_litigation")


@dataclass(frozen=True)
class Label:
    """A row or column key with the label the format prints and the aliases seen in the wild."""

    key: str
    label: str
    aliases: tuple[str, ...] = ()
    signed: bool = False  # only 2019 items_change may be negative
    money: bool = False  # a decimal amount, not a count

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


@dataclass(frozen=True)
class T2Block:
    key: str  # art20_1 …
    caption: str  # 第二十条第（一）项
    rows: tuple[Label, ...]
    cols: tuple[Label, ...]


@dataclass(frozen=True)
class FormatSchema:
    version: str
    t2_blocks: tuple[T2Block, ...]
    t3_rows: tuple[Label, ...]
    t3_cols: tuple[Label, ...] = field(default=())
    t4_groups: tuple[Label, ...] = field(default=())
    t4_cols: tuple[Label, ...] = field(default=())

    def t2_cells(self) -> list[tuple[str, str, Label]]:
        """Every (row_key, col_key, col label) of T2, in table order."""
        return [(r.key, c.key, c) for b in self.t2_blocks for r in b.rows for c in b.cols]

    def t2_row_keys(self) -> list[str]:
        return [r.key for b in self.t2_blocks for r in b.rows]

    def cell_count(self) -> dict[str, int]:
        return {
            "active_disclosure": len(self.t2_cells()),
            "applications": len(self.t3_rows) * len(self.t3_cols),
            "review_litigation": len(self.t4_groups) * len(self.t4_cols),
        }


# --- T3: applicant columns and result rows (shared by both formats except （六）) -----------------

T3_COLS = (
    Label("natural_person", "自然人"),
    Label("commercial_enterprise", "商业企业"),
    Label("research_institution", "科研机构"),
    Label("public_welfare_org", "社会公益组织"),
    Label("legal_service_org", "法律服务机构"),
    Label("other_org", "其他"),
    Label("total", "总计"),
)

_T3_HEAD = (
    Label("new_received", "本年新收政府信息公开申请数量", ("本年新收政府信息公开申请",)),
    Label("carried_over_in", "上年结转政府信息公开申请数量", ("上年结转政府信息公开申请",)),
    Label("granted", "予以公开"),
    Label("partially_granted", "部分公开（区分处理的，只计这一情形，不计其他情形）", ("部分公开",)),
    Label("denied_state_secret", "属于国家秘密"),
    Label(
        "denied_prohibited_by_law",
        "其他法律行政法规禁止公开",
        ("法律行政法规禁止公开", "其他法律法规禁止公开"),
    ),
    Label("denied_security_stability", "危及“三安全一稳定”", ("三安全一稳定", "危及三安全一稳定")),
    Label("denied_third_party_rights", "保护第三方合法权益"),
    Label("denied_internal_affairs", "属于三类内部事务信息"),
    Label("denied_process_info", "属于四类过程性信息"),
    Label("denied_enforcement_file", "属于行政执法案卷"),
    Label("denied_admin_inquiry", "属于行政查询事项"),
    Label("unable_not_held", "本机关不掌握相关政府信息", ("不掌握相关政府信息",)),
    Label("unable_needs_creation", "没有现成信息需要另行制作"),
    Label("unable_still_unclear", "补正后申请内容仍不明确"),
    Label("not_processed_petition", "信访举报投诉类申请"),
    Label("not_processed_repeat", "重复申请"),
    Label("not_processed_publication", "要求提供公开出版物"),
    Label("not_processed_excessive", "无正当理由大量反复申请"),
    Label("not_processed_confirm_reissue", "要求行政机关确认或重新出具已获取信息"),
)

_T3_OTHER_2021 = (
    Label(
        "other_no_correction",
        "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        ("申请人无正当理由逾期不补正",),
    ),
    Label(
        "other_fee_unpaid",
        "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        ("申请人逾期未按收费通知要求缴纳费用",),
    ),
    Label("other_other", "其他"),
)

_T3_OTHER_2019 = (Label("other_handling", "其他处理"),)

_T3_TAIL = (
    Label("results_total", "总计"),
    Label("carried_over_out", "结转下年度继续办理"),
)

# The result groups of T3 (rows 3–24); used by T3-003 and for derived analytics rows.
T3_GROUPS = {
    "results_denied": "不予公开",
    "results_unable": "无法提供",
    "results_not_processed": "不予处理",
    "results_other": "其他处理",
}

# --- T4 ---------------------------------------------------------------------------------------

T4_GROUPS = (
    Label("admin_review", "行政复议"),
    Label("litigation_direct", "未经复议直接起诉"),
    Label("litigation_after_review", "复议后起诉"),
)
T4_COLS = (
    Label("upheld", "结果维持"),
    Label("corrected", "结果纠正"),
    Label("other", "其他结果"),
    Label("pending", "尚未审结"),
    Label("total", "总计"),
)

# --- T2 ---------------------------------------------------------------------------------------

_DECISIONS_2021 = Label("decisions", "本年处理决定数量")

T2_2021 = (
    T2Block(
        "art20_1",
        "第二十条第（一）项",
        (
            Label("regulations", "规章"),
            Label("normative_documents", "行政规范性文件", ("规范性文件",)),
        ),
        (
            Label("issued", "本年制发件数"),
            Label("repealed", "本年废止件数"),
            Label("in_force", "现行有效件数"),
        ),
    ),
    T2Block(
        "art20_5",
        "第二十条第（五）项",
        (Label("administrative_licensing", "行政许可"),),
        (_DECISIONS_2021,),
    ),
    T2Block(
        "art20_6",
        "第二十条第（六）项",
        (Label("administrative_penalty", "行政处罚"), Label("administrative_coercion", "行政强制")),
        (_DECISIONS_2021,),
    ),
    T2Block(
        "art20_8",
        "第二十条第（八）项",
        (Label("administrative_fees", "行政事业性收费"),),
        (
            Label(
                "fee_amount_wan_yuan", "本年收费金额（单位：万元）", ("本年收费金额",), money=True
            ),
        ),
    ),
)

_ITEMS_2019 = (
    Label("items_prev_year", "上一年项目数量"),
    Label("items_change", "本年增/减", ("本年增减",), signed=True),
)

T2_2019 = (
    T2Block(
        "art20_1",
        "第二十条第（一）项",
        (
            Label("regulations", "规章"),
            Label("normative_documents", "规范性文件", ("行政规范性文件",)),
        ),
        (
            Label("newly_made", "本年新制作数量"),
            Label("newly_published", "本年新公开数量"),
            Label("published_total", "对外公开总数量"),
        ),
    ),
    T2Block(
        "art20_5",
        "第二十条第（五）项",
        (
            Label("administrative_licensing", "行政许可"),
            Label("other_external_services", "其他对外管理服务事项"),
        ),
        (*_ITEMS_2019, Label("decisions", "处理决定数量")),
    ),
    T2Block(
        "art20_6",
        "第二十条第（六）项",
        (Label("administrative_penalty", "行政处罚"), Label("administrative_coercion", "行政强制")),
        (*_ITEMS_2019, Label("decisions", "处理决定数量")),
    ),
    T2Block(
        "art20_8",
        "第二十条第（八）项",
        (Label("administrative_fees", "行政事业性收费"),),
        _ITEMS_2019,
    ),
    T2Block(
        "art20_9",
        "第二十条第（九）项",
        (Label("centralized_procurement", "政府集中采购"),),
        (
            Label("procurement_projects", "采购项目数量"),
            Label("procurement_amount", "采购总金额", money=True),
        ),
    ),
)

SCHEMAS: dict[str, FormatSchema] = {
    "2021": FormatSchema(
        "2021", T2_2021, (*_T3_HEAD, *_T3_OTHER_2021, *_T3_TAIL), T3_COLS, T4_GROUPS, T4_COLS
    ),
    "2019": FormatSchema(
        "2019", T2_2019, (*_T3_HEAD, *_T3_OTHER_2019, *_T3_TAIL), T3_COLS, T4_GROUPS, T4_COLS
    ),
}

# Header labels that tell the formats apart (detect from labels, never from the year).
FORMAT_MARKERS = {
    "2021": ("本年制发件数", "本年废止件数", "现行有效件数", "本年收费金额"),
    "2019": (
        "本年新制作数量",
        "本年新公开数量",
        "对外公开总数量",
        "上一年项目数量",
        "政府集中采购",
    ),
}

# --- Sections ------------------------------------------------------------------------------------

SECTION_KEYS = (
    "overview",
    "active_disclosure",
    "applications",
    "review_litigation",
    "problems",
    "other_matters",
)

SECTION_TITLES: dict[str, tuple[str, ...]] = {
    # canonical title first, then aliases seen in real reports (§5)
    "overview": ("总体情况", "概述"),
    "active_disclosure": ("主动公开政府信息情况",),
    "applications": ("收到和处理政府信息公开申请情况",),
    "review_litigation": (
        "政府信息公开行政复议、行政诉讼情况",
        "因政府信息公开工作被申请行政复议提起行政诉讼情况",
        "因政府信息公开工作被申请行政复议和提起行政诉讼情况",
        "政府信息公开行政复议和行政诉讼情况",
        "政府信息公开行政复议及行政诉讼情况",
    ),
    "problems": ("存在的主要问题及改进情况", "政府信息公开工作存在的主要问题及改进情况"),
    "other_matters": ("其他需要报告的事项",),
}


def cell_path(table: str, row: str, col: str) -> str:
    """The dotted name a finding uses to point at a cell: `applications.new_received.total`."""
    return f"{table}.{row}.{col}"


# Cells the parser keeps apart (ParsedReport.extra_cells) beside the national format's: the
# provincial T3 variant's subtotal rows (「不予公开小计」…) and its 「法人或其他组织小计」 column.
T3_SUBTOTAL_GROUPS = ("denied", "unable", "not_processed", "other")
LEGAL_PERSON_SUBTOTAL = "legal_person_subtotal"


def subtotal_row(group: str) -> str:
    return f"subtotal_{group}"


def extra_cell_keys() -> tuple[str, ...]:
    """Every key of an extra cell the parser can emit that no tabled format has: the subtotal
    rows (national columns and the legal-person subtotal) and the legal-person subtotal of every
    T3 row of either format. (A row of the other edition printed in a report — a 2019 row in a
    2021 report — is kept as an extra cell too, under that edition's key.)"""
    keys: list[str] = []
    for group in T3_SUBTOTAL_GROUPS:
        row = subtotal_row(group)
        keys += [cell_path("applications", row, c.key) for c in T3_COLS]
        keys.append(cell_path("applications", row, LEGAL_PERSON_SUBTOTAL))
    rows = dict.fromkeys(r.key for fmt in TABLED_FORMATS for r in SCHEMAS[fmt].t3_rows)
    keys += [cell_path("applications", r, LEGAL_PERSON_SUBTOTAL) for r in rows]
    return tuple(keys)
