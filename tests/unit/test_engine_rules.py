"""The rules of docs/semantics.md outside the decision table, one test per numbered rule.

T = job state transitions, C = coalescing, P = priority and worker selection, S = sleep and
wake-up, K = CAN_DO_TIMEOUT, R = --job-retries, E = epoch jobs, Q = queue limits and queries.
"""

from __future__ import annotations

import pytest

from gearman_core.engine import MAX_UNIQUE, JobState, Priority, SubmitError, WorkerSession

from .fakes import FakeWorker, Harness

F = b"func"

# ------------------------------------------------------------------ T: state machine


def test_T1_submit_due_now_is_queued() -> None:
    h = Harness()
    past = h.engine.submit(None, F, b"", b"x", when=h.clock.now - 100)
    now = h.engine.submit(None, F, b"", b"y")
    for job in (past, now):
        assert job.state is JobState.QUEUED
    worker, _ = h.worker(F)
    assert h.engine.grab(worker) is past


def test_T2_submit_in_the_future_is_scheduled_and_counted_as_queued() -> None:
    h = Harness()
    job = h.engine.submit(None, F, b"", b"x", when=h.clock.now + 60)
    assert job.state is JobState.SCHEDULED
    assert h.status_counts(F)[:2] == (1, 0)
    status = h.engine.status(job.handle)
    assert status.known and not status.running
    worker, _ = h.worker(F)
    assert h.engine.grab(worker) is None


def test_T3_scheduled_becomes_queued_when_due() -> None:
    h = Harness()
    job = h.engine.submit(None, F, b"", b"x", when=h.clock.now + 60)
    h.clock.advance(59.5)
    assert job.state is JobState.SCHEDULED
    h.clock.advance(0.5)
    assert job.state is JobState.QUEUED
    worker, _ = h.worker(F)
    assert h.engine.grab(worker) is job


def test_T4_grab_moves_queued_to_running() -> None:
    h = Harness()
    job = h.engine.submit(None, F, b"", b"x")
    worker, _ = h.worker(F)
    assert h.engine.grab(worker) is job
    assert job.state is JobState.RUNNING and job.worker is worker
    assert h.status_counts(F) == (0, 1, 1)
    assert h.engine.status(job.handle).running


@pytest.mark.parametrize("result", ["complete", "fail", "exception"])
def test_T5_worker_result_moves_running_to_done(result: str) -> None:
    h = Harness()
    job = h.engine.submit(None, F, b"", b"x")
    worker, _ = h.worker(F)
    h.engine.grab(worker)
    getattr(h.engine, f"work_{result}")(worker, job.handle, *([] if result == "fail" else [b"r"]))
    assert job.state is JobState.DONE
    assert h.status_counts(F)[:2] == (0, 0)


def test_T6_lost_worker_with_retries_left_moves_running_to_queued() -> None:
    h = Harness(job_retries=2)
    job = h.engine.submit(None, F, b"", b"x")
    worker, _ = h.worker(F)
    h.engine.grab(worker)
    h.engine.worker_gone(worker)
    assert job.state is JobState.QUEUED and job.retries == 1


def test_T7_lost_worker_with_retries_exhausted_moves_running_to_done() -> None:
    h = Harness(job_retries=1)
    job = h.engine.submit(None, F, b"", b"x")
    worker, _ = h.worker(F)
    h.engine.grab(worker)
    h.engine.worker_gone(worker)
    assert job.state is JobState.DONE


def test_T8_cancel_moves_queued_or_scheduled_to_done() -> None:
    h = Harness()
    queued = h.engine.submit(None, F, b"", b"x")
    scheduled = h.engine.submit(None, F, b"", b"y", when=h.clock.now + 5)
    assert h.engine.cancel(queued.handle) and h.engine.cancel(scheduled.handle)
    assert queued.state is JobState.DONE and scheduled.state is JobState.DONE
    assert h.status_counts(F)[:2] == (0, 0)


def test_T9_last_foreground_listener_leaving_moves_queued_to_done() -> None:
    h = Harness()
    session, _ = h.client()
    job = h.engine.submit(session, F, b"", b"x")
    assert h.status_counts(F)[0] == 1
    h.engine.client_gone(session)
    assert job.state is JobState.DONE
    assert h.status_counts(F)[0] == 0


