// The Supervisor Binary Interface calls we make to the firmware (RISC-V SBI spec
// v2.0 and its legacy v0.1 calls, which OpenSBI 1.1 still serves).
#pragma once

#include "kernel/lib/types.h"

#define SBI_EXT_LEGACY_SET_TIMER 0x00ull
#define SBI_EXT_LEGACY_PUTCHAR 0x01ull
#define SBI_EXT_LEGACY_GETCHAR 0x02ull
#define SBI_EXT_LEGACY_SHUTDOWN 0x08ull
#define SBI_EXT_BASE 0x10ull
#define SBI_EXT_TIME 0x54494d45ull   // "TIME"
#define SBI_EXT_IPI 0x00735049ull    // "sPI"
#define SBI_EXT_RFENCE 0x52464e43ull // "RFNC"
#define SBI_EXT_HSM 0x0048534dull    // "HSM"
#define SBI_EXT_SRST 0x53525354ull   // "SRST"
#define SBI_EXT_PMU 0x00504d55ull    // "PMU"
#define SBI_EXT_DBCN 0x4442434eull   // "DBCN"
#define SBI_EXT_SUSP 0x53555350ull   // "SUSP"

#define SBI_BASE_GET_SPEC_VERSION 0ull
#define SBI_BASE_GET_IMPL_ID 1ull
#define SBI_BASE_GET_IMPL_VERSION 2ull
#define SBI_BASE_PROBE_EXTENSION 3ull

#define SBI_DBCN_WRITE_BYTE 2ull

#define SBI_SRST_TYPE_SHUTDOWN 0ull
#define SBI_SRST_TYPE_COLD_REBOOT 1ull
#define SBI_SRST_TYPE_WARM_REBOOT 2ull
#define SBI_SRST_REASON_NONE 0ull

#define SBI_SUCCESS 0
#define SBI_IMPL_OPENSBI 1ull
#define SBI_SPEC_MAJOR_SHIFT 24
#define SBI_SPEC_MAJOR_MASK 0x7full
#define SBI_SPEC_MINOR_MASK 0xffffffull

// The extensions we look for at boot, as bit numbers of struct hw_sbi's mask.
enum sbi_extension {
    SBI_X_TIME = 0,
    SBI_X_IPI,
    SBI_X_RFENCE,
    SBI_X_HSM,
    SBI_X_SRST,
    SBI_X_PMU,
    SBI_X_DBCN,
    SBI_X_SUSP,
    SBI_X_COUNT,
};

struct sbi_result {
    i64 error; // SBI_SUCCESS or a negative SBI error
    u64 value;
};

struct sbi_result sbi_call(u64 extension, u64 function, u64 arg0, u64 arg1, u64 arg2);
// Legacy calls return their result in a0 only.
i64 sbi_legacy_call(u64 extension, u64 arg0);
bool sbi_probe(u64 extension);
// Probes every extension of enum sbi_extension: bit i set when extension i is there.
// Firmware with only the v0.1 legacy calls has none of them.
u32 sbi_probe_all(void);
// "TIME", "DBCN", ...: the name the SBI specification gives extension `index`.
const char *sbi_extension_name(u32 index);
// "not supported", "denied", ...: the specification's words for an SBI error code
// (0 is "success"), or "unknown error".
const char *sbi_error_name(i64 error);
// "OpenSBI", "RustSBI", ... or NULL for an implementation id we do not know.
const char *sbi_implementation_name(u64 impl_id);
