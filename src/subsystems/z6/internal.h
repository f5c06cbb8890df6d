// z6's private helpers, shared by its files (and its unit test). Not for the kernel.
#pragma once

#include "subsystems/z6/z6.h"

#define Z6_NS_PER_MS 1000000ull

void z6_push(struct z6_actions *actions, struct z6_action action);
void z6_log(struct z6_actions *actions, u32 service, enum z6_log_what what,
            const struct z6_exit *exit);
void z6_enter(struct z6_service *service, enum z6_state state, u64 now_ns);
// After every event: visit each service in index order (spawn, stop, settle), then
// send the timer if the next deadline changed.
void z6_settle(struct z6 *z6, u64 now_ns, struct z6_actions *actions);
// Restart of a running service (up or ready): TERM now, respawn after the exit.
void z6_restart_running(struct z6 *z6, u32 index, u64 now_ns, struct z6_actions *actions);
