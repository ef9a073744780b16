"""What the resources share: id checks, batch splitting with BatchError, time conversion."""

import pickle
from datetime import date, datetime, timedelta, timezone

import pytest

import pendo_lab
from pendo_lab._http import Call
from pendo_lab.resources._base import (
    epoch_ms,
    id_path,
    id_segment,
    is_text,
    ms_ago,
    now_ms,
    send_batches,
)


def drive(plan, answers):
    """Run a plan by hand: each answer is sent back, or thrown in when it is an exception."""
    sent, step = [], next(plan)
    try:
        for answer in answers:
            sent.append(step)
            step = plan.throw(answer) if isinstance(answer, Exception) else plan.send(answer)
    except StopIteration as stop:
        return sent, stop.value
    raise AssertionError(f"the plan wants more answers after {len(sent)}")


def post(part):
    return (yield Call("POST", "/x", json=list(part)))


def test_send_batches_splits_and_merges():
    sent, outcome = drive(send_batches([1, 2, 3, 4, 5], 2, post, "numbers"),
                          [{"n": 2}, {"n": 2}, {"n": 1}])
    assert [call.json for call in sent] == [[1, 2], [3, 4], [5]]
    assert outcome == {"n": 5}


def test_send_batches_uses_the_given_merge():
    _, outcome = drive(send_batches("abc", 2, post, "letters", merge=list), ["x", "y"])
    assert outcome == ["x", "y"]


def test_a_later_failure_says_what_was_done_failed_and_unsent():
    failure = pendo_lab.ServerError("POST", "/x", 500, "down")
    with pytest.raises(pendo_lab.BatchError, match="numbers stopped at batch 2 of 3") as caught:
        drive(send_batches([1, 2, 3, 4, 5], 2, post, "numbers"), [{"n": 2}, failure])
    err = caught.value
    assert (err.done, err.failed, err.unsent, err.batch, err.batches) == (
        {"n": 2}, [3, 4], [5], 2, 3)
    assert err.__cause__ is failure
    assert isinstance(err, pendo_lab.PendoError)


def test_a_first_failure_is_raised_as_it_is():
    failure = pendo_lab.ServerError("POST", "/x", 500, "down")
    with pytest.raises(pendo_lab.ServerError):
        drive(send_batches([1, 2, 3], 2, post, "numbers"), [failure])


def test_batch_error_survives_pickling():
    err = pendo_lab.BatchError("numbers", {"n": 2}, [3], [4, 5], 2, 3, "500 down")
    copy = pickle.loads(pickle.dumps(err))
    assert str(copy) == str(err)
    assert (copy.done, copy.failed, copy.unsent, copy.batch) == ({"n": 2}, [3], [4, 5], 2)


def test_ids_as_path_segments():
    assert id_segment("a/b", "report ids") == "a%2Fb"
    assert id_path("visitor-1", "visitor ids") == ("visitor-1", {})
    segment, headers = id_path("a b", "visitor ids")
    assert segment.startswith("b64_")
    assert headers == {"x-pendo-base64-encoded-params": "true"}
    with pytest.raises(pendo_lab.ValidationError, match="visitor ids contain an empty id"):
        id_path(" ", "visitor ids")


def test_is_text():
    assert [is_text(v) for v in ("x", " x ", "", "  ", None, 1)] == [
        True, True, False, False, False, False]


def test_epoch_ms_reads_naive_times_in_the_timezone():
    assert epoch_ms(datetime(2024, 1, 1), "America/New_York", "t") == 1704085200000
    assert epoch_ms(date(2024, 1, 1), "America/New_York", "t") == 1704085200000
    aware = datetime(2024, 1, 1, tzinfo=timezone.utc)
    assert epoch_ms(aware, "America/New_York", "t") == 1704067200000
    assert epoch_ms(1704067200000, "UTC", "t") == 1704067200000


@pytest.mark.parametrize("value,message", [
    (1704067200, "t=1704067200 is before 1973 as epoch milliseconds"),
    ("2024-01-01", "t must be a datetime, a date or epoch milliseconds, not str"),
    (True, "not bool"),
])
def test_epoch_ms_refuses_what_it_cannot_read(value, message):
    with pytest.raises(pendo_lab.ValidationError, match=message):
        epoch_ms(value, "UTC", "t")


def test_ms_ago_is_that_long_before_now():
    before = now_ms()
    day_ago = ms_ago(timedelta(days=1))
    assert before - 86_400_000 <= day_ago <= now_ms() - 86_400_000
