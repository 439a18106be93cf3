"""Liveness and readiness: answers once the index is loaded; needs no API key."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.dependencies import ServiceDep
from app.api.schemas import Health

router = APIRouter(tags=["状态"])


@router.get("/healthz", response_model=Health, summary="服务状态")
def healthz(service: ServiceDep) -> Health:
    # Never waits behind a reload (seconds after an upload): the loaded index is healthy meanwhile.
    kb = (service.loaded() or service.get()).kb
    return Health(documents=len(kb.documents), index_version=kb.version)
