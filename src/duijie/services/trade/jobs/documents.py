"""The one plain JSON form of a job application: stored by ``storage.applications_repo`` and shown
to the employer (API and CLI). The applicant's details are in it, so it never leaves the employer's
node except to the employer's own admin API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from duijie.domain.applications import Applicant, Application, Stage, StageChange

FORMAT = "duijie.application/1"


def applicant_document(a: Applicant) -> dict[str, Any]:
    return {
        "name": a.name, "phone": a.phone, "email": a.email, "languages": list(a.languages),
        "experience": a.experience, "availability": a.availability, "resume_url": a.resume_url,
    }


def application_document(app: Application) -> dict[str, Any]:
    """``app`` as plain JSON (times as ISO 8601 with offset)."""
    return {
        "format": FORMAT,
        "id": app.id,
        "provider_id": app.provider_id,
        "posting_id": app.posting_id,
        "bap_id": app.bap_id,
        "transaction_id": app.transaction_id,
        "stage": app.stage.value,
        "applicant": applicant_document(app.applicant),
        "created_at": app.created_at.isoformat(),
        "updated_at": app.updated_at.isoformat(),
        "history": [{"stage": h.stage.value, "at": h.at.isoformat(), "by": h.by} for h in app.history],
    }


def application_from_document(doc: dict[str, Any]) -> Application:
    """The inverse of :func:`application_document`."""
    a = doc["applicant"]
    applicant = Applicant(a["name"], a.get("phone"), a.get("email"), tuple(a.get("languages") or ()),
                          a.get("experience"), a.get("availability"), a.get("resume_url"))
    return Application(
        id=doc["id"], provider_id=doc["provider_id"], posting_id=doc["posting_id"], bap_id=doc["bap_id"],
        transaction_id=doc["transaction_id"], applicant=applicant, stage=Stage(doc["stage"]),
        created_at=datetime.fromisoformat(doc["created_at"]), updated_at=datetime.fromisoformat(doc["updated_at"]),
        history=tuple(StageChange(Stage(h["stage"]), datetime.fromisoformat(h["at"]), h["by"])
                      for h in doc.get("history") or ()),
    )