def test_T10_cancel_moves_running_to_cancelled() -> None:
    h = Harness()
    job = h.engine.submit(None, F, b"", b"x")
    worker, _ = h.worker(F)
    h.engine.grab(worker)
    h.engine.cancel(job.handle)
    assert job.state is JobState.CANCELLED
    # Still held: the function keeps counting it as running until the worker lets go.
    assert h.status_counts(F)[:2] == (0, 1)


@pytest.mark.parametrize("how", ["complete", "fail", "exception", "gone", "cant_do", "timeout"])
def test_T11_cancelled_moves_to_done_when_the_worker_lets_go(how: str) -> None:
    h = Harness(job_retries=0)
    job = h.engine.submit(None, F, b"", b"x")
    worker, _ = h.worker(F, timeout_ms=1000)
    h.engine.grab(worker)
    h.engine.cancel(job.handle)
    if how == "complete":
        h.engine.work_complete(worker, job.handle, b"r")
    elif how == "fail":
        h.engine.work_fail(worker, job.handle)
    elif how == "exception":
        h.engine.work_exception(worker, job.handle, b"e")
    elif how == "gone":
        h.engine.worker_gone(worker)
    elif how == "cant_do":
        h.engine.cant_do(worker, F)
    else:
        h.clock.advance(1.0)
    assert job.state is JobState.DONE
    assert h.status_counts(F)[:2] == (0, 0)
    assert job.retries == 0
    other, _ = h.worker(F)
    assert h.engine.grab(other) is None  # never requeued


# ------------------------------------------------------------------ C: coalescing


def test_C1_empty_unique_never_coalesces() -> None:
    h = Harness()
    a = h.engine.submit(None, F, b"", b"same")
    b = h.engine.submit(None, F, b"", b"same")
    assert a is not b and a.handle != b.handle
    assert h.status_counts(F)[0] == 2


def test_C2_same_function_and_unique_share_one_job_and_handle() -> None:
    h = Harness()
    one, _ = h.client()
    two, _ = h.client()
    a = h.engine.submit(one, F, b"k", b"x")
    b = h.engine.submit(two, F, b"k", b"other data", priority=Priority.HIGH)
    assert a is b
    # The later submit's data and priority are ignored.
    assert a.data == b"x" and a.priority == Priority.NORMAL
    assert h.engine.status(a.handle).listeners == 2
    assert h.engine.status_unique(b"k").listeners == 2
    # The handle counter did not advance for the joined submit.
    c = h.engine.submit(None, F, b"", b"z")
    assert c.handle == b"H:localhost:2"


def test_C3_same_unique_other_function_is_a_separate_job() -> None:
    h = Harness()
    a = h.engine.submit(None, b"f1", b"k", b"x")
    b = h.engine.submit(None, b"f2", b"k", b"x")
    assert a is not b


def test_C4_dash_unique_coalesces_on_payload() -> None:
    h = Harness()
    a = h.engine.submit(None, F, b"-", b"payload")
    b = h.engine.submit(None, F, b"-", b"payload")
    c = h.engine.submit(None, F, b"-", b"different")
    d = h.engine.submit(None, F, b"-", b"")
    e = h.engine.submit(None, F, b"-", b"")
    assert a is b
    assert c is not a
    assert d is not e  # no payload: like no unique
    assert a.unique == b"-"


def test_C5_submit_joins_a_running_job_and_gets_the_rest_of_its_events() -> None:
    h = Harness()
    first, first_end = h.client()
    job = h.engine.submit(first, F, b"k", b"x")
    worker, _ = h.worker(F)
    h.engine.grab(worker)
    h.engine.work_data(worker, job.handle, b"early")
    late, late_end = h.client()
    assert h.engine.submit(late, F, b"k", b"x") is job
    h.engine.work_warning(worker, job.handle, b"w")
    h.engine.work_complete(worker, job.handle, b"r")
    assert first_end.kinds() == ["data", "warning", "complete"]
    assert late_end.events == [("warning", job.handle, b"w"), ("complete", job.handle, b"r")]


