"""redis-cli's tool modes against rkvd, beside a real redis-server, and the
INFO fields Prometheus' redis_exporter reads.

Each mode runs the same way against both servers holding the same data;
where the output is deterministic (the --bigkeys summary, --scan, --pipe)
it must be the same text, elsewhere its shape must be (--stat, the latency
modes) and the figures that do not depend on the implementation must agree
(--memkeys' biggest keys, --hotkeys' hottest key). Every run is bounded by
-i and a timeout so the module takes a few seconds.
"""
import re
import shutil
import subprocess

import pytest

import support
from support import wait_for

REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
STDBUF = shutil.which("stdbuf")


def cli(server, *args, timeout=10, stdin=None):
    out = subprocess.run([REDIS_CLI, "-p", str(server.port), *args], input=stdin,
                         capture_output=True, timeout=timeout)
    return out.stdout.decode()


def cli_for(server, seconds, *args):
    """Run a mode that never ends by itself for `seconds`, then stop it; its
    output unbuffered (redis-cli writes through stdio)."""
    if STDBUF is None:
        pytest.skip("stdbuf is needed to read an interrupted redis-cli")
    try:
        subprocess.run([STDBUF, "-o0", REDIS_CLI, "-p", str(server.port), *args],
                       capture_output=True, timeout=seconds)
    except subprocess.TimeoutExpired as exc:
        return (exc.stdout or b"").decode()
    pytest.fail("the mode ended by itself")


def fill(server):
    c = server.client()
    c.flushall()
    for i in range(1, 51):
        c.set(f"key:{i}", "v" * i)
    c.rpush("biglist", *"abcdef")
    c.hset("bighash", mapping={"f1": "v1", "f2": "v2"})
    c.sadd("bigset", 1, 2, 3)
    c.zadd("bigz", {"a": 1, "b": 2})
    c.xadd("bigs", {"a": 1})
    return c


@pytest.fixture
def pair(server_pair):
    servers = server_pair()
    for s in servers:
        fill(s)
    return servers


def summary(text):
    # what follows "-------- summary -------": the progress lines before it
    # follow the SCAN order, which is the server's own
    return text.split("-------- summary -------", 1)[1]


def test_bigkeys_summary_is_redis_s(pair):
    rk, rd = pair
    got = summary(cli(rk, "--bigkeys"))
    assert got == summary(cli(rd, "--bigkeys"))
    assert "Biggest string found '\"key:50\"' has 50 bytes" in got


def test_memkeys_finds_the_same_biggest_keys(pair):
    # the byte counts are each server's MEMORY USAGE; the keys must agree
    rk, rd = pair
    pattern = re.compile(r"Biggest +(\w+) found '(.*)' has \d+ bytes")
    got = summary(cli(rk, "--memkeys"))
    want = summary(cli(rd, "--memkeys"))
    assert "Sampled 55 keys in the keyspace!" in got
    biggest = dict(pattern.findall(got))
    assert biggest.keys() == dict(pattern.findall(want)).keys()
    assert biggest["list"] == '"biglist"' and biggest["stream"] == '"bigs"'


def test_hotkeys_under_allkeys_lfu(pair):
    for s in pair:
        c = s.client()
        c.config_set("maxmemory-policy", "allkeys-lfu")
        for _ in range(40):
            c.get("key:7")
    for s in pair:
        out = summary(cli(s, "--hotkeys"))
        # the LFU counter grows by chance (lfu-log-factor): the hottest key
        # is certain, its counter only about
        m = re.search(r"hot key found with counter: (\d+)\tkeyname: \"(.*)\"", out)
        assert m and m.group(2) == "key:7" and int(m.group(1)) >= 5, out


def test_hotkeys_refused_without_an_lfu_policy(pair):
    rk, rd = pair
    assert cli(rk, "--hotkeys").splitlines()[-1] == cli(rd, "--hotkeys").splitlines()[-1]


def test_scan_with_a_pattern(pair):
    rk, rd = pair
    got = sorted(cli(rk, "--scan", "--pattern", "key:4*").split())
    assert got == sorted(cli(rd, "--scan", "--pattern", "key:4*").split())
    assert len(got) == 11


