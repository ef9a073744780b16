"""Running plans side by side: threads for the sync client, tasks for the async one.

A *job* is a generator that yields lists of plans (see :mod:`pendo_lab._http`) to run at the
same time and receives their results, in order; a :class:`~pendo_lab.PendoError` from one of
them is thrown into the job instead, so it can react (split a window that timed out).
:func:`drive_sync` runs each list on a thread pool over the sync client's ``httpx.Client``,
which may be shared between threads, so a sync pull needs no event loop (and works in a
notebook, whose loop is already running) and uses whatever transport the client was given.
:func:`drive_async` runs each list as tasks on the running loop. Both run at most
``concurrency`` plans at once and show a progress bar (``tqdm.auto``: a widget in notebooks,
text in terminals) for lists of more than one plan.

Example:
    >>> import httpx
    >>> from pendo_lab._config import Hosts
    >>> from pendo_lab._http import Call, SyncCore
    >>> core = SyncCore(Hosts("https://x.invalid", "https://x.invalid"), "key",
    ...     transport=httpx.MockTransport(lambda r: httpx.Response(200, json=r.url.path)))
    >>> def job():
    ...     paths = yield [Call("GET", f"/{n}") for n in range(3)]
    ...     return paths
    >>> drive_sync(core, job(), concurrency=2, progress=False)
    ['/0', '/1', '/2']
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any, TypeVar

from ._exceptions import PendoError
from ._http import AsyncCore, Plan, SyncCore

T = TypeVar("T")
Job = Generator[Sequence[Plan], list, T]


def drive_sync(core: SyncCore, job: Job[T], *, concurrency: int, progress: bool) -> T:
    """Run a job with the sync core, each list of plans on at most ``concurrency`` threads."""
    results = failure = None
    while True:
        try:
            plans = job.send(results) if failure is None else job.throw(failure)
        except StopIteration as stop:
            return stop.value
        results = failure = None
        try:
            results = _threads(core, plans, concurrency, progress)
        except PendoError as exc:
            failure = exc


async def drive_async(core: AsyncCore, job: Job[T], *, concurrency: int, progress: bool) -> T:
    """Run a job with the async core, each list of plans as at most ``concurrency`` tasks."""
    results = failure = None
    while True:
        try:
            plans = job.send(results) if failure is None else job.throw(failure)
        except StopIteration as stop:
            return stop.value
        results = failure = None
        try:
            results = await _tasks(core, plans, concurrency, progress)
        except PendoError as exc:
            failure = exc


def _bar(total: int, progress: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="aggregation", unit="window", disable=not progress or total < 2)


def _threads(core: SyncCore, plans: Sequence[Plan], concurrency: int, progress: bool) -> list:
    if len(plans) == 1:
        return [core.run(plans[0])]
    with _bar(len(plans), progress) as bar, \
            ThreadPoolExecutor(min(concurrency, len(plans)), "pendo-lab") as pool:
        futures = [pool.submit(core.run, plan) for plan in plans]
        try:
            for future in as_completed(futures):
                future.result()
                bar.update()
        except BaseException:
            for future in futures:
                future.cancel()
            raise
        return [future.result() for future in futures]


async def _tasks(core: AsyncCore, plans: Sequence[Plan], concurrency: int,
                 progress: bool) -> list:
    if len(plans) == 1:
        return [await core.run(plans[0])]
    limit = asyncio.Semaphore(concurrency)

    async def one(plan: Plan) -> Any:
        async with limit:
            result = await core.run(plan)
        bar.update()
        return result

    with _bar(len(plans), progress) as bar:
        tasks = [asyncio.ensure_future(one(plan)) for plan in plans]
        try:
            return await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
