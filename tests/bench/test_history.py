"""A history pool hands out each conversation once before any twice, with
its owner's cookie and a CSRF token that matches its cookie, and says how
long the conversations grew."""

from tests.bench.history import Pool, messages


def test_each_conversation_once_then_longer():
    pool = Pool(10, "chat_owner", [["a", "owner-a"], ["b", "owner-b"]])
    first = [pool.next() for _ in range(2)]
    assert [fields["conversation_id"] for fields, _ in first] == ["a", "b"]
    assert pool.longest == 10
    pool.next()
    assert pool.longest == 12


def test_cookie_and_csrf_token_agree():
    _, headers = Pool(10, "chat_owner", [["a", "owner-a"]]).next()
    cookies = dict(part.split("=", 1) for part in headers["Cookie"].split("; "))
    assert cookies["chat_owner"] == "owner-a"
    assert cookies["csrftoken"] == headers["X-CSRFToken"]
    assert len(headers["X-CSRFToken"]) == 32


def test_messages_alternate_and_end_with_the_question():
    sent = messages(4)
    assert [m["role"] for m in sent] == ["user", "assistant"] * 2 + ["user"]
    assert sent[-1] == sent[0]
