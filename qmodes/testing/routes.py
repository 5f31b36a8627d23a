"""Handlers of the runtime API endpoints the qiskit-ibm-runtime 0.51 client calls.

=======  =======================================  =========================================
Method   Path (under the API prefix)              Client call
=======  =======================================  =========================================
GET      /backends                                ``service.backends()``, ``least_busy``
GET      /backends/<name>/configuration           ``IBMBackend`` creation
GET      /backends/<name>/properties              ``backend.properties()``, ``.target``
GET      /backends/<name>/status                  ``backend.status()`` (before each job)
GET      /backends/<name>/defaults                not called by 0.51 (no pulse); 404
GET      /instances/usage                         ``service.usage()`` (before each job)
POST     /jobs                                    ``primitive.run()``
GET      /jobs                                    ``service.jobs()``
GET      /jobs/<id>                               ``job.status()``, ``service.job()``
DELETE   /jobs/<id>                               ``service.delete_job()``
GET      /jobs/<id>/results                       ``job.result()``, error message
GET      /jobs/<id>/metrics                       ``job.metrics()``, ``job.usage()``
GET      /jobs/<id>/logs                          ``job.logs()``
POST     /jobs/<id>/cancel                        ``job.cancel()``
PUT      /jobs/<id>/tags                          ``job.update_tags()``
POST     /sessions                                ``Session(...)``, ``Batch(...)``
GET      /sessions/<id>                           ``details()``, ``status()``, ``usage()``
PATCH    /sessions/<id>                           ``close()`` (``accepting_jobs: false``)
DELETE   /sessions/<id>/close                     ``cancel()``
=======  =======================================  =========================================
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from qmodes.testing.api import Reply, Request, route
from qmodes.testing.state import ApiError, RuntimeState

__all__: list[str] = []

_NAME = r"(?P<name>[^/]+)"
_ID = r"(?P<id>[^/]+)"


def _device(state: RuntimeState, name: str) -> Any:
    device = state.catalog.get(name)
    if device is None:
        raise ApiError(404, f"Backend {name} not found", 1216)
    return device


@route("GET", "/backends")
def list_backends(state: RuntimeState, request: Request, args: dict[str, str]) -> Reply:
    devices = [d.summary(state.queue_length(d.name)) for d in state.catalog]
    return Reply(200, {"devices": devices})


@route("GET", f"/backends/{_NAME}/configuration")
def configuration(state: RuntimeState, request: Request, args: dict[str, str]) -> Reply:
    return Reply(200, _device(state, args["name"]).configuration())


@route("GET", f"/backends/{_NAME}/properties")
def properties(state: RuntimeState, request: Request, args: dict[str, str]) -> Reply:
    props = _device(state, args["name"]).properties()
    if props is None:
        raise ApiError(404, f"No properties for {args['name']}")
    return Reply(200, props)


@route("GET", f"/backends/{_NAME}/status")
def status(state: RuntimeState, request: Request, args: dict[str, str]) -> Reply:
    device = _device(state, args["name"])
    return Reply(200, device.status(state.queue_length(device.name)))


@route("GET", f"/backends/{_NAME}/defaults")
def defaults(state: RuntimeState, request: Request, args: dict[str, str]) -> Reply:
    _device(state, args["name"])
    raise ApiError(404, f"No pulse defaults for {args['name']}")


@route("GET", "/instances/usage")
def instance_usage(state: RuntimeState, request: Request, args: dict[str, str]) -> Reply:
    consumed = state.usage_consumed()
    limit = state.usage_limit_seconds
    body: dict[str, Any] = {
        "instance_id": request.headers.get("service-crn", ""),
        "plan_id": "qmodes-testing",
        "usage_consumed_seconds": round(consumed, 6),
        "usage_limit_reached": bool(limit is not None and consumed >= limit),
    }
    if limit is not None:
        body["usage_limit_seconds"] = limit
    start = state.usage_period_start  # a rolling 28-day period, as IBM's Open Plan
    body["usage_period"] = {"start_time": _iso(start), "end_time": _iso(start + 28 * 86400.0)}
    return Reply(200, body)


def _iso(seconds: float) -> str:
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


@route("POST", "/jobs")
def run_job(state: RuntimeState, request: Request, args: dict[str, str]) -> Reply:
    # heavy: Qiskit loads when a job or device needs it, not on import
    from qiskit_ibm_runtime import RuntimeDecoder

    body = request.json()
    decoded = request.json(RuntimeDecoder)
    if not isinstance(body, dict) or not body.get("program_id") or not body.get("backend"):
        raise ApiError(400, "program_id and backend are required")
    job = state.submit(body["program_id"], body["backend"], body, decoded.get("params") or {})
    return Reply(200, {"id": job.id, "backend": job.backend, "session_id": job.session_id})


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@route("GET", "/jobs")
def list_jobs(state: RuntimeState, request: Request, args: dict[str, str]) -> Reply:
    with state.lock:
        jobs = list(state.jobs.values())
    filters = {
        "backend": lambda j, v: j.backend == v,
        "program": lambda j, v: j.program_id == v,
        "session_id": lambda j, v: j.session_id == v,
        "pending": lambda j, v: (not j.final) == (v == "true"),
    }
    for name, keep in filters.items():
        value = request.arg(name)
        if value is not None:
            jobs = [j for j in jobs if keep(j, value)]
    tags = request.query.get("tags") or []
    jobs = [j for j in jobs if all(t in j.tags for t in tags)]
    after, before = _when(request.arg("created_after")), _when(request.arg("created_before"))
    jobs = [
        j
        for j in jobs
        if (after is None or j.created >= after) and (before is None or j.created <= before)
    ]
    jobs.sort(key=lambda j: j.created, reverse=request.arg("sort") != "ASC")
    offset = int(request.arg("offset", "0") or 0)
    limit = int(request.arg("limit", "20") or 20)
    page = jobs[offset : offset + limit]
    return Reply(
        200, {"jobs": [j.api() for j in page], "count": len(jobs), "limit": limit, "offset": offset}
    )


@route("GET", f"/jobs/{_ID}")
def get_job(state: RuntimeState, request: Request, args: dict[str, str]) -> Reply:
    job = state.job(args["id"])
    return Reply(200, job.api(include_params=request.arg("exclude_params") != "true"))


@route("DELETE", f"/jobs/{_ID}")
def delete_job(state: RuntimeState, request: Request, args: dict[str, str]) -> Reply:
    with state.lock:
        job = state.job(args["id"])
        if not job.final:
            raise ApiError(409, f"Job {job.id} is not in a final state", 3209)
        del state.jobs[job.id]
    return Reply(204)


@route("GET", f"/jobs/{_ID}/results")
def job_results(state: RuntimeState, request: Request, args: dict[str, str]) -> Reply:
    job = state.job(args["id"])
    text = job.result_text()
    if text is None:
        raise ApiError(404, f"Results for job {job.id} are not available", 1292)
    return Reply(200, text)


@route("GET", f"/jobs/{_ID}/metrics")
def job_metrics(state: RuntimeState, request: Request, args: dict[str, str]) -> Reply:
    return Reply(200, state.job(args["id"]).metrics())


@route("GET", f"/jobs/{_ID}/logs")
def job_logs(state: RuntimeState, request: Request, args: dict[str, str]) -> Reply:
    job = state.job(args["id"])
    return Reply(200, f"{job.status}: {job.reason}\n" if job.reason else "")


@route("POST", f"/jobs/{_ID}/cancel")
def cancel_job(state: RuntimeState, request: Request, args: dict[str, str]) -> Reply:
    state.cancel_job(args["id"])
    return Reply(204)


@route("PUT", f"/jobs/{_ID}/tags")
def job_tags(state: RuntimeState, request: Request, args: dict[str, str]) -> Reply:
    tags = request.json().get("tags")
    if not isinstance(tags, list):
        raise ApiError(400, "tags must be a list")
    with state.lock:
        state.job(args["id"]).tags = [str(t) for t in tags]
    return Reply(204)


@route("POST", "/sessions")
def create_session(state: RuntimeState, request: Request, args: dict[str, str]) -> Reply:
    body = request.json()
    if not body.get("backend"):
        raise ApiError(400, "backend is required")
    session = state.create_session(
        body["backend"],
        body.get("mode", "dedicated"),
        body.get("max_ttl"),
        body.get("interactive_ttl"),
    )
    return Reply(200, session.api())


@route("GET", f"/sessions/{_ID}")
def session_details(state: RuntimeState, request: Request, args: dict[str, str]) -> Reply:
    return Reply(200, state.session(args["id"]).api())


@route("PATCH", f"/sessions/{_ID}")
def update_session(state: RuntimeState, request: Request, args: dict[str, str]) -> Reply:
    body = request.json()
    if body.get("accepting_jobs") is False:
        state.close_session(args["id"])
    else:
        state.session(args["id"])
    return Reply(204)


@route("DELETE", f"/sessions/{_ID}/close")
def cancel_session(state: RuntimeState, request: Request, args: dict[str, str]) -> Reply:
    state.close_session(args["id"], cancel=True)
    return Reply(204)