def test_C6_background_submit_onto_foreground_job_adds_no_listener_but_keeps_it() -> None:
    h = Harness()
    session, _ = h.client()
    job = h.engine.submit(session, F, b"k", b"x")
    assert h.engine.submit(None, F, b"k", b"x") is job
    assert h.engine.status(job.handle).listeners == 1
    h.engine.client_gone(session)
    assert job.state is JobState.QUEUED  # a background submitter shares it


def test_C7_finished_job_frees_its_unique() -> None:
    h = Harness()
    job = h.engine.submit(None, F, b"k", b"x")
    worker, _ = h.worker(F)
    h.engine.grab(worker)
    h.engine.work_complete(worker, job.handle, b"r")
    again = h.engine.submit(None, F, b"k", b"x")
    assert again is not job
    assert not h.engine.status_unique(b"zzz").known
    assert h.engine.status_unique(b"k").known


def test_C8_same_client_twice_gets_two_copies_of_every_event() -> None:
    h = Harness()
    session, end = h.client()
    job = h.engine.submit(session, F, b"k", b"x")
    h.engine.submit(session, F, b"k", b"x")
    worker, _ = h.worker(F)
    h.engine.grab(worker)
    h.engine.work_status(worker, job.handle, b"1", b"3")
    h.engine.work_complete(worker, job.handle, b"r")
    assert end.kinds() == ["status", "status", "complete", "complete"]


def test_C9_joined_submit_bypasses_the_queue_limit() -> None:
    h = Harness()
    job = h.engine.submit(None, F, b"k", b"x")
    h.engine.set_max_queue(F, (1, 1, 1))
    with pytest.raises(SubmitError) as refused:
        h.engine.submit(None, F, b"other", b"x")
    assert (refused.value.code, refused.value.text) == (b"QUEUE_ERROR", b"Job queue is full")
    assert h.engine.submit(None, F, b"k", b"x") is job


def test_C10_unique_of_64_bytes_is_kept_whole_and_65_is_refused() -> None:
    h = Harness()
    unique = b"u" * MAX_UNIQUE
    job = h.engine.submit(None, F, unique, b"x")
    assert job.unique == unique
    assert h.engine.submit(None, F, unique, b"y") is job
    assert h.engine.status_unique(unique).known
    with pytest.raises(SubmitError) as refused:
        h.engine.submit(None, F, unique + b"u", b"x")
    assert refused.value.code == b"ARGUMENT_TOO_LARGE"
    assert refused.value.text == b"Unique value too large"
    assert h.status_counts(F)[0] == 1


# ------------------------------------------------------------------ P: priority and selection


def test_P1_fifo_within_one_priority() -> None:
    h = Harness()
    jobs = [h.engine.submit(None, F, b"", b"%d" % n) for n in range(4)]
    worker, _ = h.worker(F)
    assert [h.engine.grab(worker) for _ in range(4)] == jobs


def test_P2_priority_is_global_across_a_workers_functions() -> None:
    h = Harness()
    high = h.engine.submit(None, b"old", b"", b"h", priority=Priority.HIGH)
    low = h.engine.submit(None, b"new", b"", b"l", priority=Priority.LOW)
    normal = h.engine.submit(None, b"new", b"", b"n", priority=Priority.NORMAL)
    worker, _ = h.worker(b"old", b"new")  # gearmand 1.1.20 would try `new` first
    assert [h.engine.grab(worker) for _ in range(3)] == [high, normal, low]


@pytest.mark.parametrize("order", [(b"a", b"b"), (b"b", b"a")])
def test_P2b_a_high_job_wins_whatever_the_registration_order(order: tuple[bytes, bytes]) -> None:
    h = Harness()
    low = h.engine.submit(None, b"a", b"", b"l", priority=Priority.LOW)
    high = h.engine.submit(None, b"b", b"", b"h", priority=Priority.HIGH)
    worker, _ = h.worker(*order)
    assert [h.engine.grab(worker), h.engine.grab(worker)] == [high, low]


