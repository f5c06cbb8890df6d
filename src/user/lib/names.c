// Names for error codes and exit causes, so that output reads without a table.
#include <stdio.h>

#include "basin.h"

const char *error_name(i64 result) {
    if (result >= 0) return "ok";
    switch (-result) {
    case E_PERM: return "E_PERM";
    case E_NOENT: return "E_NOENT";
    case E_SRCH: return "E_SRCH";
    case E_IO: return "E_IO";
    case E_2BIG: return "E_2BIG";
    case E_NOEXEC: return "E_NOEXEC";
    case E_BADF: return "E_BADF";
    case E_CHILD: return "E_CHILD";
    case E_AGAIN: return "E_AGAIN";
    case E_NOMEM: return "E_NOMEM";
    case E_FAULT: return "E_FAULT";
    case E_EXIST: return "E_EXIST";
    case E_NODEV: return "E_NODEV";
    case E_NOTDIR: return "E_NOTDIR";
    case E_ISDIR: return "E_ISDIR";
    case E_INVAL: return "E_INVAL";
    case E_MFILE: return "E_MFILE";
    case E_FBIG: return "E_FBIG";
    case E_NOSPC: return "E_NOSPC";
    case E_ROFS: return "E_ROFS";
    case E_RANGE: return "E_RANGE";
    case E_NAMETOOLONG: return "E_NAMETOOLONG";
    case E_NOSYS: return "E_NOSYS";
    case E_NOTEMPTY: return "E_NOTEMPTY";
    case E_BADMSG: return "E_BADMSG";
    default: return "E_?";
    }
}

const char *exit_cause_name(u32 cause) {
    switch (cause) {
    case ABI_EXIT_NORMAL: return "exit";
    case ABI_EXIT_FAULT_PAGE: return "page fault";
    case ABI_EXIT_FAULT_ILLEGAL: return "illegal instruction";
    case ABI_EXIT_FAULT_MISALIGNED: return "misaligned access";
    case ABI_EXIT_FAULT_BREAKPOINT: return "breakpoint";
    case ABI_EXIT_KILLED: return "killed by the kernel";
    default: return "unknown cause";
    }
}

void wait_status_format(const struct abi_wait_status *status, char *out, u64 capacity) {
    if (status->cause == ABI_EXIT_NORMAL) {
        snprintf(out, capacity, "exited %ld", (long)status->exit_code);
    } else {
        snprintf(out, capacity, "killed: %s pc=0x%lx addr=0x%lx",
                 exit_cause_name(status->cause), (unsigned long)status->fault_pc,
                 (unsigned long)status->fault_addr);
    }
}
