"""The problems of a listing in the visitor's language: the pages' name for the one table of
listing problems, keyed by their code, that the command line uses too (:mod:`duijie.l10n.listing_reasons`)."""

from __future__ import annotations

from duijie.l10n.listing_reasons import N_, Gettext, hours_problem_said, said, say

__all__ = ["N_", "Gettext", "hours_problem_said", "said", "say"]
