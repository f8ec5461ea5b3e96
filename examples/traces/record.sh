#!/usr/bin/env bash
# Re-records the bundled seed-scenario traces that `lockscope demo` analyzes:
# runs every example with LOCKSCOPE_TRACE pointing here.
set -euo pipefail
cd "$(dirname "$0")/../.."
examples="lost_update lost_update_locked deadlock_opposite_order self_deadlock rlock
semaphore_not_a_mutex sorted_acquire event_handoff condition producer_consumer
thread_pool join_vs_lock deadlock_lucky deadlock_hang event_never_set
condition_never_notified consumer_starved"
cargo build --examples
for e in $examples; do
  LOCKSCOPE_TRACE="examples/traces/$e.jsonl" "target/debug/examples/$e" >/dev/null 2>&1
done
ls -l examples/traces/*.jsonl
