"""The forms of a listing's rooms, job postings, menu sections and opening hours.

Each ``read_*`` turns a submitted form into its part of the ``duijie.listing/1`` document
(recording on the :class:`Draft` which field each path came from); each ``*_values`` gives the
form's values for a part of the stored document. Fields a form does not show are kept from
the stored part (a job's ways to apply, say), so saving a form never loses them.
"""

from __future__ import annotations

import re
from typing import Any

from duijie.domain.jobs import EmploymentType
from duijie.domain.resources import ApprovalMode, ResourceKind
from duijie.web.listing_form import Draft, FormValues, compact, text_values

ROOM_KINDS = tuple(ResourceKind)
APPROVALS = tuple(ApprovalMode)
EMPLOYMENT = tuple(EmploymentType)
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")


def room_values(room: dict[str, Any]) -> dict[str, str]:
    """The form's values for a room of the document."""
    window = room.get("booking_window") or {}
    return {
        "id": room["id"], "kind": room["kind"], "location_id": room["location_id"],
        "capacity": str(room["capacity"]), "min_party": str(room["min_party"]),
        "slot_minutes": str(room["slot_minutes"]), "lead_time_minutes": str(room["lead_time_minutes"]),
        "deposit": (room.get("deposit") or {}).get("amount", ""),
        "free_cancel_hours": str(room["free_cancel_hours"]), "approval": room.get("approval", "instant"),
        "buffer_minutes": str(room.get("buffer_minutes", 0)),
        "window_opens": window.get("opens", ""), "window_closes": window.get("closes", ""),
        **text_values("name", room["name"]), **text_values("description", room.get("description")),
        **text_values("cancellation", room.get("cancellation")),
    }


def read_room(d: Draft, *, room_id: str | None, currency: str, taken: set[str]) -> dict[str, Any]:
    """The room the form describes (``room_id`` None: a new room)."""
    _ = d._
    if room_id is None:
        d.at(".id", "id")
        room_id = d.ident("id", taken, suggest=d.raw("name_en") or "room")
    for name, path in (("kind", ".kind"), ("location_id", ".location_id"), ("approval", ".approval")):
        d.at(path, name)
    opens, closes = d.raw("window_opens"), d.raw("window_closes")
    window = None
    d.at(".booking_window", "window_opens")
    d.at(".booking_window.closes", "window_closes")
    if opens or closes:
        for name, value in (("window_opens", opens), ("window_closes", closes)):
            if not _TIME.fullmatch(value):
                d.fail(name, _("give a time such as 18:00"))
        window = {"opens": opens, "closes": closes}
    approval = d.raw("approval") or ApprovalMode.INSTANT.value
    return compact({
        "id": room_id, "kind": d.raw("kind"), "location_id": d.raw("location_id"),
        "name": d.text(".name", "name", required=True),
        "description": d.text(".description", "description"),
        "capacity": d.whole(".capacity", "capacity", default=0, lo=1),
        "min_party": d.whole(".min_party", "min_party", default=1, lo=1),
        "slot_minutes": d.whole(".slot_minutes", "slot_minutes", default=120, lo=1),
        "lead_time_minutes": d.whole(".lead_time_minutes", "lead_time_minutes", default=0),
        "deposit": d.amount(".deposit", "deposit", currency, required=False),
        "cancellation": d.text(".cancellation", "cancellation"),
        "free_cancel_hours": d.whole(".free_cancel_hours", "free_cancel_hours", default=0),
        "booking_window": window if window and not (d.errors.keys() & {"window_opens", "window_closes"}) else None,
        "approval": approval if approval != ApprovalMode.INSTANT.value else None,
        "buffer_minutes": d.whole(".buffer_minutes", "buffer_minutes", default=0) or None,
    })


def job_values(job: dict[str, Any]) -> dict[str, str]:
    """The form's values for a job posting of the document."""
    return {
        "id": job["id"], "employment_type": job["employment_type"], "openings": str(job["openings"]),
        "location_id": job.get("location_id", ""), "languages": ", ".join(job.get("languages", [])),
        "experience_required": "on" if job.get("experience_required") else "",
        "requirements": "\n".join(" / ".join(t for t in (r.get("zh"), r.get("en")) if t)
                                  if r.get("zh") and r.get("en") else (r.get("zh") or r.get("en") or "")
                                  for r in job.get("requirements", [])),
        **text_values("title", job["title"]), **text_values("duties", job.get("duties")),
        **text_values("how_to_apply", job.get("how_to_apply")),
    }