def test_pipe_mass_insert(pair):
    proto = b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\np:%d\r\n$1\r\nx\r\n" % (len(b"p:%d" % i), i)
                     for i in range(2000)) + b"*2\r\n$4\r\nINCR\r\n$6\r\nbiglist\r\n"
    outs = [cli(s, "--pipe", stdin=proto) for s in pair]
    assert outs[0] == outs[1]
    assert outs[0].endswith("replies: 2001\n")
    sizes = [s.client().dbsize() for s in pair]
    assert sizes[0] == sizes[1] >= 2055


def test_stat_lines(pair):
    header = ("------- data ------ --------------------- load -------------------- - child -\n"
              "keys       mem      clients blocked requests            connections          \n")
    row = re.compile(r"55 +[\d.]+[KMG]? +\d+ +0 +\d+ \(\+\d+\) +\d+ *$")
    for s in pair:
        out = cli_for(s, 0.8, "--stat", "-i", "0.2")
        assert out.startswith(header), out
        rows = out[len(header):].splitlines()
        assert len(rows) >= 2 and all(row.match(r) for r in rows), out


def test_stat_mem_column_is_near_redis_s(pair):
    # used_memory leaves the interpreter out, so a small dataset reads as
    # it does on Redis: under 2 MB for both
    for s in pair:
        first = cli_for(s, 0.4, "--stat", "-i", "0.2").splitlines()[2]
        mem = first.split()[1]
        assert mem.endswith("K") or (mem.endswith("M") and float(mem[:-1]) < 2), first


def test_latency_one_line_per_run(pair):
    # outside a terminal, --latency prints "min max avg samples" once
    for s in pair:
        out = cli(s, "--latency", "-i", "0.2", timeout=5)
        assert re.fullmatch(r"\d+ \d+ \d+\.\d\d \d+\n", out), out


def test_latency_history(pair):
    for s in pair:
        lines = cli_for(s, 0.8, "--latency-history", "-i", "1").splitlines()
        assert len(lines) >= 3 and all(re.fullmatch(r"\d+ \d+ \d+\.\d\d \d+", x) for x in lines), lines


def test_latency_dist(pair):
    outs = [cli_for(s, 1.3, "--latency-dist", "-i", "1") for s in pair]
    legend = outs[1].split("---------------------------------------------")[1]
    assert "milliseconds" in legend
    assert legend in outs[0]


def test_intrinsic_latency_runs_beside_the_server(rkvd_factory):
    # a client-side measurement: the server only has to accept the port
    s = rkvd_factory()
    out = cli(s, "--intrinsic-latency", "1", timeout=5)
    assert re.search(r"\d+ total runs \(avg latency: [\d.]+ microseconds", out), out


# ---------------------------------------------------------------------------
# INFO for Prometheus' redis_exporter
# ---------------------------------------------------------------------------

