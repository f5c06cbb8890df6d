// Running a simulator check in a child process: a violated invariant ends the process
// that finds it, so a test that wants to see the verdict lets a fork find it. Kept apart
// from unit_sim.h because it needs <unistd.h> (test_fd_dup2 defines its own dup2).
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/sim.h"

// Runs fn(sim, node) in a child whose standard output is captured: true when the child
// exited 1 (the simulator's verdict on a violated invariant) naming that invariant and
// printing the command that replays it. The parent's sim is untouched.
static inline bool unit_child_reports(void (*fn)(struct sim *, struct platform *), struct sim *sim,
                                      struct platform *node, const char *invariant) {
    assert(fn != NULL);
    assert(invariant != NULL);
    fflush(stdout);
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) return false;
    pid_t child = fork();
    if (child == 0) {
        dup2(pipe_fds[1], 1);
        close(pipe_fds[0]);
        fn(sim, node);
        exit(0);
    }
    close(pipe_fds[1]);
    static char output[65536];
    size_t used = 0;
    ssize_t n;
    while ((n = read(pipe_fds[0], output + used, sizeof(output) - 1 - used)) > 0) used += (size_t)n;
    output[used] = '\0';
    close(pipe_fds[0]);
    int status = 0;
    waitpid(child, &status, 0);
    char expected[128];
    snprintf(expected, sizeof(expected), "invariant violated: %s\n", invariant);
    bool exited_1 = WIFEXITED(status) && WEXITSTATUS(status) == 1;
    return exited_1 && strstr(output, expected) != NULL && strstr(output, "reproduce: ") != NULL;
}
