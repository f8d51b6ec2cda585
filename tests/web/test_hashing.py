"""At most CLARION_HASHING_SLOTS Argon2id hashes run at once on a host, across worker processes (M4)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time

import pytest
from django.contrib.auth.hashers import check_password, make_password

from clarion import vault
from clarion.intake.actions import derive_receipt
from clarion.web import hashing

FORK = multiprocessing.get_context("fork")


def _hold(folder, count, running, most, hold_seconds) -> None:  # noqa: ANN001 - shared values
    with hashing.hashing_slot(folder=folder, count=count):
        with running.get_lock():
            running.value += 1
            most.value = max(most.value, running.value)
        time.sleep(hold_seconds)
        with running.get_lock():
            running.value -= 1


def _hold_forever(folder, count, ready) -> None:  # noqa: ANN001
    with hashing.hashing_slot(folder=folder, count=count):
        ready.set()
        time.sleep(600)


def test_twelve_processes_never_hold_more_than_the_slots_at_once(tmp_path):
    running, most = FORK.Value("i", 0), FORK.Value("i", 0)
    workers = [FORK.Process(target=_hold, args=(tmp_path, 2, running, most, 0.05)) for _ in range(12)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert [worker.exitcode for worker in workers] == [0] * 12
    assert most.value == 2


def test_threads_of_one_process_count_like_processes(tmp_path):
    running, most = FORK.Value("i", 0), FORK.Value("i", 0)
    threads = [threading.Thread(target=_hold, args=(tmp_path, 3, running, most, 0.05)) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert most.value == 3


def test_a_holder_killed_mid_hash_gives_its_slot_back(tmp_path):
    ready = FORK.Event()
    holder = FORK.Process(target=_hold_forever, args=(tmp_path, 1, ready))
    holder.start()
    assert ready.wait(30)
    with pytest.raises(hashing.HashingBusy):
        with hashing.hashing_slot(folder=tmp_path, count=1, wait=0.2):
            pass

    os.kill(holder.pid, signal.SIGKILL)
    holder.join(timeout=30)

    with hashing.hashing_slot(folder=tmp_path, count=1, wait=5):
        pass


def test_a_slot_is_reentrant_within_a_thread(tmp_path):
    with hashing.hashing_slot(folder=tmp_path, count=1, wait=0.2):
        with hashing.hashing_slot(folder=tmp_path, count=1, wait=0.2):
            pass


def test_password_hashes_and_receipt_derivations_wait_for_a_slot(settings, tmp_path, monkeypatch):
    # Given every slot of the host held by another process
    settings.DATA_DIR = tmp_path
    settings.CLARION_HASHING_SLOTS = 1
    monkeypatch.setattr(hashing, "WAIT_SECONDS", 0.2)
    ready = FORK.Event()
    holder = FORK.Process(target=_hold_forever, args=(tmp_path / "run", 1, ready))
    holder.start()
    try:
        assert ready.wait(30)
        encoded = "argon2$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"

        # Then no password is hashed or checked, and no receipt derived, until one is free
        with pytest.raises(hashing.HashingBusy):
            make_password("correct horse battery staple")
        with pytest.raises(hashing.HashingBusy):
            check_password("correct horse battery staple", encoded)

        with pytest.raises(hashing.HashingBusy):
            derive_receipt(vault.generate_receipt())
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.join(timeout=30)
    assert check_password("x", make_password("x"))


@pytest.mark.django_db
def test_a_login_that_finds_every_slot_taken_gets_a_busy_page(settings, tmp_path, monkeypatch, client):
    settings.DATA_DIR = tmp_path
    settings.CLARION_HASHING_SLOTS = 1
    monkeypatch.setattr(hashing, "WAIT_SECONDS", 0.2)
    ready = FORK.Event()
    holder = FORK.Process(target=_hold_forever, args=(tmp_path / "run", 1, ready))
    holder.start()
    try:
        assert ready.wait(30)
        response = client.post("/staff/login/", {"username": "anyone", "password": "anything at all"})
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.join(timeout=30)

    assert response.status_code == 503
    assert "Try again in 1 minute" in response.content.decode()