def test_P3_functions_take_turns_within_a_priority() -> None:
    h = Harness()
    a = [h.engine.submit(None, b"a", b"", b"%d" % n) for n in range(3)]
    b = [h.engine.submit(None, b"b", b"", b"%d" % n) for n in range(3)]
    worker, _ = h.worker(b"a", b"b")
    taken = [h.engine.grab(worker) for _ in range(6)]
    assert taken == [a[0], b[0], a[1], b[1], a[2], b[2]]
    assert h.engine.grab(worker) is None


def test_P4_requeued_job_goes_to_the_tail_of_its_priority() -> None:
    h = Harness()
    first = h.engine.submit(None, F, b"", b"1")
    second = h.engine.submit(None, F, b"", b"2")
    worker, _ = h.worker(F)
    assert h.engine.grab(worker) is first
    h.engine.cant_do(worker, F)
    other, _ = h.worker(F)
    assert [h.engine.grab(other), h.engine.grab(other)] == [second, first]


def test_P5_grab_without_functions_or_work_returns_none() -> None:
    h = Harness()
    idle, _ = h.worker()
    h.engine.submit(None, F, b"", b"x")
    assert h.engine.grab(idle) is None
    other, _ = h.worker(b"nothing-here")
    assert h.engine.grab(other) is None


def test_P6_abandoned_and_cancelled_jobs_are_skipped() -> None:
    h = Harness()
    session, _ = h.client()
    abandoned = h.engine.submit(session, F, b"", b"1")
    cancelled = h.engine.submit(None, F, b"", b"2")
    live = h.engine.submit(None, F, b"", b"3")
    h.engine.client_gone(session)
    h.engine.cancel(cancelled.handle)
    worker, _ = h.worker(F)
    assert h.engine.grab(worker) is live
    assert abandoned.state is JobState.DONE
    assert h.engine.grab(worker) is None


def test_P7_many_abandoned_jobs_do_not_hide_live_ones() -> None:
    h = Harness()
    session, _ = h.client()
    for n in range(300):
        h.engine.submit(session, F, b"", b"%d" % n)
    live = h.engine.submit(None, F, b"", b"live")
    h.engine.client_gone(session)
    assert h.status_counts(F)[0] == 1
    worker, _ = h.worker(F)
    assert h.engine.grab(worker) is live


# ------------------------------------------------------------------ S: sleep and wake-up


def test_S1_pre_sleep_with_work_pending_gets_an_immediate_noop() -> None:
    h = Harness()
    h.engine.submit(None, F, b"", b"x")
    worker, end = h.worker(F)
    h.engine.pre_sleep(worker)
    assert end.wakes == 1
    assert not worker.asleep


def test_S2_sleeping_worker_gets_at_most_one_noop_until_it_grabs() -> None:
    h = Harness()
    worker, end = h.sleeping_worker(F)
    h.engine.submit(None, F, b"", b"1")
    h.engine.submit(None, F, b"", b"2")
    h.engine.submit(None, b"other", b"", b"3")
    assert end.wakes == 1
    h.engine.grab(worker)
    h.engine.grab(worker)
    assert h.engine.grab(worker) is None
    h.engine.pre_sleep(worker)
    h.engine.submit(None, F, b"", b"4")
    assert end.wakes == 2


def test_S3_worker_with_several_functions_is_woken_once() -> None:
    h = Harness()
    _worker, end = h.sleeping_worker(b"a", b"b")
    h.engine.submit(None, b"a", b"", b"1")
    h.engine.submit(None, b"b", b"", b"2")
    assert end.wakes == 1


def test_S4_workers_that_are_not_asleep_get_no_noop() -> None:
    h = Harness(worker_wakeup=0)
    _never_slept, never_end = h.worker(F)
    busy, busy_end = h.sleeping_worker(F)
    h.engine.submit(None, F, b"", b"1")
    assert busy_end.wakes == 1
    assert h.engine.grab(busy) is not None  # now busy, not asleep
    h.engine.submit(None, F, b"", b"2")
    assert never_end.wakes == 0
    assert busy_end.wakes == 1


