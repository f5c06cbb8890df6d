// Private to kernel/replica: what its files share (the log, the network, observations).
#pragma once

#include "kernel/kernel.h"
#include "kernel/replica/replica_host.h"

// What one version costs on the disk once compacted, at most: its value's OBJECT record
// (80 + 256 bytes) and a one-version chunk (80 + 16 + 2 links + 48 + a 47-byte key),
// rounded up. Non-root users' versions together may fill at most
// REPLICA_USERS_DISK_PERCENT of a GrainDB zone (the filesystem shares the zone: a user's
// puts must not starve its files, or root's).
#define REPLICA_VERSION_DISK_BYTES 640u
#define REPLICA_USERS_DISK_PERCENT 25u

// ---- replica_log.c: the versions and values in GrainDB --------------------------------
// Persists count versions (values[i]: versions[i].value_bytes bytes whose SHA-256 is
// versions[i].value_hash) in ONE GrainDB batch: the values, a chunk linking the previous
// chunk and the values, the ref REPLICA_LOG_KEY. 0 once durable; an error and nothing
// visible otherwise. Nothing is added to the engine here.
i64 replica_host_persist(struct kernel *k, const struct replica_version *versions,
                        const u8 *const values[], u32 count);
// At boot: walks the chain back from REPLICA_LOG_KEY, loading every version. Returns
// how many were loaded (a chunk that cannot be read stops the walk, logged).
u32 replica_host_load_log(struct kernel *k);
// A version's value into out (REPLICA_VALUE_BYTES_MAX bytes): 0, or -E_BADMSG when the
// stored copy is damaged or missing (then it is asked of every peer), -E_IO.
i64 replica_host_value_read(struct kernel *k, const struct replica_version *version, u8 *out);
// A value a peer sent for a hash in wants[], stored again (the bytes hash right: the
// caller checked). 0 or the commit's error.
i64 replica_host_value_restore(struct kernel *k, const u8 hash[REPLICA_HASH_BYTES], const u8 *bytes,
                          u32 size_bytes);
void replica_host_sha256(const u8 *bytes, u32 count, u8 out[REPLICA_HASH_BYTES]);

// ---- replica_net.c -------------------------------------------------------------------------
// A new local version to every peer at once (VERSIONS, leaf REPLICA_LEAF_NONE).
void replica_host_push(struct kernel *k, const struct replica_version *version, const u8 *value);
// hash joins wants[] (when there is room) and a WANT goes to every peer.
void replica_host_want(struct kernel *k, const u8 hash[REPLICA_HASH_BYTES]);

// ---- replica_host.c -----------------------------------------------------------------------
// A version became visible (replica_add returned 1): observation and trace.
void replica_host_note_added(struct kernel *k, const struct replica_version *version, bool from_peer);
void replica_host_observe(struct kernel *k, const struct replica_observation *observation);
u64 replica_host_key_hash(const struct replica_version *version);
