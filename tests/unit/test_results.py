"""Retained outcomes of background jobs (--retain-results): readable until they expire."""

from __future__ import annotations

from gearman_core.engine import Engine, EngineOptions

from .fakes import FakeClient, FakeScheduler, FakeWorker


def _engine(retain: float) -> tuple[Engine, FakeScheduler]:
    clock = FakeScheduler()
    return Engine(clock, EngineOptions(retain_results=retain)), clock


def _run(engine: Engine, outcome: str, retain: float | None = None, background: bool = True):  # type: ignore[no-untyped-def]
    client = None if background else engine.new_client(FakeClient())
    job = engine.submit(client, b"f", b"", b"in", retain=retain)
    worker = engine.new_worker(FakeWorker())
    engine.can_do(worker, b"f")
    assert engine.grab(worker) is job
    if outcome == "complete":
        engine.work_complete(worker, job.handle, b"out")
    elif outcome == "fail":
        engine.work_fail(worker, job.handle)
    else:
        engine.work_exception(worker, job.handle, b"boom")
    return job


def test_outcomes_are_kept_until_they_expire() -> None:
    engine, clock = _engine(60)
    done = _run(engine, "complete")
    failed = _run(engine, "fail")
    thrown = _run(engine, "exception")
    assert engine.results.get(done.handle) is not None
    kept = {job.handle: engine.results.get(job.handle) for job in (done, failed, thrown)}
    assert [(r.outcome, r.data) for r in kept.values() if r] == [
        ("complete", b"out"), ("fail", b""), ("exception", b"boom"),
    ]  # fmt: skip
    clock.advance(59)
    assert engine.results.get(done.handle) is not None
    clock.advance(2)
    assert engine.results.get(done.handle) is None
    assert len(engine.results) == 0  # swept, not only hidden


def test_nothing_is_kept_by_default_or_for_foreground_jobs() -> None:
    engine, _ = _engine(0)
    assert engine.results.get(_run(engine, "complete").handle) is None
    engine, _ = _engine(60)
    assert engine.results.get(_run(engine, "complete", background=False).handle) is None


def test_a_job_may_ask_for_its_own_retention() -> None:
    engine, clock = _engine(0)
    job = _run(engine, "complete", retain=5)
    assert engine.results.get(job.handle) is not None
    clock.advance(6)
    assert engine.results.get(job.handle) is None
