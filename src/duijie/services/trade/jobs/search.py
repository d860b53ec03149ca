"""Job postings in the seller's ``on_search``: the postings a search asks for, with openings left.

A search finds a posting by its title, duties, requirements, how to apply or id (in Chinese or
English: ``cashier`` and ``收银`` both find the cashier), by a word for jobs (``jobs``, ``招聘``...),
or by the category ``jobs``; a search with no text and no category lists every posting. The
provider filters (id, name, place) apply as they do to the menu. Nothing about applications is
ever in a catalog: only each posting's count of openings left.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from duijie.domain.applications import openings_left
from duijie.domain.jobs import JobPosting
from duijie.domain.listing import Listing
from duijie.domain.text import LocalText
from duijie.protocol import mapping as m
from duijie.protocol.mapping import jobs as jm
from duijie.protocol.mapping.catalog import provider_in
from duijie.services.local_search import match_listing
from duijie.services.trade.jobs.ports import JobsUnitOfWork
from duijie.services.trade.search_answer import narrowed

JOB_WORDS = frozenset({"job", "jobs", "hiring", "career", "careers", "vacancy", "招聘", "工作", "求职", "职位", "诚聘"})


def _has(text: LocalText | None, needle: str) -> bool:
    return text is not None and needle in text.both("\n").lower()


def _posting_matches(p: JobPosting, needle: str) -> bool:
    return (needle == p.id.lower() or needle == jm.item_id(p.id) or _has(p.title, needle) or _has(p.duties, needle)
            or any(_has(r, needle) for r in p.requirements) or _has(p.how_to_apply, needle))


def matching_postings(listing: Listing, c: m.SearchCriteria) -> tuple[JobPosting, ...]:
    """The postings of ``listing`` that answer ``c`` (none when its provider filters fail)."""
    if not listing.jobs:
        return ()
    where = m.SearchCriteria(provider_id=c.provider_id, provider_text=c.provider_text, gps=c.gps,
                             radius_km=c.radius_km)
    if match_listing(listing, where) is None:
        return ()
    if c.category and c.category.strip().lower() not in ("job", "jobs", jm.JOBS_CATEGORY):
        return ()
    return narrowed(listing.jobs, listing, c, JOB_WORDS, _posting_matches)


def with_job_postings(uow: JobsUnitOfWork, listings: Sequence[Listing], criteria: m.SearchCriteria,
                      providers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``providers`` (the mapped answer so far) with the matching postings of ``listings`` added,
    and a provider added for a listing that only its postings matched."""
    for listing in listings:
        postings = matching_postings(listing, criteria)
        if not postings:
            continue
        provider = provider_in(providers, listing)
        counted = [(p, openings_left(p, uow.applications.offers(listing.id, p.id))) for p in postings]
        jm.add_postings(provider, listing, counted)
    return providers
