"""Wake-ups that must not be lost, and abandoned scheduled jobs (S14, S15, T12).

These were found by writing docs/semantics.md against the engine; each failed before the
engine was fixed.
"""

from __future__ import annotations

from gearman_core.engine import JobState

from .fakes import Harness

F = b"func"


def test_S14_woken_worker_that_drops_the_function_passes_its_wakeup_on() -> None:
    # Bounded wake-up (-w 1): one sleeper got the NOOP for the job, then unregistered the
    # function (CANT_DO) before grabbing. Nobody else able to run the job has been told, so
    # the job would wait for an unrelated submit. Like a disconnect (S9), the wasted NOOP
    # must go to the next sleeper.
    h = Harness(worker_wakeup=1)
    (w1, e1), (w2, e2) = h.sleeping_worker(F), h.sleeping_worker(F)
    job = h.engine.submit(None, F, b"", b"x")
    assert (e1.wakes, e2.wakes) == (1, 0)
    h.engine.cant_do(w1, F)
    assert h.engine.grab(w1) is None
    assert e2.wakes == 1
    assert h.engine.grab(w2) is job


def test_S14b_woken_worker_that_resets_abilities_passes_its_wakeup_on() -> None:
    h = Harness(worker_wakeup=1)
    (w1, e1), (w2, e2) = h.sleeping_worker(F), h.sleeping_worker(F)
    job = h.engine.submit(None, F, b"", b"x")
    assert (e1.wakes, e2.wakes) == (1, 0)
    h.engine.reset_abilities(w1)
    assert e2.wakes == 1
    assert h.engine.grab(w2) is job


def test_S15_woken_worker_that_takes_another_functions_job_passes_the_wakeup_on() -> None:
    # w1 (functions a and f) is woken for an f job, but a HIGH job of `a` arrives before it
    # grabs, and global priority gives it that one. The f job is still queued and w2, asleep
    # on f, has not been told: it would sit idle until w1 finishes its `a` job.
    h = Harness(worker_wakeup=1)
    (w1, e1), (w2, e2) = h.sleeping_worker(b"a", F), h.sleeping_worker(F)
    f_job = h.engine.submit(None, F, b"", b"f")
    assert (e1.wakes, e2.wakes) == (1, 0)
    a_job = h.engine.submit(None, b"a", b"", b"a", priority=0)
    assert h.engine.grab(w1) is a_job
    assert e2.wakes == 1
    assert h.engine.grab(w2) is f_job


def test_T12_abandoned_foreground_scheduled_job_is_removed_at_once() -> None:
    # The Gearman protocol only makes background epoch jobs, but Engine.submit accepts a
    # client with a future `when` (a gRPC transport may use it). When that last listener
    # leaves, the job must go like a queued one (rule D1), not run later for nobody.
    h = Harness()
    session, _ = h.client()
    job = h.engine.submit(session, F, b"", b"x", when=h.clock.now + 60)
    assert job.state is JobState.SCHEDULED
    h.engine.client_gone(session)
    assert job.state is JobState.DONE
    assert not h.engine.status(job.handle).known
    assert h.status_counts(F)[0] == 0
    h.clock.advance(61)
    worker, _ = h.worker(F)
    assert h.engine.grab(worker) is None