@pytest.mark.parametrize(("wakeup", "expected"), [(1, 1), (2, 2), (3, 3), (0, 5)])
def test_S5_worker_wakeup_bounds_noops_per_new_job(wakeup: int, expected: int) -> None:
    h = Harness(worker_wakeup=wakeup)
    sleepers = [h.sleeping_worker(F)[1] for _ in range(5)]
    h.engine.submit(None, F, b"", b"x")
    assert sum(end.wakes for end in sleepers) == expected
    # The oldest sleepers are woken first.
    assert [end.wakes for end in sleepers] == [1] * expected + [0] * (5 - expected)


def test_S6_default_worker_wakeup_is_two() -> None:
    h = Harness()
    sleepers = [h.sleeping_worker(F)[1] for _ in range(4)]
    h.engine.submit(None, F, b"", b"x")
    assert [end.wakes for end in sleepers] == [1, 1, 0, 0]


def _pool_asleep_before_work(h: Harness, count: int) -> list[tuple[WorkerSession, FakeWorker]]:
    """Workers that fell asleep with no functions and then registered F: asleep on F with
    F's queued jobs not announced to them (the case the chained NOOP exists for)."""
    pool = []
    for _ in range(count):
        session, end = h.worker()
        h.engine.pre_sleep(session)
        h.engine.can_do(session, F)
        pool.append((session, end))
    assert all(end.wakes == 0 for _, end in pool)
    return pool


def test_S7_assignment_chains_one_noop_while_work_remains() -> None:
    h = Harness(worker_wakeup=1)
    jobs = [h.engine.submit(None, F, b"", b"%d" % n) for n in range(3)]
    pool = _pool_asleep_before_work(h, 3)
    jobs.append(h.engine.submit(None, F, b"", b"3"))
    assert [end.wakes for _, end in pool] == [1, 0, 0]
    assert h.engine.grab(pool[0][0]) is jobs[0]
    assert [end.wakes for _, end in pool] == [1, 1, 0]
    assert h.engine.grab(pool[1][0]) is jobs[1]
    assert [end.wakes for _, end in pool] == [1, 1, 1]


def test_S8_no_chained_noop_when_the_queue_is_empty() -> None:
    h = Harness(worker_wakeup=1)
    (w1, e1), (_, e2) = h.sleeping_worker(F), h.sleeping_worker(F)
    h.engine.submit(None, F, b"", b"1")
    assert h.engine.grab(w1) is not None
    assert (e1.wakes, e2.wakes) == (1, 0)


def test_S9_woken_worker_that_disconnects_passes_its_wakeup_on() -> None:
    h = Harness(worker_wakeup=1)
    (w1, e1), (w2, e2) = h.sleeping_worker(F), h.sleeping_worker(F)
    job = h.engine.submit(None, F, b"", b"1")
    assert (e1.wakes, e2.wakes) == (1, 0)
    h.engine.worker_gone(w1)
    assert e2.wakes == 1
    assert h.engine.grab(w2) is job


def test_S10_woken_worker_disconnecting_with_nothing_left_wakes_nobody() -> None:
    h = Harness(worker_wakeup=1)
    (w1, e1), (_, e2) = h.sleeping_worker(F), h.sleeping_worker(F)
    awake, _ = h.worker(F)
    job = h.engine.submit(None, F, b"", b"1")
    assert (e1.wakes, e2.wakes) == (1, 0)
    assert h.engine.grab(awake) is job  # an awake worker got there first
    h.engine.worker_gone(w1)
    assert e2.wakes == 0


def test_S11_requeue_wakes_sleepers_up_to_the_bound() -> None:
    h = Harness(worker_wakeup=1)
    job = h.engine.submit(None, F, b"", b"1")
    holder, _ = h.worker(F)
    assert h.engine.grab(holder) is job
    (_, e1), (_, e2) = h.sleeping_worker(F), h.sleeping_worker(F)
    h.engine.worker_gone(holder)
    assert (e1.wakes, e2.wakes) == (1, 0)


def test_S12_function_registered_while_asleep_can_wake_the_worker() -> None:
    h = Harness()
    worker, end = h.sleeping_worker(b"a")
    h.engine.can_do(worker, b"b")
    h.engine.submit(None, b"b", b"", b"x")
    assert end.wakes == 1