# The INFO fields redis_exporter (github.com/oliver006/redis_exporter,
# exporter/exporter.go: metricMapGauges and metricMapCounters) turns into
# metrics, then the ones its instance_info metric takes as labels
# (exporter/info.go). It reads other products' fields too; what counts is
# the ones redis-server reports.
EXPORTER_FIELDS = """
    uptime_in_seconds process_id io_threads_active connected_clients blocked_clients
    maxclients tracking_clients clients_in_timeout_table pubsub_clients watching_clients
    total_watched_keys total_blocking_keys total_blocking_keys_on_nokey
    client_longest_output_list client_biggest_input_buf client_recent_max_output_buffer
    client_recent_max_input_buffer allocator_active allocator_allocated allocator_resident
    allocator_frag_ratio allocator_frag_bytes allocator_muzzy allocator_rss_ratio
    allocator_rss_bytes used_memory used_memory_rss used_memory_peak used_memory_lua
    used_memory_vm_eval used_memory_scripts_eval used_memory_overhead used_memory_startup
    used_memory_dataset number_of_cached_scripts number_of_functions number_of_libraries
    used_memory_vm_functions used_memory_scripts used_memory_functions used_memory_vm_total
    maxmemory maxmemory_reservation maxmemory_desired_reservation
    maxfragmentationmemory_reservation maxfragmentationmemory_desired_reservation
    mem_fragmentation_ratio mem_fragmentation_bytes mem_clients_slaves mem_clients_normal
    mem_cluster_links mem_aof_buffer mem_replication_backlog expired_stale_perc
    mem_not_counted_for_evict mem_total_replication_buffers
    mem_overhead_db_hashtable_rehashing lazyfree_pending_objects lazyfreed_objects
    active_defrag_running migrate_cached_sockets active_defrag_hits active_defrag_misses
    active_defrag_key_hits active_defrag_key_misses loading async_loading
    rdb_changes_since_last_save rdb_bgsave_in_progress rdb_last_save_time
    rdb_last_bgsave_status rdb_last_bgsave_time_sec rdb_current_bgsave_time_sec rdb_saves
    rdb_last_cow_size rdb_last_load_keys_expired rdb_last_load_keys_loaded aof_enabled
    aof_rewrite_in_progress aof_rewrite_scheduled aof_last_rewrite_time_sec
    aof_current_rewrite_time_sec aof_last_cow_size aof_current_size aof_base_size
    aof_pending_rewrite aof_buffer_length aof_rewrite_buffer_length aof_pending_bio_fsync
    aof_delayed_fsync aof_last_bgrewrite_status aof_last_write_status
    module_fork_in_progress module_fork_last_cow_size current_eviction_exceeded_time
    pubsub_channels pubsub_patterns pubsubshard_channels latest_fork_usec
    tracking_total_keys tracking_total_items tracking_total_prefixes
    instantaneous_eventloop_cycles_per_sec instantaneous_eventloop_duration_usec
    connected_slaves repl_backlog_size repl_backlog_active repl_backlog_first_byte_offset
    repl_backlog_histlen master_repl_offset second_repl_offset slave_expires_tracked_keys
    slave_priority sync_full sync_partial_ok sync_partial_err cluster_stats_messages_sent
    cluster_stats_messages_received tile38_aof_size tile38_avg_point_size tile38_sys_cpus
    tile38_heap_released_bytes tile38_heap_alloc_bytes tile38_http_transport
    tile38_in_memory_size tile38_max_heap_size tile38_alloc_bytes tile38_num_collections
    tile38_num_hooks tile38_num_objects tile38_num_points tile38_pointer_size
    tile38_read_only tile38_go_threads tile38_go_goroutines tile38_last_gc_time_seconds
    tile38_next_gc_bytes server_threads long_lock_waits current_client_thread
    search_number_of_indexes search_used_memory_indexes search_dialect_1 search_dialect_2
    search_dialect_3 search_dialect_4 search_global_idle search_global_total
    search_bytes_collected search_number_of_active_indexes
    search_number_of_active_indexes_running_queries
    search_number_of_active_indexes_indexing search_total_active_write_threads
    search_total_num_docs_in_indexes search_smallest_memory_index
    search_largest_memory_index search_used_memory_vector_index search_global_idle_user
    search_global_idle_internal search_global_total_user search_global_total_internal
    search_gc_bytes_collected search_gc_total_docs_not_collected
    search_gc_marked_deleted_vectors search_errors_indexing_failures
    bf_bloom_total_memory_bytes bf_bloom_num_objects bf_bloom_num_filters_across_objects
    bf_bloom_num_items_across_objects bf_bloom_capacity_across_objects
    json_total_memory_bytes json_num_documents search_used_memory_bytes
    search_number_of_attributes search_total_indexed_documents search_query_queue_size
    search_writer_queue_size search_string_interning_store_size
    search_vector_externing_hash_extern_errors search_vector_externing_num_lru_entries
    total_connections_received total_commands_processed rejected_connections
    total_net_input_bytes total_net_output_bytes total_net_repl_input_bytes
    total_net_repl_output_bytes expired_subkeys expired_keys expired_time_cap_reached_count
    expire_cycle_cpu_milliseconds evicted_keys evicted_clients evicted_scripts
    total_eviction_exceeded_time keyspace_hits keyspace_misses eventloop_cycles
    eventloop_duration_sum eventloop_duration_cmd_sum used_cpu_sys used_cpu_user
    used_cpu_sys_children used_cpu_user_children used_cpu_sys_main_thread
    used_cpu_user_main_thread unexpected_error_replies total_error_replies
    dump_payload_sanitizations total_reads_processed total_writes_processed
    io_threaded_reads_processed io_threaded_writes_processed
    client_query_buffer_limit_disconnections client_output_buffer_limit_disconnections
    reply_buffer_shrinks reply_buffer_expands acl_access_denied_auth acl_access_denied_cmd
    acl_access_denied_key acl_access_denied_channel cached_keys storage_provider_read_hits
    storage_provider_read_misses search_total_indexing_time search_total_cycles
    search_total_ms_run search_gc_total_cycles search_gc_total_ms_run
    search_total_queries_processed search_total_query_commands
    search_total_query_execution_time_ms search_total_active_queries bf_bloom_defrag_hits
    bf_bloom_defrag_misses search_worker_pool_suspend_cnt search_writer_resumed_cnt
    search_reader_resumed_cnt search_writer_suspension_expired_cnt
    search_rdb_load_success_cnt search_rdb_load_failure_cnt search_rdb_save_success_cnt
    search_rdb_save_failure_cnt search_successful_requests_count
    search_failure_requests_count search_hybrid_requests_count
    search_inline_filtering_requests_count search_hnsw_add_exceptions_count
    search_hnsw_remove_exceptions_count search_hnsw_modify_exceptions_count
    search_hnsw_search_exceptions_count search_hnsw_create_exceptions_count
    search_vector_externing_entry_count search_vector_externing_generated_value_cnt
    search_vector_externing_lru_promote_cnt search_vector_externing_deferred_entry_cnt
    used_active_time_main_thread
    role redis_version redis_build_id redis_mode os maxmemory_policy tcp_port run_id
    process_id master_replid
""".split()

