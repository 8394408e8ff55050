"""The page prefetcher keeps pages in order, surfaces a failure after the pages before it, and stops cleanly."""

import threading
import time

import pytest

from orchestration.salesforce.extract import prefetched


def test_pages_arrive_in_order_and_all_of_them():
    assert list(prefetched(iter(range(1000)), depth=2)) == list(range(1000))


def test_a_failure_while_fetching_comes_after_the_pages_before_it():
    def pages():
        yield "page 1"
        yield "page 2"
        raise ConnectionError("dropped mid-extract")

    seen = []
    with pytest.raises(ConnectionError, match="dropped mid-extract"):
        for page in prefetched(pages()):
            seen.append(page)
    assert seen == ["page 1", "page 2"]


def test_fetching_runs_ahead_of_the_consumer_but_no_further_than_its_depth():
    fetched = []

    def pages():
        for number in range(10):
            fetched.append(number)
            yield number

    stream = prefetched(pages(), depth=2)
    assert next(stream) == 0
    time.sleep(0.3)
    # page 0 taken, two more waiting in the buffer, one more held by the fetcher while it waits for room
    assert len(fetched) <= 4
    stream.close()


def test_a_consumer_that_stops_early_stops_the_fetcher():
    closed = threading.Event()

    def pages():
        try:
            yield from range(1_000_000)
        finally:
            closed.set()

    for page in prefetched(pages()):
        if page == 3:
            break
    assert closed.wait(5)
