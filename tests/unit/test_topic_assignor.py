"""The whole-topic assignor: each topic, every partition of it, to one member of the group;
the topics spread so that each member gets about as many records to read (by the weights
the leader knew), or as many topics without weights; the same spread whoever computes it."""

from __future__ import annotations

from typing import Any

from aiokafka.coordinator.protocol import ConsumerProtocolMemberMetadata

from shared.topic_assignor import WholeTopicAssignor


class Cluster:
    """The partitions of each topic, as the cluster's metadata tells them."""

    def __init__(self, partitions: dict[str, int]) -> None:
        self.partitions = partitions

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        count = self.partitions.get(topic)
        return None if count is None else set(range(count))


def members(**subscriptions: list[str]) -> dict[str, ConsumerProtocolMemberMetadata]:
    return {m: WholeTopicAssignor.metadata(topics) for m, topics in subscriptions.items()}


def assigned(
    cluster: Cluster, group: dict[str, Any], weights: dict[str, int] | None = None
) -> dict[str, dict[str, list[int]]]:
    result = WholeTopicAssignor(weights).assign(cluster, group)
    return {member: dict(a.assignment) for member, a in result.items()}


TOPICS = ["casework.events", "housing.events", "intake.events", "notifications.events"]


def test_each_topic_goes_whole_to_one_member_and_the_topics_are_spread_evenly() -> None:
    cluster = Cluster({topic: 6 for topic in TOPICS})
    got = assigned(cluster, members(a=TOPICS, b=TOPICS))
    assert got == {
        "a": {"casework.events": [0, 1, 2, 3, 4, 5], "intake.events": [0, 1, 2, 3, 4, 5]},
        "b": {"housing.events": [0, 1, 2, 3, 4, 5], "notifications.events": [0, 1, 2, 3, 4, 5]},
    }


def test_by_weight_each_member_gets_about_as_many_records_to_read() -> None:
    """The services' volumes differ: 35 %, 30 %, 20 % and 15 % of the events. By count alone,
    one member would read 65 % of them; by weight each reads half."""
    cluster = Cluster({topic: 6 for topic in TOPICS})
    weights = dict(zip(TOPICS, [35_000, 15_000, 30_000, 20_000], strict=True))
    got = assigned(cluster, members(a=TOPICS, b=TOPICS), weights)
    read = {m: sum(weights[t] for t in topics) for m, topics in got.items()}
    assert read == {"a": 50_000, "b": 50_000}
    assert set(got["a"]) == {"casework.events", "housing.events"}
    assert all(p == list(range(6)) for topics in got.values() for p in topics.values())


def test_one_member_reads_every_topic_and_a_member_too_many_reads_none() -> None:
    cluster = Cluster({topic: 3 for topic in TOPICS[:2]})
    assert assigned(cluster, members(only=TOPICS[:2])) == {
        "only": {TOPICS[0]: [0, 1, 2], TOPICS[1]: [0, 1, 2]}
    }
    got = assigned(cluster, members(a=TOPICS[:2], b=TOPICS[:2], c=TOPICS[:2]))
    assert sorted(len(topics) for topics in got.values()) == [0, 1, 1]


def test_a_topic_goes_only_to_a_member_subscribed_to_it_and_unknown_topics_to_nobody() -> None:
    cluster = Cluster({"casework.events": 6, "intake.events": 6})
    got = assigned(cluster, members(a=["casework.events"], b=["intake.events", "gone.events"]))
    assert got == {"a": {"casework.events": list(range(6))}, "b": {"intake.events": list(range(6))}}


def test_the_assignment_is_the_same_whatever_order_the_members_come_in() -> None:
    cluster = Cluster({topic: 6 for topic in TOPICS})
    group = members(b=TOPICS, a=TOPICS, c=TOPICS)
    reordered = dict(reversed(list(group.items())))
    assert assigned(cluster, group) == assigned(cluster, reordered)
