from sample_app.ratelimit import SlidingWindowLimiter


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


def test_limit_within_window(rkvd_client):
    clock = Clock()
    limiter = SlidingWindowLimiter(rkvd_client, limit=3, window_seconds=10, clock=clock)
    assert [limiter.allow("alice") for _ in range(5)] == [True, True, True, False, False]
    assert limiter.allow("bob")
    clock.now += 11
    assert limiter.allow("alice")


def test_refused_attempts_do_not_count(rkvd_client):
    clock = Clock()
    limiter = SlidingWindowLimiter(rkvd_client, limit=1, window_seconds=5, clock=clock)
    assert limiter.allow("carol")
    for _ in range(10):
        clock.now += 0.1
        assert not limiter.allow("carol")
    assert rkvd_client.zcard("rate:carol") == 1
    assert rkvd_client.ttl("rate:carol") > 0
