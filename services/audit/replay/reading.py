"""A replay, partition-parallel: the end of every partition is taken once at the start; the
partitions are shared out to worker processes, each reading its own from the beginning and
checking each event on its own (`checking`); the main process links every source's events
in sequence (one `Linker` per source, whatever the partitions' order) and sums up."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import queue
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from multiprocessing.queues import Queue
from typing import Any

from services.audit.domain.chains import Break, Linker
from services.audit.replay.checking import Checker, Link, Tally
from services.audit.replay.summary import Chain, Summary
from services.audit.replay.window import Window
from shared.kafka import Partition, end_offsets, read_to

Progress = Callable[[int, int], None]
"""Told (messages read so far, messages to read) as the replay goes."""


@dataclass(frozen=True)
class Plan:
    """What to replay: where, which sources on which topics, their checkpoint keys."""

    bootstrap: str
    topics: Mapping[str, str]
    """source -> topic"""
    keys: Mapping[str, Mapping[str, str]]
    """source -> key id -> base64 public key"""
    window: Window = field(default_factory=Window)
    workers: int = 0
    """worker processes; 0: one per CPU"""


def replay(plan: Plan, progress: Progress | None = None) -> Summary:
    """Read every source's topic to the end it had at the start, and verify it all."""
    ends = asyncio.run(end_offsets(plan.bootstrap, sorted(set(plan.topics.values()))))
    shares = share_out(ends, plan.workers or os.cpu_count() or 1)
    linkers = {source: Linker(source) for source in plan.topics}
    tally, breaks = Tally(), []
    total, done = sum(ends.values()), 0
    # fork: the workers start at once with what is already imported (spawn would import it
    # all again in each); the caller starts no thread before (the progress bar has none)
    forks = "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork") if forks else multiprocessing.get_context("spawn")
    results: Queue[tuple[str, Any]] = context.Queue(maxsize=32)
    processes = [
        context.Process(target=work, args=(plan, share, results), daemon=True) for share in shares
    ]
    for process in processes:
        process.start()
    try:
        running = len(processes)
        while running:
            kind, payload = _next(results, processes)
            if kind == "batch":
                read, links, found = payload
                breaks.extend(found)
                breaks.extend(_link(linkers, links))
                done += read
                if progress is not None:
                    progress(done, total)
            elif kind == "done":
                tally.merge(payload)
                running -= 1
            else:
                raise RuntimeError(f"a replay worker failed: {payload}")
    finally:
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
    for linker in linkers.values():
        breaks.extend(linker.finish())
    return _summary(plan, ends, linkers, tally, breaks)


def share_out(ends: Mapping[Partition, int], workers: int) -> list[dict[Partition, int]]:
    """The partitions with something to read, shared out so that each worker has about as
    many messages to read (the largest first, each to the least loaded)."""
    shares: list[dict[Partition, int]] = [{} for _ in range(max(1, workers))]
    loads = [0] * len(shares)
    for partition, end in sorted(ends.items(), key=lambda item: -item[1]):
        if end > 0:
            least = loads.index(min(loads))
            shares[least][partition] = end
            loads[least] += end
    return [share for share in shares if share]


def work(plan: Plan, share: dict[Partition, int], results: Queue[tuple[str, Any]]) -> None:
    """A worker process: read its partitions, check each batch, send links and breaks."""
    asyncio.run(_work(plan, share, results))


async def _work(plan: Plan, share: dict[Partition, int], results: Queue[tuple[str, Any]]) -> None:
    source_of = {topic: source for source, topic in plan.topics.items()}
    checker = Checker(plan.keys, plan.window)
    try:
        async for batch in read_to(plan.bootstrap, share):
            links: dict[str, list[Link]] = {}
            found: list[Break] = []
            for topic, values in batch:
                source = source_of[topic]
                checked, broken = checker.check(source, values)
                links.setdefault(source, []).extend(checked)
                found.extend(broken)
            read = sum(len(values) for _topic, values in batch)
            results.put(("batch", (read, links, found)))
    except Exception as exc:
        results.put(("failed", f"{type(exc).__name__}: {exc}"))
        raise
    results.put(("done", checker.tally))


def _next(results: Queue[tuple[str, Any]], processes: list[Any]) -> tuple[str, Any]:
    while True:
        try:
            return results.get(timeout=1.0)
        except queue.Empty:
            if any(p.exitcode not in (None, 0) for p in processes):
                raise RuntimeError("a replay worker stopped before the end") from None


def _link(linkers: dict[str, Linker], links: dict[str, list[Link]]) -> list[Break]:
    breaks = []
    for source, found in links.items():
        add = linkers[source].add
        for seq, prevhash, hash_ in found:
            broken = add(seq, prevhash, hash_)
            if broken:
                breaks.extend(broken)
    return breaks


def _summary(
    plan: Plan,
    ends: Mapping[Partition, int],
    linkers: Mapping[str, Linker],
    tally: Tally,
    breaks: list[Break],
) -> Summary:
    chains = []
    for source, linker in sorted(linkers.items()):
        valid = sorted(tally.checkpoints.get(source, []))
        last = valid[-1] if valid else (None, None)
        chains.append(
            Chain(
                source,
                plan.topics[source],
                tally.read[source],
                linker.head_seq,
                linker.head_hash,
                len(valid),
                last[0],
                last[1],
            )
        )
    present = {topic for topic, _partition in ends}
    return Summary(
        window=plan.window,
        chains=chains,
        types=dict(tally.types),
        days=dict(tally.days),
        breaks=sorted(set(breaks), key=lambda b: (b.source, b.seq, b.kind, b.detail)),
        erased=sorted(tally.erased),
        missing_topics=sorted(set(plan.topics.values()) - present),
    )