def test_S13_a_new_pre_sleep_starts_a_new_sleep() -> None:
    h = Harness(worker_wakeup=0)
    (w1, e1), (w2, e2) = h.sleeping_worker(F), h.sleeping_worker(F)
    h.engine.submit(None, F, b"", b"1")
    assert (e1.wakes, e2.wakes) == (1, 1)
    assert h.engine.grab(w2) is not None
    # w1 lost the race; without grabbing it goes back to sleep and is wakeable again.
    h.engine.pre_sleep(w1)
    assert e1.wakes == 1
    h.engine.submit(None, F, b"", b"2")
    assert e1.wakes == 2


# ------------------------------------------------------------------ K: CAN_DO_TIMEOUT


@pytest.mark.parametrize(("registered_ms", "seconds"), [(1, 1.0), (999, 1.0), (1500, 1.5)])
def test_K1_timer_starts_at_assignment_with_a_one_second_floor(
    registered_ms: int, seconds: float
) -> None:
    h = Harness()
    job = h.engine.submit(None, F, b"", b"x")
    worker, _ = h.worker(F, timeout_ms=registered_ms)
    h.clock.advance(100)  # time spent queued does not count
    assert h.clock.pending() == []
    assert h.engine.grab(worker) is job
    (timer,) = h.clock.pending()
    assert timer.when - h.clock.now == pytest.approx(seconds)
    h.clock.advance(seconds - 0.01)
    assert job.state is JobState.RUNNING
    h.clock.advance(0.01)
    assert job.state is JobState.QUEUED


@pytest.mark.parametrize("registered_ms", [0, -5])
def test_K2_zero_or_negative_timeout_means_no_timer(registered_ms: int) -> None:
    h = Harness()
    job = h.engine.submit(None, F, b"", b"x")
    worker, _ = h.worker(F, timeout_ms=registered_ms)
    h.engine.grab(worker)
    assert h.clock.pending() == []
    h.clock.advance(10_000)
    assert job.state is JobState.RUNNING


def test_K3_one_timer_per_assignment() -> None:
    h = Harness()
    first = h.engine.submit(None, F, b"", b"1")
    worker, _ = h.worker(F, timeout_ms=10_000)
    assert h.engine.grab(worker) is first
    h.clock.advance(4)
    second = h.engine.submit(None, F, b"", b"2")
    assert h.engine.grab(worker) is second
    assert len(h.clock.pending()) == 2
    h.engine.work_complete(worker, first.handle, b"r")
    assert len(h.clock.pending()) == 1
    h.clock.advance(6)  # first's deadline: nothing, it is done
    assert second.state is JobState.RUNNING
    h.clock.advance(4)  # second's own deadline
    assert second.state is JobState.QUEUED and second.retries == 1


def test_K4_pre_sleep_does_not_stop_a_held_jobs_timer() -> None:
    h = Harness()
    job = h.engine.submit(None, F, b"", b"x")
    worker, _ = h.worker(F, timeout_ms=2000)
    h.engine.grab(worker)
    h.engine.pre_sleep(worker)
    h.clock.advance(2)
    assert job.state is JobState.QUEUED and job.retries == 1


def test_K5_timer_belongs_to_the_function_registration_of_the_grabbing_worker() -> None:
    h = Harness()
    timed = h.engine.submit(None, b"timed", b"", b"1")
    free = h.engine.submit(None, b"free", b"", b"2")
    worker, _ = h.worker(b"free")
    h.engine.can_do(worker, b"timed", 1000)
    assert {h.engine.grab(worker), h.engine.grab(worker)} == {timed, free}
    h.clock.advance(5)
    assert timed.state is JobState.QUEUED
    assert free.state is JobState.RUNNING


def test_K6_requeue_and_disconnect_cancel_the_timer() -> None:
    h = Harness()
    job = h.engine.submit(None, F, b"", b"x")
    worker, _ = h.worker(F, timeout_ms=1000)
    h.engine.grab(worker)
    h.engine.worker_gone(worker)
    assert h.clock.pending() == []
    assert job.retries == 1
    h.clock.advance(5)
    assert job.retries == 1


