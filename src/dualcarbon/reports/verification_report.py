"""The verification report (核查报告): what a verifier signs, from the checklist of a result.

One self-contained HTML page, Chinese by default: the reporting unit and the result verified
(with the digest the evidence log holds), the basis, each checklist item with its outcome, the
verifier's note and what dualcarbon's automatic checks found, the non-conformities with the
enterprise's corrective actions, the conclusion, and the approval with the checklist digest it
carries (checked against the checklist as it stands now).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dualcarbon import __version__
from dualcarbon.reports.html import fmt, templates
from dualcarbon.reports.i18n import check_lang

if TYPE_CHECKING:
    from dualcarbon.verification.state import ChecklistState

WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "html_lang": "zh-CN",
        "title": "温室气体排放核查报告",
        "unit": "重点排放单位",
        "facility": "设施",
        "year": "核算年度",
        "methodology": "核算方法",
        "result": "核查对象",
        "result_text": "核算结果 #{id}（{computed}），排放总量 {total} tCO2e",
        "digest": "结果数据摘要（SHA-256，已记入证据链）",
        "basis": "核查依据",
        "checklist": "核查清单",
        "stage_document_review": "文件评审",
        "stage_site": "现场核查",
        "item": "核查项",
        "clause": "条款",
        "outcome": "结论",
        "note": "核查员说明",
        "automatic": "自动核对结果",
        "conform": "符合",
        "nonconform": "不符合",
        "not_applicable": "不适用",
        "pending": "未给出结论",
        "hint_conform": "提示：符合",
        "hint_nonconform": "提示：不符合",
        "hint_review": "提示：须人工核实",
        "hint_not_applicable": "提示：不适用",
        "findings": "不符合项及整改",
        "no_findings": "未提出不符合项。",
        "description": "不符合项",
        "corrective_action": "整改措施",
        "closed": "关闭",
        "open": "未关闭",
        "by_at": "{who}，{at}",
        "conclusion": "核查结论",
        "approved": "经文件评审和现场核查，核查清单各项均已给出结论，不符合项均已整改关闭。{unit}"
        "{year} 年度经核查的温室气体排放量为 {total} tCO2e，核算符合 {methodology}。",
        "not_approved": "核查尚未完成，暂不能出具核查结论：",
        "signature": "核查员签字",
        "signed": "核查员 {who} 于 {at} 批准（签发记录 #{id}）",
        "signed_digest": "签发时核查清单摘要",
        "digest_matches": "与当前核查清单一致",
        "digest_differs": "与当前核查清单不一致：签发后清单被改动",
        "sign_here": "签字",
        "date": "日期",
        "footer": "由 {engine} 生成；结论与清单摘要记入证据链，"
        "可用 dualcarbon evidence verify 复核。",
    },
    "en": {
        "html_lang": "en",
        "title": "GHG emission verification report",
        "unit": "Reporting unit",
        "facility": "Facility",
        "year": "Reporting year",
        "methodology": "Methodology",
        "result": "Verified",
        "result_text": "result #{id} ({computed}), total {total} tCO2e",
        "digest": "Result digest (SHA-256, in the evidence log)",
        "basis": "Basis",
        "checklist": "Checklist",
        "stage_document_review": "document review",
        "stage_site": "site visit",
        "item": "Item",
        "clause": "Clause",
        "outcome": "Outcome",
        "note": "Verifier's note",
        "automatic": "Automatic checks",
        "conform": "conform",
        "nonconform": "nonconform",
        "not_applicable": "not applicable",
        "pending": "no outcome yet",
        "hint_conform": "suggests: conform",
        "hint_nonconform": "suggests: nonconform",
        "hint_review": "suggests: check by hand",
        "hint_not_applicable": "suggests: not applicable",
        "findings": "Non-conformities and corrective actions",
        "no_findings": "No non-conformity was raised.",
        "description": "Non-conformity",
        "corrective_action": "Corrective action",
        "closed": "closed",
        "open": "open",
        "by_at": "{who}, {at}",
        "conclusion": "Conclusion",
        "approved": "After the document review and the site visit, every checklist item has an "
        "outcome and every non-conformity is corrected and closed. The verified {year} "
        "emissions of {unit} are {total} tCO2e, accounted in accordance with {methodology}.",
        "not_approved": "The verification is not complete; no conclusion can be given yet:",
        "signature": "Verifier's signature",
        "signed": "approved by {who} at {at} (sign-off #{id})",
        "signed_digest": "Checklist digest at approval",
        "digest_matches": "matches the checklist as it stands",
        "digest_differs": "differs from the checklist as it stands: changed after approval",
        "sign_here": "Signature",
        "date": "Date",
        "footer": "Written by {engine}; the conclusion and the checklist digest are in the "
        "evidence log (dualcarbon evidence verify).",
    },
}


def _at(value: Any) -> str:
    return "" if value is None else f"{value:%Y-%m-%d %H:%M} UTC"


def render_verification_report(state: ChecklistState, *, lang: str = "zh") -> str:
    from dualcarbon.verification.checklist import checklist

    lang = check_lang(lang)
    w = WORDS[lang]
    row = state.result
    inventory = row.inventory
    organisation = inventory.facility.organisation.name
    users = state.users
    items = []
    for entry in state.items:
        answer = entry.answer
        check = entry.check
        by = (
            ""
            if answer is None
            else w["by_at"].format(who=users.get(answer.user_id, ""), at=_at(answer.created_at))
        )
        automatic = (
            ""
            if check is None
            else f"{w['hint_' + check.hint]} · {check.text_zh if lang == 'zh' else check.text_en}"
        )
        items.append(
            {
                "id": entry.item.id,
                "text": entry.item.text_zh if lang == "zh" else entry.item.text_en,
                "clause": entry.item.clause,
                "stage": w[f"stage_{entry.item.stage}"],
                "outcome": w[answer.outcome] if answer else w["pending"],
                "css": answer.outcome if answer else "pending",
                "note": answer.note if answer else "",
                "by": by,
                "automatic": automatic,
            }
        )
    findings = [
        {
            "id": f.id,
            "item": f.item,
            "description": f.description,
            "raised": w["by_at"].format(who=users.get(f.raised_by, ""), at=_at(f.raised_at)),
            "corrective_action": f.corrective_action or "",
            "answered": ""
            if f.answered_by is None
            else w["by_at"].format(who=users.get(f.answered_by, ""), at=_at(f.answered_at)),
            "state": w["closed"] if f.closed_at is not None else w["open"],
            "closing": ""
            if f.closed_by is None
            else w["by_at"].format(who=users.get(f.closed_by, ""), at=_at(f.closed_at))
            + (f" · {f.closing_note}" if f.closing_note else ""),
        }
        for f in state.findings
    ]
    total = fmt(row.total_tco2e, 2)
    approved = state.approved
    current = state.digest()
    signed = None
    if approved is not None:
        signed = {
            "text": w["signed"].format(
                who=users.get(approved.user_id, f"user {approved.user_id}"),
                at=_at(approved.created_at),
                id=approved.id,
            ),
            "digest": approved.checklist_sha256 or "",
            "matches": approved.checklist_sha256 == current,
        }
    document = checklist()
    return (
        templates()
        .get_template("verification_report.html.j2")
        .render(
            w=w,
            title=f"{organisation} {inventory.year} {w['title']}",
            organisation=organisation,
            facility=inventory.facility.name,
            year=inventory.year,
            methodology=row.methodology,
            result=w["result_text"].format(id=row.id, computed=_at(row.computed_at), total=total),
            digest=row.result_sha256,
            basis=[document.document if lang == "zh" else document.document_en, row.methodology],
            items=items,
            findings=findings,
            conclusion=w["approved"].format(
                unit=organisation, year=inventory.year, total=total, methodology=row.methodology
            )
            if approved is not None
            else "",
            reasons=[zh if lang == "zh" else en for zh, en in state.open_reasons],
            signed=signed,
            current_digest=current,
            footer=w["footer"].format(engine=f"dualcarbon {__version__}"),
        )
    )