# The per-item lines it parses by their own format (exporter/info.go)
ITEM_FORMATS = {
    "cmdstat_": r"calls=\d+,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=\d+,failed_calls=\d+",
    "latency_percentiles_usec_": r"p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}",
    "errorstat_": r"count=\d+",
    "db": r"keys=\d+,expires=\d+,avg_ttl=\d+",
    "slave": r"ip=[\d.]+,port=\d+,state=\w+,offset=\d+,lag=\d+",
}


def kind(value):
    if re.fullmatch(r"-?\d+", value):
        return "int"
    if re.fullmatch(r"-?\d+\.\d+", value):
        return "float"
    return "text"


def exercise(server):
    c = server.client()
    c.set("k", "v", ex=1000)
    c.get("k")
    try:
        c.execute_command("NOSUCHCOMMAND")
    except Exception:
        pass


def check_exporter_fields(rk_fields, rd_fields):
    wanted = [f for f in dict.fromkeys(EXPORTER_FIELDS) if f in rd_fields]
    assert len(wanted) > 100        # the test reads what it thinks it reads
    missing = [f for f in wanted if f not in rk_fields]
    assert not missing, f"INFO lacks fields redis_exporter reads: {missing}"
    kinds = {f: (kind(rk_fields[f]), kind(rd_fields[f])) for f in wanted}
    assert {f: k for f, k in kinds.items() if k[0] != k[1]} == {}
    for prefix, fmt in ITEM_FORMATS.items():
        theirs = [k for k in rd_fields if k.startswith(prefix) and re.fullmatch(fmt, rd_fields[k])]
        ours = [k for k in rk_fields if k.startswith(prefix) and re.fullmatch(fmt, rk_fields[k])]
        for k in theirs:
            assert k in ours, (k, rk_fields.get(k), rd_fields[k])


def raw_info(server):
    with server.raw() as r:
        reply = r.command("INFO", "ALL")
    body = reply.split(b"\r\n", 1)[1]
    return dict(line.split(":", 1) for line in body.decode().splitlines()
                if line and not line.startswith("#") and ":" in line)


def test_info_has_every_field_redis_exporter_reads(server_pair):
    rk, rd = server_pair()
    for s in (rk, rd):
        exercise(s)
    check_exporter_fields(raw_info(rk), raw_info(rd))


def test_info_of_a_master_with_a_replica_and_of_the_replica(rkvd_factory, redis_factory):
    # the replication fields: a master with one replica, and that replica
    infos = []
    for factory in (rkvd_factory, redis_factory):
        master = factory("--repl-diskless-sync-delay", "0")
        replica = factory("--replicaof", support.HOST, str(master.port))
        rc, mc = replica.client(), master.client()
        wait_for(lambda: rc.info("replication").get("master_link_status") == "up",      # noqa: B023
                 what="the replica to sync")
        wait_for(lambda: "slave0" in mc.info("replication"), what="the master to list it")  # noqa: B023
        exercise(master)
        infos.append((raw_info(master), raw_info(replica)))
    (rk_master, rk_replica), (rd_master, rd_replica) = infos
    check_exporter_fields(rk_master, rd_master)
    check_exporter_fields(rk_replica, rd_replica)
