"""A Kafka partition assignor that gives each topic, all its partitions, to one member of the
group: for a consumer that must see a whole stream in order across partitions (audit links
each service's chain, which its relay spreads over its topic's partitions), so that two
members never share one chain and each can link it from what it read itself."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from aiokafka.cluster import ClusterMetadata
from aiokafka.coordinator.assignors.abstract import AbstractPartitionAssignor
from aiokafka.coordinator.protocol import (
    ConsumerProtocolMemberAssignment,
    ConsumerProtocolMemberMetadata,
)


class WholeTopicAssignor(AbstractPartitionAssignor):  # type: ignore[misc]  # untyped base
    """Topics, the heaviest first, each to the member with the least weight so far among
    those subscribed to it (then the fewest topics, then the lowest member id): the same
    spread from the same weights, whoever leads the group.

    A topic's weight is what the member leading the group knew of it when it joined (the
    records written to it so far, from `shared.kafka.end_offsets`): the services' topics
    differ in volume, and an even spread of topics alone could give one member most of the
    work. Without weights, topics are spread evenly by count."""

    name = "wholetopic"
    version = 0

    def __init__(self, weights: Mapping[str, int] | None = None) -> None:
        self.weights = dict(weights or {})

    def assign(
        self,
        cluster: ClusterMetadata,
        members: Mapping[str, ConsumerProtocolMemberMetadata],
    ) -> dict[str, ConsumerProtocolMemberAssignment]:
        topics = sorted(
            {topic for m in members.values() for topic in m.subscription},
            key=lambda topic: (-self.weights.get(topic, 0), topic),
        )
        owned: dict[str, dict[str, list[int]]] = {member: {} for member in members}
        load = {member: 0 for member in members}
        for topic in topics:
            partitions = sorted(cluster.partitions_for_topic(topic) or ())
            takers = [m for m, meta in members.items() if topic in meta.subscription]
            if not partitions or not takers:
                continue
            member = min(takers, key=lambda m: (load[m], len(owned[m]), m))
            owned[member][topic] = partitions
            load[member] += self.weights.get(topic, 0)
        return {
            member: ConsumerProtocolMemberAssignment(
                self.version, sorted(owned[member].items()), b""
            )
            for member in members
        }

    @classmethod
    def metadata(cls, topics: Iterable[str]) -> ConsumerProtocolMemberMetadata:
        return ConsumerProtocolMemberMetadata(cls.version, list(topics), b"")

    @classmethod
    def on_assignment(cls, assignment: ConsumerProtocolMemberAssignment) -> None:
        """Nothing kept between assignments."""
