"""A job posting as a search result shows it: employment type, languages, openings and how to apply
(the ad's phone numbers), from the posting itself (the local index) or from its Beckn item (a live
answer). Nothing about applications is in it."""

from __future__ import annotations

from typing import Any

from duijie.domain.jobs import JobPosting
from duijie.domain.provider import ContactKind
from duijie.protocol.mapping import jobs as jm


def posting_view(posting: JobPosting) -> dict[str, Any]:
    """``{"job": {...}}`` for a result row of ``posting``."""
    return {"job": {
        "employment_type": posting.employment_type.value,
        "languages": list(posting.languages),
        "openings": posting.openings,
        "how_to_apply": jm.how_to_apply(posting),
        "phones": [c.value for c in posting.apply_via if c.kind is ContactKind.PHONE],
    }}


def _tag_list(item: dict[str, Any], code: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for group in item.get("tags") or []:
        if isinstance(group, dict) and (group.get("descriptor") or {}).get("code") == code:
            for tag in group.get("list") or []:
                if isinstance(tag, dict) and isinstance(tag.get("value"), str):
                    out.append((str((tag.get("descriptor") or {}).get("code")), tag["value"]))
    return out


def is_job_item(item: dict[str, Any]) -> bool:
    """Whether a Beckn catalog item is a job posting (``descriptor.code`` JOB)."""
    descriptor = item.get("descriptor")
    return isinstance(descriptor, dict) and descriptor.get("code") == jm.ITEM_CODE


def item_view(item: dict[str, Any]) -> dict[str, Any]:
    """``{"job": {...}}`` for a result row of a job item another node answered with."""
    details = dict(_tag_list(item, "listing-details"))
    how = _tag_list(item, "how-to-apply")
    available = ((item.get("quantity") or {}).get("available") or {}).get("count")
    return {"job": {
        "employment_type": details.get("employment-type"),
        "languages": [x for x in details.get("languages", "").split(",") if x],
        "openings": available if isinstance(available, int) else None,
        "how_to_apply": (item.get("descriptor") or {}).get("long_desc", "").rsplit("\n", 1)[-1] or None,
        "phones": [v.split(" (", 1)[0] for k, v in how if k == ContactKind.PHONE.value],
    }}