# ------------------------------------------------------------------ R: --job-retries


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_R1_job_retries_n_means_n_attempts(limit: int) -> None:
    h = Harness(job_retries=limit)
    session, end = h.client()
    job = h.engine.submit(session, F, b"", b"x")
    for attempt in range(1, limit + 1):
        worker, _ = h.worker(F)
        assert h.engine.grab(worker) is job, f"attempt {attempt} did not run"
        h.engine.worker_gone(worker)
    assert end.events == [("fail", job.handle)]
    assert job.state is JobState.DONE


def test_R2_job_retries_zero_is_unlimited() -> None:
    h = Harness(job_retries=0)
    session, end = h.client()
    job = h.engine.submit(session, F, b"", b"x")
    for _ in range(300):  # past any 8-bit counter
        worker, _ = h.worker(F)
        assert h.engine.grab(worker) is job
        h.engine.worker_gone(worker)
    assert job.state is JobState.QUEUED and job.retries == 300
    assert end.events == []


def test_R3_every_kind_of_loss_counts_against_the_same_budget() -> None:
    h = Harness(job_retries=3)
    session, end = h.client()
    job = h.engine.submit(session, F, b"", b"x")
    first, _ = h.worker(F)
    h.engine.grab(first)
    h.engine.cant_do(first, F)
    second, _ = h.worker(F, timeout_ms=1000)
    h.engine.grab(second)
    h.clock.advance(1)
    assert end.events == [] and job.retries == 2
    third, _ = h.worker(F)
    h.engine.grab(third)
    h.engine.worker_gone(third)
    assert end.events == [("fail", job.handle)]


def test_R4_requeue_resets_progress() -> None:
    h = Harness()
    job = h.engine.submit(None, F, b"", b"x")
    worker, _ = h.worker(F)
    h.engine.grab(worker)
    h.engine.work_status(worker, job.handle, b"7", b"9")
    status = h.engine.status(job.handle)
    assert (status.running, status.numerator, status.denominator) == (True, 7, 9)
    h.engine.worker_gone(worker)
    status = h.engine.status(job.handle)
    assert (status.running, status.numerator, status.denominator) == (False, 0, 0)


# ------------------------------------------------------------------ E: epoch jobs


def test_E1_due_time_wakes_sleeping_workers() -> None:
    h = Harness()
    job = h.engine.submit(None, F, b"", b"x", when=h.clock.now + 30)
    worker, end = h.sleeping_worker(F)  # PRE_SLEEP: the future job is not runnable
    assert end.wakes == 0
    h.clock.advance(30)
    assert end.wakes == 1
    assert h.engine.grab(worker) is job


def test_E2_due_jobs_run_in_time_order() -> None:
    h = Harness()
    late = h.engine.submit(None, F, b"", b"late", when=h.clock.now + 20)
    early = h.engine.submit(None, F, b"", b"early", when=h.clock.now + 10)
    h.clock.advance(25)
    worker, _ = h.worker(F)
    assert [h.engine.grab(worker), h.engine.grab(worker)] == [early, late]


def test_E3_each_due_time_fires_separately() -> None:
    h = Harness(worker_wakeup=1)
    first = h.engine.submit(None, F, b"", b"1", when=h.clock.now + 10)
    second = h.engine.submit(None, F, b"", b"2", when=h.clock.now + 20)
    worker, end = h.sleeping_worker(F)
    h.clock.advance(10)
    assert end.wakes == 1 and second.state is JobState.SCHEDULED
    assert h.engine.grab(worker) is first
    h.engine.pre_sleep(worker)
    h.clock.advance(10)
    assert end.wakes == 2
    assert h.engine.grab(worker) is second


def test_E4_future_job_does_not_hide_due_jobs_of_any_priority() -> None:
    h = Harness()
    h.engine.submit(None, F, b"", b"future", when=h.clock.now + 100)
    low = h.engine.submit(None, F, b"", b"low", priority=Priority.LOW)
    worker, _ = h.worker(F)
    assert h.engine.grab(worker) is low