def read_job(d: Draft, *, stored: dict[str, Any] | None, taken: set[str]) -> dict[str, Any]:
    """The job posting the form describes; ``stored`` is the posting it changes (None: a new one)."""
    _ = d._
    if stored is None:
        d.at(".id", "id")
        job_id = d.ident("id", taken, suggest=d.raw("title_en") or "job")
    else:
        job_id = stored["id"]
    d.at(".employment_type", "employment_type")
    d.at(".location_id", "location_id")
    d.at(".languages", "languages")
    d.at(".requirements", "requirements")
    languages = [code.strip() for code in re.split(r"[,\s]+", d.raw("languages")) if code.strip()]
    for code in languages:
        if not _LANGUAGE.fullmatch(code):
            d.fail("languages", _("“%(value)s” is not a language code such as zh or en") % {"value": code})
    return compact({
        **(stored or {}),  # keeps what the form does not show (how to apply: phone numbers)
        "id": job_id,
        "title": d.text(".title", "title", required=True),
        "employment_type": d.raw("employment_type"),
        "openings": d.whole(".openings", "openings", default=1, lo=1),
        "location_id": d.raw("location_id") or None,
        "duties": d.text(".duties", "duties"),
        "requirements": [_requirement(line) for line in d.raw("requirements").splitlines() if line.strip()],
        "languages": languages,
        "experience_required": bool(d.values.get("experience_required")),
        "how_to_apply": d.text(".how_to_apply", "how_to_apply"),
    })


def _requirement(line: str) -> dict[str, str]:
    """``中文 / English``, or one language alone (Chinese when it holds a CJK character)."""
    zh, sep, en = line.partition(" / ")
    if sep:
        return compact({"zh": zh.strip(), "en": en.strip()})
    text = line.strip()
    return {"zh": text} if re.search(r"[\u3400-\u9fff]", text) else {"en": text}


def read_hours(d: Draft, name: str) -> str | None:
    """A location's opening hours (OSM syntax) from field ``name``; empty means "not said" (shown as
    unknown)."""
    d.at("", name)
    return d.raw(name) or None


def section_values(sections: list[dict[str, Any]]) -> dict[str, str]:
    """The form's values for the menu's sections (one numbered row each)."""
    values: dict[str, str] = {}
    for i, section in enumerate(sections):
        values |= {f"s{i}_id": section["id"], **text_values(f"s{i}_name", section["name"])}
    return values


def section_rows(values: FormValues) -> list[int]:
    """The section rows to show: those in ``values`` and one empty row for a new section."""
    rows = sorted({int(m[1]) for key in values if (m := re.fullmatch(r"s(\d+)_\w+", key))})
    top = (rows[-1] + 1) if rows else 0
    last_blank = rows and not any((values.get(f"s{rows[-1]}_{n}") or "").strip()
                                  for n in ("id", "name_zh", "name_en"))
    return rows if last_blank else [*rows, top]


def read_sections(d: Draft, *, stored: list[dict[str, Any]], used: dict[str, int]) -> list[dict[str, Any]]:
    """The menu's sections as the form lists them; ``used`` counts the items in each section id."""
    _ = d._
    known = {s["id"] for s in stored}
    sections: list[dict[str, Any]] = []
    ids: set[str] = set()
    for i in section_rows(d.values):
        head = f"s{i}_"
        typed = d.raw(f"{head}id")
        if not typed and not d.raw(f"{head}name_zh") and not d.raw(f"{head}name_en"):
            continue
        if d.values.get(f"{head}remove"):
            if used.get(typed):
                d.fail(f"{head}remove", _("this section still has %(n)s items: move or delete them first")
                       % {"n": used[typed]})
            else:
                continue
        here = f"[{len(sections)}]"
        d.at(here, f"{head}name_zh" if typed in known else f"{head}id")  # a known id is not editable
        section_id = typed if typed in known else d.ident(f"{head}id", ids | known,
                                                          suggest=d.raw(f"{head}name_en") or "section")
        ids.add(section_id)
        sections.append({"id": section_id, "name": d.text(f"{here}.name", f"{head}name", required=True)})
    return sections
