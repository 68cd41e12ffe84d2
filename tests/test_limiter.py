"""The rate limiter counts a call from its grant: calls still waiting for their answer too."""

from __future__ import annotations

import threading

from qslint.aws.limiter import RateLimiter


def test_a_call_waits_while_every_place_is_held_by_calls_in_flight():
    limiter = RateLimiter(calls=2, period=1.0)
    answered = [threading.Event(), threading.Event()]
    holding = [threading.Event(), threading.Event()]
    granted = threading.Event()

    def hold_until_answered(held: threading.Event, answer: threading.Event) -> None:
        with limiter.slot():
            held.set()
            answer.wait(timeout=60)

    holders = [
        threading.Thread(target=hold_until_answered, args=pair)
        for pair in zip(holding, answered, strict=True)
    ]
    for holder in holders:
        holder.start()

    def third_call() -> None:
        with limiter.slot():
            granted.set()

    # Both places are taken before the third call asks (the holders wait inside the slot).
    assert all(held.wait(timeout=60) for held in holding)
    third = threading.Thread(target=third_call)
    third.start()
    assert not granted.wait(timeout=0.2)  # no answer yet: no place for a third call
    answered[0].set()
    assert granted.wait(timeout=60)  # an answer frees a place (counted for one period)
    answered[1].set()
    for thread in (*holders, third):
        thread.join(timeout=60)