def test_E5_a_submit_can_join_a_scheduled_job() -> None:
    h = Harness()
    job = h.engine.submit(None, F, b"k", b"x", when=h.clock.now + 10)
    session, end = h.client()
    assert h.engine.submit(session, F, b"k", b"x") is job
    h.clock.advance(10)
    worker, _ = h.worker(F)
    assert h.engine.grab(worker) is job
    h.engine.work_complete(worker, job.handle, b"r")
    assert end.events == [("complete", job.handle, b"r")]


def test_E6_earlier_job_submitted_later_moves_the_timer_forward() -> None:
    h = Harness()
    h.engine.submit(None, F, b"", b"far", when=h.clock.now + 1000)
    near = h.engine.submit(None, F, b"", b"near", when=h.clock.now + 5)
    worker, end = h.sleeping_worker(F)
    h.clock.advance(5)
    assert end.wakes == 1
    assert h.engine.grab(worker) is near


# ------------------------------------------------------------------ Q: limits and queries


def test_Q1_queue_limit_counts_every_job_of_the_function_running_included() -> None:
    h = Harness()
    h.engine.set_max_queue(F, (0, 0, 0))  # unknown function: a no-op
    assert F not in h.engine.functions
    running = h.engine.submit(None, F, b"", b"1", priority=Priority.HIGH)
    worker, _ = h.worker(F)
    assert h.engine.grab(worker) is running
    h.engine.set_max_queue(F, (3, 1, 0))
    with pytest.raises(SubmitError):
        h.engine.submit(None, F, b"", b"2")  # NORMAL limit 1, one job exists (running)
    h.engine.submit(None, F, b"", b"3", priority=Priority.HIGH)
    h.engine.submit(None, F, b"", b"4", priority=Priority.LOW)  # 0 = unlimited
    with pytest.raises(SubmitError):
        h.engine.submit(None, F, b"", b"5", priority=Priority.HIGH)  # 3 jobs exist
    assert h.status_counts(F)[:2] == (2, 1)


def test_Q2_status_reports_known_running_progress_and_listeners() -> None:
    h = Harness()
    assert not h.engine.status(b"H:localhost:1").known
    one, _ = h.client()
    two, _ = h.client()
    job = h.engine.submit(one, F, b"k", b"x")
    h.engine.submit(two, F, b"k", b"x")
    assert h.engine.status(job.handle) == h.engine.status_unique(b"k")
    worker, _ = h.worker(F)
    h.engine.grab(worker)
    h.engine.work_status(worker, job.handle, b" 12abc", b"-1")
    status = h.engine.status(job.handle)
    assert (status.known, status.running, status.listeners) == (True, True, 2)
    assert (status.numerator, status.denominator) == (12, 0xFFFFFFFF)
    h.engine.work_complete(worker, job.handle, b"r")
    assert not h.engine.status(job.handle).known
    assert not h.engine.status_unique(b"k").known


def test_Q3_status_unique_searches_every_function() -> None:
    h = Harness()
    h.engine.submit(None, b"a", b"x", b"1")
    job = h.engine.submit(None, b"b", b"k", b"2")
    assert h.engine.status_unique(b"k").known
    assert h.engine.find_unique(b"k") is job
    assert h.engine.find_unique(b"") is None


@pytest.mark.parametrize(
    ("situation", "answer"),
    [("missing", "missing"), ("worker", "busy"), ("queued", "queued")],
)
def test_Q4_drop_function_refuses_while_anything_uses_it(situation: str, answer: str) -> None:
    h = Harness()
    if situation != "missing":
        h.engine.function(F)
    if situation == "worker":
        h.worker(F)
    elif situation == "queued":
        h.engine.submit(None, F, b"", b"x")
    assert h.engine.drop_function(F) == answer
    assert (F in h.engine.functions) == (situation != "missing")


def test_Q5_drop_function_of_an_idle_function() -> None:
    h = Harness()
    h.engine.function(b"Idle")
    assert h.engine.drop_function(b"idle") == "ok"  # case-insensitive fallback
    assert b"Idle" not in h.engine.functions
