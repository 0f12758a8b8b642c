"""Rolling updates under load, through the whole stack:

    load -> "router" -> frontend nginx -> "Service" -> pods a and b -> PostgreSQL

The project's nginx configuration runs in Debian's nginx; the router and the
Service are plain nginx balancers whose members change as the endpoints
controller would change them (tests/scaling/balancer.py, cluster.py)."""

import signal
import time
from contextlib import ExitStack
from dataclasses import dataclass

import pytest

from tests.e2e.nginx_server import Nginx
from tests.scaling.balancer import Balancer
from tests.scaling.cluster import Endpoints, Pod, stored_messages, two_pods
from tests.scaling.load import Load

# Two tokens, then nothing until the connection ends: a stream that outlasts
# any drain.
STALLED = "[fake fault=stall tokens_per_second=20] Hold on"
# Five tokens in five seconds: longer than a reload, shorter than a grace period.
SLOW = "[fake tokens_per_second=1] Take your time"
COMPLETE = [("user", "complete"), ("assistant", "complete")]


@dataclass
class Stack:
    database: str
    pods: list[Pod]
    service: Balancer
    endpoints: Endpoints
    frontend: Nginx
    router: Balancer
    dist: str


@pytest.fixture(scope="module")
def stack(pod_env, tmp_path_factory):
    env = {
        **pod_env,
        "CHAT_RATE_LIMIT": "100000/m",
        # Serve 3 s with readiness false, drain 2 s, 2 s to store the rest.
        "SHUTDOWN_DELAY": "3",
        "GRACEFUL_TIMEOUT": "7",
    }
    with two_pods(tmp_path_factory, env) as (url, pods), ExitStack() as stack:
        service = stack.enter_context(Balancer([pod.port for pod in pods]))
        endpoints = stack.enter_context(Endpoints(service, pods))
        # The API is what is under test: the page itself can be any file.
        dist = tmp_path_factory.mktemp("dist")
        (dist / "index.html").write_text("<!doctype html><title>chat</title>\n")
        frontend = stack.enter_context(Nginx(dist, service.url))
        router = stack.enter_context(Balancer([frontend.port]))
        yield Stack(url, pods, service, endpoints, frontend, router, dist)


def wait_until(predicate, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise TimeoutError(predicate.__doc__)
        time.sleep(0.1)
    return value


def test_a_rolling_update_of_the_backends_fails_no_request(stack, upstream):
    upstream.reset()
    with Load(stack.router.url, held=STALLED) as load:
        for pod in stack.pods:
            load.wait_for_held_streams(2)
            pod.terminate()
            stack.endpoints.wait_until(lambda ready, pod=pod: pod not in ready)
            assert pod.process.wait(60) == 0
            pod.start()
            stack.endpoints.wait_until(lambda ready, pod=pod: pod in ready)
        outcomes = load.stop()

    answers = [o for o in outcomes if o.kind != "held"]
    held = [o for o in outcomes if o.kind == "held"]
    assert answers
    assert [o for o in answers if not o.done] == []
    # Every held stream started; at least one was in flight on a pod that
    # drained, and ended when the pod closed it.
    assert all(o.status == 200 and o.conversation_id for o in held)
    assert any(o.error for o in held)

    def every_reply_stored():
        """every conversation has its user message and its reply stored"""
        stored = stored_messages(stack.database)
        if all(len(stored.get(o.conversation_id, [])) == 2 for o in outcomes):
            return stored

    stored = wait_until(every_reply_stored)
    assert len(stored) == len(outcomes)
    for outcome in answers:
        roles = [(role, status) for role, status, _ in stored[outcome.conversation_id]]
        assert roles == COMPLETE
    for outcome in held:
        role, status, content = stored[outcome.conversation_id][1]
        assert (role, status) == ("assistant", "partial")
        assert content in ("Hello", "Hello from")
    assert all("WORKER TIMEOUT" not in pod.log() for pod in stack.pods)


def test_a_rolling_update_of_the_frontend_fails_no_request(stack, upstream):
    """Last in this module: it replaces the stack's frontend."""
    upstream.reset()
    old = stack.frontend
    with Load(stack.router.url, held=SLOW) as load:
        through_old = load.wait_for_held_streams(2)
        with Nginx(stack.dist, stack.service.url) as new:
            stack.router.set_members([old.port, new.port])
            stack.router.set_members([new.port])
            # What the frontend's preStop does: wait until the router sends
            # nothing more (10 s in the Deployment; here, until the requests
            # the router took before its reload have reached a frontend), then
            # nginx's graceful quit: it takes no new connection.
            load.wait_for_answers_to_requests_sent()
            old.process.send_signal(signal.SIGQUIT)
            assert old.process.wait(60) == 0
            outcomes = load.stop()

    assert [o for o in through_old if not o.done] == []
    failed = [o for o in outcomes if not (o.done or o.left)]
    assert failed == [], stack.router.error_log()
    assert len([o for o in outcomes if o.done]) > len(through_old)
