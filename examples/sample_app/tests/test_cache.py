import pytest
from sample_app.cache import CachedRepository

USERS = {1: {"name": "ada"}, 2: {"name": "grace"}}


@pytest.fixture
def repo(rkvd_client):
    return CachedRepository(rkvd_client, USERS.get, ttl=30)


def test_miss_then_hit(repo, rkvd_client):
    assert repo.get(1) == {"name": "ada"}
    assert repo.get(1) == {"name": "ada"}
    assert repo.misses == 1
    assert 0 < rkvd_client.ttl("user:1") <= 30


def test_absent_id_is_cached_briefly(repo, rkvd_client):
    assert repo.get(99) is None
    assert repo.get(99) is None
    assert repo.misses == 1
    assert rkvd_client.ttl("user:99") <= 3


def test_invalidate_reloads(repo):
    repo.get(2)
    repo.invalidate(2)
    repo.get(2)
    assert repo.misses == 2


def test_each_test_starts_empty(rkvd_client):
    # the keys of the tests above are gone: the plugin flushes between tests
    assert rkvd_client.dbsize() == 0


@pytest.mark.rkvd(config={"maxmemory": "24mb", "maxmemory-policy": "allkeys-lru"})
def test_cache_survives_eviction(rkvd_client):
    repo = CachedRepository(rkvd_client, lambda i: {"blob": "x" * 10_000, "id": i}, ttl=300)
    for i in range(3000):           # 30 MB of values through a 24 MB server
        assert repo.get(i)["id"] == i
    info = rkvd_client.info("stats")
    assert info["evicted_keys"] > 0
    assert rkvd_client.config_get("maxmemory-policy") == {"maxmemory-policy": "allkeys-lru"}
