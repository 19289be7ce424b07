"""The decision table of docs/semantics.md, one test per cell (test_D<n>_...).

Each test builds the cell's situation on an engine with a fake clock, fires the cell's event,
and checks what happens to the job, to every listener and to the worker. The vocabulary
(fg, bg, mixed) is the document's: fg = only foreground submits, bg = only background
submits, mixed = a background job that foreground submits joined (or the reverse).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from gearman_core.engine import ClientSession, Job, JobNotFound, JobState, WorkerSession

from .fakes import FakeClient, FakeWorker, Harness

F = b"func"


@dataclass
class Setup:
    h: Harness
    job: Job
    listeners: list[FakeClient]
    worker: WorkerSession | None = None
    worker_end: FakeWorker | None = None


def make_job(
    kind: str,
    listeners: int = 1,
    running: bool = False,
    job_retries: int = 0,
    timeout_ms: int = 0,
    unique: bytes = b"u1",
) -> Setup:
    """A job of the given kind (fg, bg, mixed), optionally already held by a worker."""
    h = Harness(job_retries=job_retries)
    ends: list[FakeClient] = []
    job: Job | None = None
    if kind in ("bg", "mixed"):
        job = h.engine.submit(None, F, unique, b"payload")
    if kind in ("fg", "mixed"):
        for _ in range(listeners):
            session, end = h.client()
            joined = h.engine.submit(session, F, unique, b"payload")
            assert job is None or joined is job
            job = joined
            ends.append(end)
    assert job is not None
    setup = Setup(h, job, ends)
    if running:
        setup.worker, setup.worker_end = h.worker(F, timeout_ms=timeout_ms)
        assert h.engine.grab(setup.worker) is job
    return setup


def client_of(setup: Setup, index: int) -> ClientSession:
    """The ClientSession of listener ``index`` (sessions are kept on the job)."""
    for session in setup.job.listeners:
        if session.endpoint is setup.listeners[index]:
            return session
    raise AssertionError("listener not attached")


def assert_gone(h: Harness, job: Job) -> None:
    """The job is finished: unknown to status, its unique free, no longer counted."""
    assert job.state is JobState.DONE
    assert not h.engine.status(job.handle).known
    assert job.handle not in h.engine.jobs
    assert job not in job.function.uniques.values()
    queued, running, _ = h.status_counts(job.function.name)
    assert (queued, running) == (0, 0)


def assert_requeued(h: Harness, job: Job, retries: int) -> None:
    assert job.state is JobState.QUEUED
    assert job.worker is None
    assert job.retries == retries
    status = h.engine.status(job.handle)
    assert status.known and not status.running
    assert (status.numerator, status.denominator) == (0, 0)
    assert h.status_counts(job.function.name)[:2] == (1, 0)


def finish_on_new_worker(setup: Setup) -> None:
    """A fresh worker takes the requeued job and completes it."""
    worker, _ = setup.h.worker(F)
    assert setup.h.engine.grab(worker) is setup.job
    setup.h.engine.work_complete(worker, setup.job.handle, b"second try")


# ------------------------------------------------------------------ client disconnects


def test_D1_client_gone_queued_fg_last_listener_removes_job_at_once() -> None:
    s = make_job("fg")
    session = client_of(s, 0)
    s.h.engine.client_gone(session)
    assert_gone(s.h, s.job)
    worker, _worker_end = s.h.worker(F)
    assert s.h.engine.grab(worker) is None
    assert s.listeners[0].events == []
    # Its unique is free: the same submit now creates a new job.
    again = s.h.engine.submit(None, F, b"u1", b"payload")
    assert again is not s.job and again.handle != s.job.handle


def test_D2_client_gone_queued_fg_other_listeners_remain() -> None:
    s = make_job("fg", listeners=2)
    s.h.engine.client_gone(client_of(s, 0))
    assert s.job.state is JobState.QUEUED
    assert s.h.engine.status(s.job.handle).listeners == 1
    worker, _ = s.h.worker(F)
    assert s.h.engine.grab(worker) is s.job
    s.h.engine.work_data(worker, s.job.handle, b"d")
    s.h.engine.work_complete(worker, s.job.handle, b"r")
    assert s.listeners[0].events == []
    assert s.listeners[1].events == [("data", s.job.handle, b"d"), ("complete", s.job.handle, b"r")]


def test_D3_client_gone_queued_mixed_last_listener_keeps_background_job() -> None:
    s = make_job("mixed")
    s.h.engine.client_gone(client_of(s, 0))
    assert s.job.state is JobState.QUEUED
    status = s.h.engine.status(s.job.handle)
    assert status.known and status.listeners == 0
    worker, _ = s.h.worker(F)
    assert s.h.engine.grab(worker) is s.job
    s.h.engine.work_complete(worker, s.job.handle, b"r")
    assert s.listeners[0].events == []
    assert_gone(s.h, s.job)


def test_D4_client_gone_queued_mixed_other_listeners_remain() -> None:
    s = make_job("mixed", listeners=2)
    s.h.engine.client_gone(client_of(s, 1))
    assert s.job.state is JobState.QUEUED
    assert s.h.engine.status(s.job.handle).listeners == 1
    worker, _ = s.h.worker(F)
    assert s.h.engine.grab(worker) is s.job
    s.h.engine.work_complete(worker, s.job.handle, b"r")
    assert s.listeners[0].events == [("complete", s.job.handle, b"r")]
    assert s.listeners[1].events == []


def test_D5_background_submitter_disconnect_changes_nothing() -> None:
    h = Harness()
    session, end = h.client()
    # The connection submits in the background: it is not a listener of the job.
    job = h.engine.submit(None, F, b"", b"payload")
    h.engine.client_gone(session)
    assert job.state is JobState.QUEUED
    assert h.status_counts(F)[:2] == (1, 0)
    assert end.events == []


def test_D6_client_gone_running_fg_last_listener_job_runs_on_silently() -> None:
    s = make_job("fg", running=True)
    assert s.worker is not None and s.worker_end is not None
    s.h.engine.client_gone(client_of(s, 0))
    assert s.job.state is JobState.RUNNING
    status = s.h.engine.status(s.job.handle)
    assert status.known and status.running and status.listeners == 0
    assert s.worker_end.cancelled == []  # the worker is not told
    # A new submit of the same unique still joins the running job.
    late, late_end = s.h.client()
    assert s.h.engine.submit(late, F, b"u1", b"payload") is s.job
    s.h.engine.work_status(s.worker, s.job.handle, b"1", b"2")
    s.h.engine.work_complete(s.worker, s.job.handle, b"r")  # accepted, no JobNotFound
    assert s.listeners[0].events == []
    assert late_end.events == [
        ("status", s.job.handle, b"1", b"2"),
        ("complete", s.job.handle, b"r"),
    ]
    assert_gone(s.h, s.job)


def test_D7_client_gone_running_fg_other_listeners_remain() -> None:
    s = make_job("fg", listeners=2, running=True)
    assert s.worker is not None
    s.h.engine.client_gone(client_of(s, 0))
    s.h.engine.work_data(s.worker, s.job.handle, b"d")
    s.h.engine.work_complete(s.worker, s.job.handle, b"r")
    assert s.listeners[0].events == []
    assert s.listeners[1].events == [("data", s.job.handle, b"d"), ("complete", s.job.handle, b"r")]
    assert_gone(s.h, s.job)


def test_D8_client_gone_running_mixed_stays_background_and_is_retried() -> None:
    s = make_job("mixed", running=True)
    assert s.worker is not None
    s.h.engine.client_gone(client_of(s, 0))
    assert s.job.state is JobState.RUNNING
    # Being background, it survives the loss of its worker.
    s.h.engine.worker_gone(s.worker)
    assert_requeued(s.h, s.job, retries=1)
    finish_on_new_worker(s)
    assert s.listeners[0].events == []
    assert_gone(s.h, s.job)


def test_D9_client_gone_scheduled_epoch_job_with_fg_listener_stays_scheduled() -> None:
    h = Harness()
    due = h.clock.now + 30
    job = h.engine.submit(None, F, b"e", b"payload", when=due)
    session, end = h.client()
    assert h.engine.submit(session, F, b"e", b"payload") is job
    h.engine.client_gone(session)
    assert job.state is JobState.SCHEDULED
    assert h.status_counts(F)[:2] == (1, 0)
    h.clock.advance(31)
    worker, _ = h.worker(F)
    assert h.engine.grab(worker) is job
    assert end.events == []


# ------------------------------------------------------------------ worker disconnects


def test_D10_worker_gone_fg_retries_left_requeues_and_listener_gets_next_attempt() -> None:
    s = make_job("fg", running=True, job_retries=3)
    assert s.worker is not None
    s.h.engine.work_status(s.worker, s.job.handle, b"5", b"10")
    sleeper, sleeper_end = s.h.sleeping_worker(F)
    s.h.engine.worker_gone(s.worker)
    assert_requeued(s.h, s.job, retries=1)
    assert sleeper_end.wakes == 1  # requeue wakes sleeping workers
    assert s.listeners[0].terminal() == []
    assert s.h.engine.grab(sleeper) is s.job
    s.h.engine.work_complete(sleeper, s.job.handle, b"second")
    assert s.listeners[0].terminal() == [("complete", s.job.handle, b"second")]


def test_D10b_worker_gone_requeues_every_job_it_held_at_the_tail() -> None:
    h = Harness()
    first = h.engine.submit(None, F, b"", b"1")
    second = h.engine.submit(None, F, b"", b"2")
    worker, _ = h.worker(F)
    assert h.engine.grab(worker) is first
    assert h.engine.grab(worker) is second
    third = h.engine.submit(None, F, b"", b"3")
    h.engine.worker_gone(worker)
    other, _ = h.worker(F)
    taken = [h.engine.grab(other) for _ in range(3)]
    assert taken == [third, first, second]


def test_D11_worker_gone_fg_retries_exhausted_fails_every_listener() -> None:
    s = make_job("fg", listeners=2, running=True, job_retries=1)
    assert s.worker is not None
    s.h.engine.worker_gone(s.worker)
    for end in s.listeners:
        assert end.events == [("fail", s.job.handle)]
    assert_gone(s.h, s.job)


def test_D12_worker_gone_bg_retries_left_requeues() -> None:
    s = make_job("bg", running=True, job_retries=2)
    assert s.worker is not None
    s.h.engine.worker_gone(s.worker)
    assert_requeued(s.h, s.job, retries=1)


def test_D13_worker_gone_bg_retries_exhausted_drops_silently() -> None:
    s = make_job("bg", running=True, job_retries=2)
    assert s.worker is not None
    s.h.engine.worker_gone(s.worker)
    second, _ = s.h.worker(F)
    assert s.h.engine.grab(second) is s.job
    s.h.engine.worker_gone(second)  # second attempt lost: 2 of 2 used
    assert_gone(s.h, s.job)


def test_D14_worker_gone_mixed_retries_left_requeues() -> None:
    s = make_job("mixed", running=True)
    assert s.worker is not None
    s.h.engine.worker_gone(s.worker)
    assert_requeued(s.h, s.job, retries=1)
    assert s.listeners[0].events == []
    finish_on_new_worker(s)
    assert s.listeners[0].events == [("complete", s.job.handle, b"second try")]


def test_D15_worker_gone_mixed_retries_exhausted_fails_fg_listeners() -> None:
    s = make_job("mixed", running=True, job_retries=1)
    assert s.worker is not None
    s.h.engine.worker_gone(s.worker)
    assert s.listeners[0].events == [("fail", s.job.handle)]
    assert_gone(s.h, s.job)


def test_D16_worker_gone_abandoned_running_job_is_dropped_without_retry() -> None:
    s = make_job("fg", running=True)
    assert s.worker is not None
    s.h.engine.client_gone(client_of(s, 0))
    s.h.engine.worker_gone(s.worker)
    assert_gone(s.h, s.job)
    assert s.job.retries == 0
    assert s.listeners[0].events == []


def test_D17_worker_gone_holding_cancelled_job_discards_it() -> None:
    s = make_job("fg", running=True)
    assert s.worker is not None
    assert s.h.engine.cancel(s.job.handle)
    s.h.engine.worker_gone(s.worker)
    assert s.job.state is JobState.DONE
    assert s.h.status_counts(F)[:2] == (0, 0)
    assert s.listeners[0].events == [("fail", s.job.handle)]  # from the cancel, only


# ------------------------------------------------------------------ CANT_DO / RESET_ABILITIES


def test_D18_cant_do_requeues_held_job_and_late_report_is_not_found() -> None:
    s = make_job("fg", running=True)
    assert s.worker is not None
    s.h.engine.cant_do(s.worker, F)
    assert_requeued(s.h, s.job, retries=1)
    assert s.h.status_counts(F)[2] == 0
    with pytest.raises(JobNotFound):
        s.h.engine.work_complete(s.worker, s.job.handle, b"late")
    assert s.listeners[0].events == []
    finish_on_new_worker(s)
    assert s.listeners[0].events == [("complete", s.job.handle, b"second try")]


def test_D18b_cant_do_of_another_function_leaves_the_job_with_the_worker() -> None:
    s = make_job("fg", running=True)
    assert s.worker is not None
    s.h.engine.can_do(s.worker, b"other")
    s.h.engine.cant_do(s.worker, b"other")
    assert s.job.state is JobState.RUNNING and s.job.worker is s.worker
    s.h.engine.work_complete(s.worker, s.job.handle, b"r")
    assert s.listeners[0].events == [("complete", s.job.handle, b"r")]


def test_D19_cant_do_with_retries_exhausted_fails_listeners() -> None:
    s = make_job("fg", running=True, job_retries=1)
    assert s.worker is not None
    s.h.engine.cant_do(s.worker, F)
    assert s.listeners[0].events == [("fail", s.job.handle)]
    assert_gone(s.h, s.job)
    with pytest.raises(JobNotFound):
        s.h.engine.work_complete(s.worker, s.job.handle, b"late")


def test_D20_reset_abilities_requeues_jobs_of_every_function() -> None:
    h = Harness()
    a = h.engine.submit(None, b"a", b"", b"1")
    b = h.engine.submit(None, b"b", b"", b"2")
    worker, _ = h.worker(b"a", b"b")
    assert {h.engine.grab(worker), h.engine.grab(worker)} == {a, b}
    h.engine.reset_abilities(worker)
    for job in (a, b):
        assert_requeued(h, job, retries=1)
    assert worker.records == [] and worker.abilities == {}
    assert h.engine.grab(worker) is None


def test_D21_cant_do_bg_job_requeues() -> None:
    s = make_job("bg", running=True)
    assert s.worker is not None
    s.h.engine.cant_do(s.worker, F)
    assert_requeued(s.h, s.job, retries=1)


def test_D22_cant_do_on_abandoned_or_cancelled_job_discards_it() -> None:
    abandoned = make_job("fg", running=True)
    assert abandoned.worker is not None
    abandoned.h.engine.client_gone(client_of(abandoned, 0))
    abandoned.h.engine.cant_do(abandoned.worker, F)
    assert_gone(abandoned.h, abandoned.job)

    cancelled = make_job("fg", running=True)
    assert cancelled.worker is not None
    cancelled.h.engine.cancel(cancelled.job.handle)
    cancelled.h.engine.reset_abilities(cancelled.worker)
    assert cancelled.job.state is JobState.DONE
    assert cancelled.h.status_counts(F)[:2] == (0, 0)
    assert cancelled.listeners[0].events == [("fail", cancelled.job.handle)]


# ------------------------------------------------------------------ CAN_DO_TIMEOUT expiry


def test_D23_timeout_requeues_endpoint_told_late_report_not_found() -> None:
    s = make_job("fg", running=True, timeout_ms=5000)
    assert s.worker is not None and s.worker_end is not None
    s.h.clock.advance(4.9)
    assert s.job.state is JobState.RUNNING
    assert s.worker_end.timed_out == []
    s.h.clock.advance(0.2)
    assert_requeued(s.h, s.job, retries=1)
    # The endpoint hears of it (a gRPC worker gets a cancel); a TCP worker is told nothing.
    assert s.worker_end.timed_out == [s.job.handle]
    assert s.worker_end.cancelled == []
    assert s.listeners[0].events == []
    with pytest.raises(JobNotFound):
        s.h.engine.work_complete(s.worker, s.job.handle, b"late")
    finish_on_new_worker(s)
    assert s.listeners[0].events == [("complete", s.job.handle, b"second try")]


def test_D24_timeout_with_retries_exhausted_fails_listeners() -> None:
    s = make_job("fg", running=True, timeout_ms=1000, job_retries=1)
    assert s.worker is not None
    s.h.clock.advance(1.0)
    assert s.listeners[0].events == [("fail", s.job.handle)]
    assert_gone(s.h, s.job)
    with pytest.raises(JobNotFound):
        s.h.engine.work_complete(s.worker, s.job.handle, b"late")


def test_D25_timeout_bg_job_requeues() -> None:
    s = make_job("bg", running=True, timeout_ms=2000)
    s.h.clock.advance(2.0)
    assert_requeued(s.h, s.job, retries=1)


def test_D26_timeout_mixed_exhausted_fails_fg_listeners() -> None:
    s = make_job("mixed", listeners=2, running=True, timeout_ms=1000, job_retries=1)
    s.h.clock.advance(1.0)
    for end in s.listeners:
        assert end.events == [("fail", s.job.handle)]
    assert_gone(s.h, s.job)


@pytest.mark.parametrize("result", ["complete", "fail", "exception"])
def test_D27_result_before_expiry_cancels_the_timer(result: str) -> None:
    s = make_job("fg", running=True, timeout_ms=3000, job_retries=1)
    assert s.worker is not None
    if result == "complete":
        s.h.engine.work_complete(s.worker, s.job.handle, b"r")
    elif result == "fail":
        s.h.engine.work_fail(s.worker, s.job.handle)
    else:
        s.h.engine.work_exception(s.worker, s.job.handle, b"boom")
    assert s.h.clock.pending() == []
    # A new job with the same unique, held by the same worker, is not hit by the old timer.
    session, end = s.h.client()
    again = s.h.engine.submit(session, F, b"u1", b"payload")
    assert again is not s.job
    worker, _ = s.h.worker(F)
    assert s.h.engine.grab(worker) is again
    s.h.clock.advance(10)
    assert again.state is JobState.RUNNING and again.retries == 0
    assert end.events == []
    assert len(s.listeners[0].terminal()) == 1


def test_D28_timeout_of_cancelled_job_discards_it() -> None:
    s = make_job("fg", running=True, timeout_ms=1000)
    assert s.worker is not None
    s.h.engine.cancel(s.job.handle)
    s.h.clock.advance(1.0)
    assert s.job.state is JobState.DONE
    assert s.h.status_counts(F)[:2] == (0, 0)
    assert s.listeners[0].events == [("fail", s.job.handle)]
    with pytest.raises(JobNotFound):
        s.h.engine.work_complete(s.worker, s.job.handle, b"late")


def test_D29_timeout_of_abandoned_job_drops_it_without_retry() -> None:
    s = make_job("fg", running=True, timeout_ms=1000)
    s.h.engine.client_gone(client_of(s, 0))
    s.h.clock.advance(1.0)
    assert_gone(s.h, s.job)
    assert s.job.retries == 0


# ------------------------------------------------------------------ admin cancel


def test_D30_cancel_queued_fg_fails_each_listener_once_and_removes_job() -> None:
    s = make_job("fg", listeners=2)
    assert s.h.engine.cancel(s.job.handle) is True
    for end in s.listeners:
        assert end.events == [("fail", s.job.handle)]
    assert_gone(s.h, s.job)
    worker, _ = s.h.worker(F)
    assert s.h.engine.grab(worker) is None


def test_D31_cancel_queued_bg_removes_job_silently() -> None:
    s = make_job("bg")
    assert s.h.engine.cancel(s.job.handle) is True
    assert_gone(s.h, s.job)
    worker, _ = s.h.worker(F)
    assert s.h.engine.grab(worker) is None


def test_D32_cancel_queued_mixed_fails_fg_listeners_and_removes_job() -> None:
    s = make_job("mixed")
    assert s.h.engine.cancel(s.job.handle) is True
    assert s.listeners[0].events == [("fail", s.job.handle)]
    assert_gone(s.h, s.job)


def test_D33_cancel_scheduled_job_is_never_released() -> None:
    h = Harness()
    job = h.engine.submit(None, F, b"", b"payload", when=h.clock.now + 10)
    sleeper, sleeper_end = h.sleeping_worker(F)
    assert h.engine.cancel(job.handle) is True
    assert_gone(h, job)
    h.clock.advance(20)
    assert job.state is JobState.DONE
    assert h.engine.grab(sleeper) is None
    assert sleeper_end.wakes == 0


def test_D34_cancel_running_fg_one_fail_worker_told_later_results_swallowed() -> None:
    s = make_job("fg", running=True)
    assert s.worker is not None and s.worker_end is not None
    assert s.h.engine.cancel(s.job.handle) is True
    assert s.listeners[0].events == [("fail", s.job.handle)]
    assert s.worker_end.cancelled == [s.job.handle]
    assert s.job.state is JobState.CANCELLED
    assert not s.h.engine.status(s.job.handle).known
    # Its unique is free at once: the same submit creates a new job.
    session, end = s.h.client()
    fresh = s.h.engine.submit(session, F, b"u1", b"payload")
    assert fresh is not s.job
    # The worker's later reports are accepted (no JobNotFound) and reach nobody.
    s.h.engine.work_data(s.worker, s.job.handle, b"d")
    s.h.engine.work_status(s.worker, s.job.handle, b"1", b"1")
    s.h.engine.work_complete(s.worker, s.job.handle, b"r")
    assert s.listeners[0].events == [("fail", s.job.handle)]
    assert end.events == []
    assert s.job.state is JobState.DONE
    assert s.h.status_counts(F)[:2] == (1, 0)  # only the fresh job


def test_D35_cancel_running_bg_tells_only_the_worker() -> None:
    s = make_job("bg", running=True)
    assert s.worker is not None and s.worker_end is not None
    assert s.h.engine.cancel(s.job.handle) is True
    assert s.worker_end.cancelled == [s.job.handle]
    s.h.engine.work_fail(s.worker, s.job.handle)  # accepted silently
    assert s.job.state is JobState.DONE
    assert s.h.status_counts(F)[:2] == (0, 0)


def test_D36_cancel_unknown_finished_or_cancelled_handle_is_false() -> None:
    s = make_job("fg", running=True)
    assert s.worker is not None
    assert s.h.engine.cancel(b"H:localhost:999") is False
    assert s.h.engine.cancel(s.job.handle) is True
    assert s.h.engine.cancel(s.job.handle) is False  # already cancelled
    s.h.engine.work_complete(s.worker, s.job.handle, b"r")
    assert s.h.engine.cancel(s.job.handle) is False  # finished
    assert s.listeners[0].events == [("fail", s.job.handle)]


# ------------------------------------------------------------------ WORK_FAIL


def test_D37_work_fail_fg_each_record_once_and_never_retried() -> None:
    h = Harness(job_retries=5)
    session, end = h.client()
    other, other_end = h.client()
    job = h.engine.submit(session, F, b"u", b"x")
    assert h.engine.submit(session, F, b"u", b"x") is job  # same client twice
    assert h.engine.submit(other, F, b"u", b"x") is job
    worker, _ = h.worker(F)
    assert h.engine.grab(worker) is job
    h.engine.work_fail(worker, job.handle)
    assert end.events == [("fail", job.handle), ("fail", job.handle)]
    assert other_end.events == [("fail", job.handle)]
    assert_gone(h, job)
    assert h.engine.grab(worker) is None


def test_D38_work_fail_mixed_fails_fg_listeners_and_ends_job() -> None:
    s = make_job("mixed", running=True, job_retries=5)
    assert s.worker is not None
    s.h.engine.work_fail(s.worker, s.job.handle)
    assert s.listeners[0].events == [("fail", s.job.handle)]
    assert_gone(s.h, s.job)


def test_D39_work_fail_bg_ends_job_silently() -> None:
    s = make_job("bg", running=True, job_retries=5)
    assert s.worker is not None
    s.h.engine.work_fail(s.worker, s.job.handle)
    assert_gone(s.h, s.job)
    assert s.h.engine.grab(s.worker) is None


# ------------------------------------------------------------------ WORK_EXCEPTION


def test_D40_work_exception_to_listener_with_exceptions_option() -> None:
    h = Harness()
    session, end = h.client(exceptions=True)
    job = h.engine.submit(session, F, b"", b"x")
    worker, _ = h.worker(F)
    assert h.engine.grab(worker) is job
    h.engine.work_exception(worker, job.handle, b"boom")
    assert end.events == [("exception", job.handle, b"boom")]
    assert_gone(h, job)
    with pytest.raises(JobNotFound):
        h.engine.work_complete(worker, job.handle, b"after")


def test_D41_work_exception_to_listener_without_option_is_a_plain_fail() -> None:
    h = Harness()
    session, end = h.client(exceptions=False)
    job = h.engine.submit(session, F, b"", b"x")
    worker, _ = h.worker(F)
    assert h.engine.grab(worker) is job
    h.engine.work_exception(worker, job.handle, b"boom")
    # The fail carries only the job (the transport writes the bare handle, no stray NUL).
    assert end.events == [("fail", job.handle)]
    assert_gone(h, job)


def test_D42_work_exception_mixed_listeners_each_by_their_own_option() -> None:
    h = Harness()
    with_opt, with_end = h.client(exceptions=True)
    without, without_end = h.client(exceptions=False)
    job = h.engine.submit(None, F, b"u", b"x")
    assert h.engine.submit(with_opt, F, b"u", b"x") is job
    assert h.engine.submit(without, F, b"u", b"x") is job
    worker, _ = h.worker(F)
    assert h.engine.grab(worker) is job
    h.engine.work_exception(worker, job.handle, b"boom")
    assert with_end.events == [("exception", job.handle, b"boom")]
    assert without_end.events == [("fail", job.handle)]
    assert_gone(h, job)


def test_D43_work_exception_bg_ends_job_silently() -> None:
    s = make_job("bg", running=True, job_retries=3)
    assert s.worker is not None
    s.h.engine.work_exception(s.worker, s.job.handle, b"boom")
    assert_gone(s.h, s.job)


# ------------------------------------------------------------------ WORK_COMPLETE


def test_D44_work_complete_fg_every_record_gets_it_and_unique_is_freed() -> None:
    s = make_job("fg", listeners=3, running=True)
    assert s.worker is not None
    s.h.engine.work_complete(s.worker, s.job.handle, b"result")
    for end in s.listeners:
        assert end.events == [("complete", s.job.handle, b"result")]
    assert_gone(s.h, s.job)
    session, _ = s.h.client()
    again = s.h.engine.submit(session, F, b"u1", b"payload")
    assert again is not s.job and again.handle != s.job.handle


def test_D45_work_complete_mixed_reaches_fg_listeners() -> None:
    s = make_job("mixed", listeners=2, running=True)
    assert s.worker is not None
    s.h.engine.work_complete(s.worker, s.job.handle, b"result")
    for end in s.listeners:
        assert end.events == [("complete", s.job.handle, b"result")]
    assert_gone(s.h, s.job)


def test_D46_work_complete_bg_ends_job_silently() -> None:
    s = make_job("bg", running=True)
    assert s.worker is not None
    s.h.engine.work_complete(s.worker, s.job.handle, b"result")
    assert_gone(s.h, s.job)


@pytest.mark.parametrize("report", ["data", "warning", "status", "complete", "fail", "exception"])
def test_D47_report_on_a_job_the_worker_does_not_hold_is_not_found(report: str) -> None:
    s = make_job("fg", running=True)
    assert s.worker is not None
    other, _ = s.h.worker(F)
    handles = [s.job.handle, b"H:localhost:999"]
    for handle in handles:
        with pytest.raises(JobNotFound):
            if report == "data":
                s.h.engine.work_data(other, handle, b"d")
            elif report == "warning":
                s.h.engine.work_warning(other, handle, b"w")
            elif report == "status":
                s.h.engine.work_status(other, handle, b"1", b"2")
            elif report == "complete":
                s.h.engine.work_complete(other, handle, b"r")
            elif report == "fail":
                s.h.engine.work_fail(other, handle)
            else:
                s.h.engine.work_exception(other, handle, b"e")
    assert s.listeners[0].events == []
    assert s.job.state is JobState.RUNNING and s.job.worker is s.worker
    # The holder itself still reports normally.
    s.h.engine.work_complete(s.worker, s.job.handle, b"r")
    assert s.listeners[0].events == [("complete", s.job.handle, b"r")]


def test_D47b_report_after_finish_is_not_found() -> None:
    s = make_job("fg", running=True)
    assert s.worker is not None
    s.h.engine.work_complete(s.worker, s.job.handle, b"r")
    with pytest.raises(JobNotFound):
        s.h.engine.work_fail(s.worker, s.job.handle)
    assert s.listeners[0].terminal() == [("complete", s.job.handle, b"r")]
