// Names for error codes and exit causes, so that output reads without a table.
#include <stdio.h>

#include "user/lib/basin.h"

// A table rather than a switch: the switch compiles to a pointer per number up to the
// largest code (74), which every program would carry.
static const struct {
    u8 code;
    char name[15];
} error_names[] = {
    {E_PERM, "E_PERM"},     {E_NOENT, "E_NOENT"},   {E_SRCH, "E_SRCH"},
    {E_IO, "E_IO"},         {E_2BIG, "E_2BIG"},     {E_NOEXEC, "E_NOEXEC"},
    {E_BADF, "E_BADF"},     {E_CHILD, "E_CHILD"},   {E_AGAIN, "E_AGAIN"},
    {E_NOMEM, "E_NOMEM"},   {E_FAULT, "E_FAULT"},   {E_EXIST, "E_EXIST"},
    {E_NODEV, "E_NODEV"},   {E_NOTDIR, "E_NOTDIR"}, {E_ISDIR, "E_ISDIR"},
    {E_INVAL, "E_INVAL"},   {E_MFILE, "E_MFILE"},   {E_FBIG, "E_FBIG"},
    {E_NOSPC, "E_NOSPC"},   {E_ROFS, "E_ROFS"},     {E_RANGE, "E_RANGE"},
    {E_NAMETOOLONG, "E_NAMETOOLONG"}, {E_NOSYS, "E_NOSYS"}, {E_NOTEMPTY, "E_NOTEMPTY"},
    {E_BADMSG, "E_BADMSG"}, {E_BUSY, "E_BUSY"}, {E_SPIPE, "E_SPIPE"}, {E_MLINK, "E_MLINK"}, {E_LOOP, "E_LOOP"}, {E_ACCES, "E_ACCES"},   {E_NFILE, "E_NFILE"},
    {E_DQUOT, "E_DQUOT"},
};

const char *error_name(i64 result) {
    if (result >= 0) return "ok";
    for (u32 i = 0; i < sizeof(error_names) / sizeof(error_names[0]); i++) {
        if (-result == (i64)error_names[i].code) return error_names[i].name;
    }
    return "E_?";
}

const char *exit_cause_name(u32 cause) {
    switch (cause) {
    case ABI_EXIT_NORMAL: return "exit";
    case ABI_EXIT_FAULT_PAGE: return "page fault";
    case ABI_EXIT_FAULT_ILLEGAL: return "illegal instruction";
    case ABI_EXIT_FAULT_MISALIGNED: return "misaligned access";
    case ABI_EXIT_FAULT_BREAKPOINT: return "breakpoint";
    case ABI_EXIT_KILLED: return "killed by the kernel";
    case ABI_EXIT_SIGNALED: return "killed by a signal";
    default: return "unknown cause";
    }
}

void wait_status_format(const struct abi_wait_status *status, char *out, u64 capacity) {
    if (status->cause == ABI_EXIT_NORMAL) {
        snprintf(out, capacity, "exited %ld", (long)status->exit_code);
    } else if (status->cause == ABI_EXIT_SIGNALED) {
        snprintf(out, capacity, "signaled %ld", (long)status->exit_code);
    } else {
        snprintf(out, capacity, "killed: %s pc=0x%lx addr=0x%lx",
                 exit_cause_name(status->cause), (unsigned long)status->fault_pc,
                 (unsigned long)status->fault_addr);
    }
}
