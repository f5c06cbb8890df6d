// Console sessions: who may read and write the console. A program a user leaves
// running after logout must not read what is typed next (root's password at the login
// prompt) nor print a fake prompt, so the console belongs to one console session at a
// time, like a Unix controlling terminal after vhangup:
//   - session 0 (CONSOLE_SESSION_INIT) is init's and that of everything init starts
//     itself; it owns the console at boot and whenever no login session does;
//   - vhangup() (root only; login calls it before its prompt) gives the caller a new
//     session that owns the console: every other session has lost it;
//   - a process's console session is inherited at spawn and changes only by vhangup
//     (switch_user, su and sudo keep it), and ids are never reused, so a process
//     that lost the console never gets it back (hung up for good, like a revoked tty);
//   - the session ends when the process that made it exits (login, when the user's
//     shell has exited): the console returns to session 0, and what the user left
//     running stays hung up.
// Reads need the owning session. Writes too, except for root's processes of session 0
// (init's messages); any other write is refused, since a fake "login:" printed by a
// leftover program is the other half of stealing a password. Refused: -E_IO.
#pragma once

#include "kernel/lib/types.h"

#define CONSOLE_SESSION_INIT 0ull

struct kernel;
struct proc;

struct console {
    u64 owner_session; // CONSOLE_SESSION_INIT, or the session of the last vhangup
    u64 hangups;       // vhangup calls since boot
};

// Whether proc_'s reads (and so its writes) of the console are allowed.
bool console_owned_by(const struct kernel *k, const struct proc *proc_);
bool console_may_write(const struct kernel *k, const struct proc *proc_);
// From proc_exit: a process that made its console session ends it.
void console_session_end(struct kernel *k, const struct proc *leader);
