// init (pid 1, uid 0): runs the workload and then does what the boot arguments say.
//
// argv holds the kernel's boot arguments as words. init reads
//   init.rounds=N   how many times to run both phases (default 1)
//   init.end=WHAT   poweroff (default), reboot, halt, idle (sleep forever, reaping), or
//                   login (run /bin/login on the console again and again)
//   init.fs=0|1     run the filesystem phase after the rounds (default 0)
//   init.storage=verify|lenient|off  check /var/storage before anything else (default
//                   off): after a crash and reboot, so the durability check sees the
//                   disk as recovery left it. verify is strict (an acknowledged file
//                   the kernel refuses to read is a violation); lenient only reports
//                   refusals, for fault modes allowed to destroy data
//   init.fuzz=N     the fuzz phase after everything else: `fuzz --ops N` as root,
//                   then as xy (default: no fuzz phase)
//   init.fuzz_together=1  both fuzzers at the same time (with --concurrent)
//   init.attack=1   the attack phase after everything else: xy exhausts inodes, disk,
//                   /tmp's entries, open files, memory, root's password (guesses) and
//                   processes (`exhaust`), then root proves it can still work and
//                   that removing xy's files gives the space back (`rootcheck`)
//   init.edges=1    the edge phase after everything else (init_edges.h): the kernel's
//                   rarer paths that a correct run still takes (a changed
//                   /etc/limits.conf for the next boot, the audit log past rotation,
//                   more files written at once than the kernel has file buffers)
//   init.zixstore=1 the Zix store phase after everything else: /test/zixstore's checks
//                   of zix_store as xy and root, and its leftovers planted for (or
//                   found removed by) the next boot
//   init.zixbench=1 the Zix benchmark after everything else: /test/zixbench as root
//                   (zixbench.n=N recipes, a multiple of 20; default 1000), for
//                   ./build.sh bench --zix and tests/t_zix_bench_smoke.sh
//   init.replica=1  the replica phase after everything else: /test/replicatest's checks
//                   of the graindb syscall as root, as xy, and xy's share (tests/t_replica.sh)
//   init.replicafill=N  the replica fill after everything else: /test/replicaclient fill
//                   n<node>/ N as root (the node from the graindb status), for
//                   ./build.sh bench --replica and tests/t_replica_bench_smoke.sh
// and ignores every other word (the kernel's own, such as loglevel=).
//
// Phase 1 runs the test programs one at a time, so its output is deterministic.
// Phase 2 runs the concurrent programs at once and reaps them with WAIT_NOHANG +
// yield and then with blocking waits; results print sorted by name, not by pid or
// exit order. The filesystem phase runs the file tools and the storage workload one
// at a time, like phase 1. init must never exit: the kernel reboots when it does.
#include <stdio.h>
#include <string.h>

#include "user/lib/basin.h"

BASIN_PROGRAM("init");

#define ROUNDS_DEFAULT 1u
#define ROUNDS_MAX 1000000u
#define PHASE2_NOHANG_REAPS 2u  // reaped with WAIT_NOHANG + yield; the rest blocking
#define IDLE_SLEEP_NS 1000000000ull
#define STATUS_TEXT_LEN_MAX 96
// Where the archive installs what init runs (Makefile): the tools in /bin, the test
// workloads in /test, outside the shell's PATH.
#define TOOL(name) "/bin/" name
#define TEST(name) "/test/" name
#define FUZZ_OPS_MAX 1000000u
// What can end a job unexpectedly on a correct kernel: an injected crash of it (or of a
// program it runs), a power loss that cut an earlier run short and left its scratch
// files behind, disk errors. Each phase's count of unexpected ends is reported with
// these (report_check), so the simulator fails a run where none of them struck.
#define INIT_JOB_EXCUSES ABI_REPORT_EXCUSES_ALL

enum end_action { END_POWER_OFF, END_REBOOT, END_HALT, END_IDLE, END_LOGIN };

struct options {
    u32 rounds;
    enum end_action end;
    bool fs;              // init.fs=1
    bool storage_verify;  // init.storage=verify or lenient
    bool storage_lenient; // init.storage=lenient
    char fuzz_ops[12];    // init.fuzz=N: the fuzz phase with N syscalls per user; "" none
    bool fuzz_together;   // init.fuzz_together=1: root's and xy's fuzzers at the same time
    bool attack;          // init.attack=1: the resource attack phase
    bool edges;           // init.edges=1: the edge phase
    bool z6;              // init.z6=1: the z6 phase (init_z6.h)
    bool z6_stubborn;     // init.z6=2: the z6 phase with a service that outlives the bound
    bool zixstore;        // init.zixstore=1: the Zix store phase
    bool zix;             // init.zix=1: the zix phase (zixtest as root, then as xy)
    bool zixbench;        // init.zixbench=1: the Zix benchmark (zixbench as root)
    char zixbench_n[12];  // zixbench.n=N: its recipes, passed on as written; "" its default
    bool replica;         // init.replica=1: the replica phase (replicatest)
    char replica_fill[12];  // init.replicafill=N: keys to put, passed on as written; "" none
};

// A program init runs, and how it must end for the round to count as expected.
struct job {
    const char *path;        // TOOL(name) or TEST(name)
    u64 uid;
    const char *const *argv; // NULL: argv = { name }
    u32 cause;               // expected ABI_EXIT_*
    i64 exit_code;           // expected code for ABI_EXIT_NORMAL
    const char *label;       // NULL: the name; how init's lines call it
};

// The program's name: the last component of its path.
static const char *job_name(const struct job *job) {
    const char *slash = strrchr(job->path, '/');
    basin_assert(slash != NULL);
    basin_assert(slash[1] != '\0');
    return slash + 1;
}

static const char *const hello_argv[] = {"hello", "from", "init", NULL};

static const struct job phase1_jobs[] = {
    {TEST("hello"), ABI_UID_ROOT, hello_argv, ABI_EXIT_NORMAL, 0, NULL},
    {TEST("syscalls"), ABI_UID_USER, NULL, ABI_EXIT_NORMAL, 0, NULL},
    {TEST("shutdown_denied"), ABI_UID_USER, NULL, ABI_EXIT_NORMAL, 0, NULL},
    {TEST("badptr"), ABI_UID_ROOT, NULL, ABI_EXIT_FAULT_PAGE, -1, NULL},
    {TEST("illegal"), ABI_UID_ROOT, NULL, ABI_EXIT_FAULT_ILLEGAL, -1, NULL},
    {TEST("rdtime"), ABI_UID_ROOT, NULL, ABI_EXIT_FAULT_ILLEGAL, -1, NULL},
    {TEST("waiter"), ABI_UID_ROOT, NULL, ABI_EXIT_NORMAL, 0, NULL},
    {TEST("consoletest"), ABI_UID_ROOT, NULL, ABI_EXIT_NORMAL, 0, NULL},
};

// After phase 2, the sleeper alone: the machine idles while it sleeps, so its wake-ups
// depend on the idle wait ending at its deadline (sleepers_wake_on_time); in phase 2
// other programs keep the machine busy.
static const struct job alone_jobs[] = {
    {TEST("sleeper"), ABI_UID_USER, NULL, ABI_EXIT_NORMAL, 0, "sleeper alone"},
};

static const struct job phase2_jobs[] = {
    {TEST("spinner"), ABI_UID_USER, NULL, ABI_EXIT_NORMAL, 0, NULL},
    {TEST("spinner"), ABI_UID_USER, NULL, ABI_EXIT_NORMAL, 0, NULL},
    {TEST("sleeper"), ABI_UID_USER, NULL, ABI_EXIT_NORMAL, 0, NULL},
    {TEST("clock"), ABI_UID_USER, NULL, ABI_EXIT_NORMAL, 0, NULL},
    {TEST("random"), ABI_UID_USER, NULL, ABI_EXIT_NORMAL, 0, NULL},
};

#define PHASE2_JOBS_COUNT (sizeof(phase2_jobs) / sizeof(phase2_jobs[0]))
#define JOBS_COUNT(jobs) ((u32)(sizeof(jobs) / sizeof((jobs)[0])))

// The filesystem phase: the file tools on a scratch directory (mkdir -p, so a later
// boot of the same disk finds it fine), then the storage workload and its verifier.
#define STORAGE_DIR "/var/storage"
static const char *const fs_mkdir_argv[] = {"mkdir", "-p", "/tmp/demo", NULL};
static const char *const fs_write_argv[] = {"write", "/tmp/demo/note", "hello", "from", "init",
                                            NULL};
static const char *const fs_cat_argv[] = {"cat", "/tmp/demo/note", NULL};
static const char *const fs_ls_file_argv[] = {"ls", "-l", "/tmp/demo/note", NULL};
static const char *const fs_mv_argv[] = {"mv", "/tmp/demo/note", "/tmp/demo/note.old", NULL};
static const char *const fs_ls_dir_argv[] = {"ls", "/tmp/demo", NULL};
static const char *const fs_rm_argv[] = {"rm", "/tmp/demo/note.old", NULL};
static const char *const fs_pwd_argv[] = {"pwd", NULL};
// z6 (the services of kernel/boot/provision_z6.c): anyone reads the status; xy may not
// stop root's ticker, and may restart web, which runs as xy.
static const char *const z6ctl_status_argv[] = {"z6ctl", "status", NULL};
static const char *const z6ctl_stop_ticker_argv[] = {"z6ctl", "stop", "ticker", NULL};
static const char *const z6ctl_restart_web_argv[] = {"z6ctl", "restart", "web", NULL};
// The services' logs (/var/log/z6): printer's, rotated, read by root; crasher's (its
// finish's lines) and notifier's, by xy.
static const char *const z6ctl_log_printer_argv[] = {"z6ctl", "log", "printer", "100", NULL};
static const char *const z6_ls_printer_argv[] = {"ls", "-l", "/var/log/z6/printer", NULL};
static const char *const z6ctl_log_crasher_argv[] = {"z6ctl", "log", "crasher", "20", NULL};
static const char *const z6ctl_log_notifier_argv[] = {"z6ctl", "log", "notifier", NULL};
static const char *const storage_run_argv[] = {"storage", STORAGE_DIR, "50", NULL};
// After the run, leniently: a write error in this boot leaves the filesystem refusing
// everything until the next boot's recovery, which is when strictness applies.
static const char *const storage_verify_argv[] = {"storage", "--verify", STORAGE_DIR, "lenient",
                                                  NULL};
static const char *const storage_boot_argv[] = {"storage", "--verify", STORAGE_DIR, NULL};
static const char *const storage_boot_lenient_argv[] = {"storage", "--verify", STORAGE_DIR,
                                                        "lenient", NULL};

static const struct job fs_jobs[] = {
    {TOOL("mkdir"), ABI_UID_ROOT, fs_mkdir_argv, ABI_EXIT_NORMAL, 0, NULL},
    {TOOL("write"), ABI_UID_ROOT, fs_write_argv, ABI_EXIT_NORMAL, 0, NULL},
    {TOOL("cat"), ABI_UID_ROOT, fs_cat_argv, ABI_EXIT_NORMAL, 0, NULL},
    {TOOL("ls"), ABI_UID_ROOT, fs_ls_file_argv, ABI_EXIT_NORMAL, 0, "ls -l"},
    {TOOL("mv"), ABI_UID_ROOT, fs_mv_argv, ABI_EXIT_NORMAL, 0, NULL},
    {TOOL("ls"), ABI_UID_ROOT, fs_ls_dir_argv, ABI_EXIT_NORMAL, 0, NULL},
    {TOOL("rm"), ABI_UID_ROOT, fs_rm_argv, ABI_EXIT_NORMAL, 0, NULL},
    {TOOL("pwd"), ABI_UID_ROOT, fs_pwd_argv, ABI_EXIT_NORMAL, 0, NULL},
    {TEST("fstest"), ABI_UID_ROOT, NULL, ABI_EXIT_NORMAL, 0, NULL},
    {TEST("permtest"), ABI_UID_USER, NULL, ABI_EXIT_NORMAL, 0, "permtest as xy"},
    {TEST("permtest"), ABI_UID_ROOT, NULL, ABI_EXIT_NORMAL, 0, "permtest as root"},
    {TEST("shtest"), ABI_UID_USER, NULL, ABI_EXIT_NORMAL, 0, NULL},
    {TEST("killtest"), ABI_UID_ROOT, NULL, ABI_EXIT_NORMAL, 0, NULL}, // runs its xy part as xy itself
    {TOOL("z6ctl"), ABI_UID_ROOT, z6ctl_status_argv, ABI_EXIT_NORMAL, 0, "z6ctl status as root"},
    {TOOL("z6ctl"), ABI_UID_USER, z6ctl_status_argv, ABI_EXIT_NORMAL, 0, "z6ctl status as xy"},
    {TOOL("z6ctl"), ABI_UID_USER, z6ctl_stop_ticker_argv, ABI_EXIT_NORMAL, 1, "z6ctl stop ticker as xy"},
    {TOOL("z6ctl"), ABI_UID_USER, z6ctl_restart_web_argv, ABI_EXIT_NORMAL, 0, "z6ctl restart web as xy"},
    {TOOL("z6ctl"), ABI_UID_ROOT, z6ctl_log_printer_argv, ABI_EXIT_NORMAL, 0, "z6ctl log printer"},
    {TOOL("ls"), ABI_UID_ROOT, z6_ls_printer_argv, ABI_EXIT_NORMAL, 0, "ls printer's log"},
    {TOOL("z6ctl"), ABI_UID_USER, z6ctl_log_crasher_argv, ABI_EXIT_NORMAL, 0, "z6ctl log crasher as xy"},
    {TOOL("z6ctl"), ABI_UID_USER, z6ctl_log_notifier_argv, ABI_EXIT_NORMAL, 0, "z6ctl log notifier as xy"},
    {TEST("semtest"), ABI_UID_ROOT, NULL, ABI_EXIT_NORMAL, 0, NULL}, // runs its user parts as xy itself
    {TEST("tooltest"), ABI_UID_USER, NULL, ABI_EXIT_NORMAL, 0, NULL},
    {TEST("storage"), ABI_UID_ROOT, storage_run_argv, ABI_EXIT_NORMAL, 0, NULL},
    {TEST("storage"), ABI_UID_ROOT, storage_verify_argv, ABI_EXIT_NORMAL, 0, "storage --verify"},
};

// The attack phase: xy takes all it can of each shared resource, holders keeping
// processes, memory and open files for ATTACK_HOLD_S; then root checks (rootcheck).
#define ATTACK_HOLD_S "2"
#define ATTACK_INODES_DIR "/home/xy/attack-inodes"
#define ATTACK_DISK_DIR "/home/xy/attack-disk"
#define ATTACK_FILES_DIR "/home/xy/attack-files"
static const char *const attack_inodes_argv[] = {"exhaust", "inodes", ATTACK_INODES_DIR, NULL};
static const char *const attack_disk_argv[] = {"exhaust", "disk", ATTACK_DISK_DIR, NULL};
static const char *const attack_entries_argv[] = {"exhaust", "entries", "/tmp", NULL};
static const char *const attack_files_argv[] = {"exhaust", "files", ATTACK_FILES_DIR, ATTACK_HOLD_S, NULL};
static const char *const attack_memory_argv[] = {"exhaust", "memory", ATTACK_HOLD_S, NULL};
// Enough to meet the delays (the first 3 failures in a row are free), few enough that
// they stay seconds (each doubles: AUTH_DELAY_* in auth.h).
static const char *const attack_passwords_argv[] = {"exhaust", "passwords", "8", NULL};
static const char *const attack_processes_argv[] = {"exhaust", "processes", ATTACK_HOLD_S, NULL};
static const char *const rootcheck_argv[] = {"rootcheck", NULL};
static const char *const rootcheck_passwords_argv[] = {"rootcheck", "--passwords", NULL};
static const char *const rootcheck_inodes_argv[] = {"rootcheck", ATTACK_INODES_DIR, NULL};
static const char *const rootcheck_disk_argv[] = {"rootcheck", ATTACK_DISK_DIR, NULL};
static const char *const rootcheck_files_argv[] = {"rootcheck", ATTACK_FILES_DIR, NULL};
static const char *const rootcheck_clean_argv[] = {"rootcheck", "--clean", ATTACK_INODES_DIR, ATTACK_DISK_DIR,
                                                   ATTACK_FILES_DIR, NULL};

// Each attack in turn, each followed by root's checks while xy still holds what it
// took (rootcheck then removes xy's files and waits for its holders to end). First,
// what an attack of an earlier boot left (a power loss may strike before its cleanup).
static const struct job attack_jobs[] = {
    {TEST("rootcheck"), ABI_UID_ROOT, rootcheck_clean_argv, ABI_EXIT_NORMAL, 0, "rootcheck --clean"},
    {TEST("exhaust"), ABI_UID_USER, attack_processes_argv, ABI_EXIT_NORMAL, 0, "exhaust processes"},
    {TEST("rootcheck"), ABI_UID_ROOT, rootcheck_argv, ABI_EXIT_NORMAL, 0, "rootcheck after processes"},
    {TEST("exhaust"), ABI_UID_USER, attack_memory_argv, ABI_EXIT_NORMAL, 0, "exhaust memory"},
    {TEST("rootcheck"), ABI_UID_ROOT, rootcheck_argv, ABI_EXIT_NORMAL, 0, "rootcheck after memory"},
    {TEST("exhaust"), ABI_UID_USER, attack_files_argv, ABI_EXIT_NORMAL, 0, "exhaust files"},
    {TEST("rootcheck"), ABI_UID_ROOT, rootcheck_files_argv, ABI_EXIT_NORMAL, 0, "rootcheck after files"},
    {TEST("exhaust"), ABI_UID_USER, attack_disk_argv, ABI_EXIT_NORMAL, 0, "exhaust disk"},
    {TEST("rootcheck"), ABI_UID_ROOT, rootcheck_disk_argv, ABI_EXIT_NORMAL, 0, "rootcheck after disk"},
    {TEST("exhaust"), ABI_UID_USER, attack_inodes_argv, ABI_EXIT_NORMAL, 0, "exhaust inodes"},
    {TEST("rootcheck"), ABI_UID_ROOT, rootcheck_inodes_argv, ABI_EXIT_NORMAL, 0, "rootcheck after inodes"},
    {TEST("exhaust"), ABI_UID_USER, attack_entries_argv, ABI_EXIT_NORMAL, 0, "exhaust entries"},
    {TEST("rootcheck"), ABI_UID_ROOT, rootcheck_argv, ABI_EXIT_NORMAL, 0, "rootcheck after entries"},
    {TEST("exhaust"), ABI_UID_USER, attack_passwords_argv, ABI_EXIT_NORMAL, 0, "exhaust passwords"},
    {TEST("rootcheck"), ABI_UID_ROOT, rootcheck_passwords_argv, ABI_EXIT_NORMAL, 0, "rootcheck after passwords"},
};

static const struct job storage_boot_jobs[] = {
    {TEST("storage"), ABI_UID_ROOT, storage_boot_argv, ABI_EXIT_NORMAL, 0, "storage --verify"},
    {TEST("storage"), ABI_UID_ROOT, storage_boot_lenient_argv, ABI_EXIT_NORMAL, 0, "storage --verify"},
};

static bool parse_u32(const char *text, u32 max, u32 *value) {
    u64 result = 0;
    if (*text == 0) return false;
    for (; *text != 0; text++) {
        if (*text < '0' || *text > '9') return false;
        result = result * 10 + (u64)(*text - '0');
        if (result > max) return false;
    }
    *value = (u32)result;
    return true;
}

// init.fs=0|1, init.storage=verify|lenient|off, init.fuzz=N and init.fuzz_together=0|1.
// false: not one of those words.
static bool parse_fs_option(const char *word, struct options *options) {
    bool storage = strncmp(word, "init.storage=", 13) == 0;
    if (strcmp(word, "init.fs=0") == 0 || strcmp(word, "init.fs=1") == 0) {
        options->fs = word[8] == '1';
    } else if (storage && (strcmp(word + 13, "verify") == 0 || strcmp(word + 13, "lenient") == 0 ||
                           strcmp(word + 13, "off") == 0)) {
        options->storage_verify = word[13] != 'o';
        options->storage_lenient = word[13] == 'l';
    } else if (strcmp(word, "init.fuzz_together=1") == 0 || strcmp(word, "init.fuzz_together=0") == 0) {
        options->fuzz_together = word[19] == '1';
    } else if (strcmp(word, "init.attack=1") == 0 || strcmp(word, "init.attack=0") == 0) {
        options->attack = word[12] == '1';
    } else if (strncmp(word, "init.fuzz=", 10) == 0) {
        u32 ops = 0;
        if (parse_u32(word + 10, FUZZ_OPS_MAX, &ops)) snprintf(options->fuzz_ops, sizeof options->fuzz_ops, "%u", ops);
        else say("ignoring bad %s", word);
    } else if (strncmp(word, "init.fs=", 8) == 0 || strncmp(word, "init.storage=", 13) == 0) {
        say("ignoring bad %s", word);
    } else {
        return false;
    }
    return true;
}

static struct options parse_options(int argc, char **argv) {
    struct options options = {.rounds = ROUNDS_DEFAULT, .end = END_POWER_OFF};
    static const char *const end_names[] = {"poweroff", "reboot", "halt", "idle", "login"};
    for (int i = 1; i < argc; i++) {
        const char *word = argv[i];
        if (strncmp(word, "init.rounds=", 12) == 0) {
            u32 rounds = 0;
            if (parse_u32(word + 12, ROUNDS_MAX, &rounds)) options.rounds = rounds; // 0: boot only
            else say("ignoring bad %s", word);
        } else if (strncmp(word, "init.end=", 9) == 0) {
            bool known = false;
            for (u32 e = 0; e <= END_LOGIN; e++) {
                if (strcmp(word + 9, end_names[e]) == 0) {
                    options.end = (enum end_action)e;
                    known = true;
                }
            }
            if (!known) say("ignoring bad %s", word);
        } else if (parse_fs_option(word, &options)) {
            continue;
        } else if (strcmp(word, "init.edges=1") == 0) { // after the others: their words cost no more
            options.edges = true;
        } else if (strcmp(word, "init.z6=1") == 0 || strcmp(word, "init.z6=2") == 0) {
            options.z6 = true;
            options.z6_stubborn = word[8] == '2';
        } else if (strcmp(word, "init.zixstore=1") == 0) {
            options.zixstore = true;
        } else if (strcmp(word, "init.zix=1") == 0) {
            options.zix = true;
        } else if (strcmp(word, "init.zixbench=1") == 0) {
            options.zixbench = true;
        } else if (strncmp(word, "zixbench.n=", 11) == 0) {
            snprintf(options.zixbench_n, sizeof options.zixbench_n, "%s", word + 11); // zixbench checks it
        } else if (strcmp(word, "init.replica=1") == 0) {
            options.replica = true;
        } else if (strncmp(word, "init.replicafill=", 17) == 0) {
            snprintf(options.replica_fill, sizeof options.replica_fill, "%s", word + 17); // the client checks it
        } else if (strncmp(word, "init.", 5) == 0) {
            say("ignoring unknown %s", word);
        }
    }
    say("rounds %u, end %s", options.rounds, end_names[options.end]);
    if (options.fuzz_ops[0] != '\0') say("fuzz phase: %s syscalls as root, then as xy", options.fuzz_ops);
    if (options.attack) say("attack phase on");
    if (options.fs || options.storage_verify) {
        say("fs phase %s, storage verify at boot %s", options.fs ? "on" : "off",
            !options.storage_verify ? "off" : options.storage_lenient ? "lenient" : "strict");
    }
    return options;
}

static i64 job_spawn(const struct job *job) {
    const char *const default_argv[] = {job_name(job), NULL};
    i64 pid = sys_spawn(job->path, job->argv != NULL ? job->argv : default_argv, job->uid);
    if (pid < 0) say("spawn %s failed: %ld %s", job->path, (long)pid, error_name(pid));
    return pid;
}

static bool job_ended_as_expected(const struct job *job, const struct abi_wait_status *status) {
    if (status->cause != job->cause) return false;
    return job->cause != ABI_EXIT_NORMAL || status->exit_code == job->exit_code;
}

// Children reaped while init waited for another one: jobs run together (kept for
// their own job_wait) or orphans handed to init (forgotten once reaped).
#define EARLY_REAPED_MAX 8u
static struct {
    i64 pid; // 0: free
    struct abi_wait_status status;
} early_reaped[EARLY_REAPED_MAX];

static bool early_take(i64 pid, struct abi_wait_status *status) {
    for (u32 i = 0; i < EARLY_REAPED_MAX; i++) {
        if (early_reaped[i].pid != pid) continue;
        *status = early_reaped[i].status;
        early_reaped[i].pid = 0;
        return true;
    }
    return false;
}

// Waits for `pid`. Any child is reaped meanwhile: orphans handed to init (a job's
// leftovers) as they end, so their zombies never keep their user's process slots,
// and jobs started together, whose status is kept for their own wait.
static i64 wait_for(i64 pid, const i64 *together, u32 together_count, struct abi_wait_status *status) {
    if (early_take(pid, status)) return pid;
    for (;;) {
        i64 reaped = sys_wait(ABI_WAIT_ANY, status, 0);
        if (reaped <= 0 || reaped == pid) return reaped;
        bool kept = false;
        for (u32 i = 0; i < together_count && !kept; i++) {
            if (together[i] != reaped) continue;
            for (u32 e = 0; e < EARLY_REAPED_MAX && !kept; e++) {
                if (early_reaped[e].pid != 0) continue;
                early_reaped[e].pid = reaped;
                early_reaped[e].status = *status;
                kept = true;
            }
            basin_assert(kept);
        }
        if (!kept) note("reaped orphan pid %ld", (long)reaped);
    }
}

// Waits for job's child `pid` and says how it ended. 1 if it ended unexpectedly (or
// could not be waited for), else 0. `together`: the pids of jobs started with it.
static u32 job_wait_among(const struct job *job, i64 pid, const i64 *together, u32 together_count) {
    const char *label = job->label != NULL ? job->label : job_name(job);
    if (pid < 0) return 1; // job_spawn said why
    struct abi_wait_status status;
    memset(&status, 0, sizeof(status));
    i64 reaped = wait_for(pid, together, together_count, &status);
    if (reaped != pid) {
        say("wait for %s = %ld %s", label, (long)reaped, error_name(reaped));
        return 1;
    }
    char text[STATUS_TEXT_LEN_MAX];
    wait_status_format(&status, text, sizeof(text));
    say("%s %s", label, text);
    if (job_ended_as_expected(job, &status)) return 0;
    say("unexpected end of %s", label);
    return 1;
}

static u32 job_wait(const struct job *job, i64 pid) { return job_wait_among(job, pid, NULL, 0); }

// One program at a time, in order. Returns how many ended unexpectedly.
static u32 run_sequential(const struct job *jobs, u32 count) {
    u32 unexpected = 0;
    for (u32 i = 0; i < count; i++) unexpected += job_wait(&jobs[i], job_spawn(&jobs[i]));
    return unexpected;
}

// Phase 1: the test programs, one at a time.
static u32 phase1(void) { return run_sequential(phase1_jobs, JOBS_COUNT(phase1_jobs)); }

struct phase2_child {
    i64 pid; // 0 once reaped (or never spawned)
    const struct job *job;
    char result[STATUS_TEXT_LEN_MAX];
};

// Records a reaped child; false if the pid is none of ours (an orphan given to init).
static bool phase2_record(struct phase2_child *children, i64 pid,
                          const struct abi_wait_status *status) {
    for (u32 i = 0; i < PHASE2_JOBS_COUNT; i++) {
        if (children[i].pid != pid) continue;
        children[i].pid = 0;
        wait_status_format(status, children[i].result, sizeof(children[i].result));
        if (!job_ended_as_expected(children[i].job, status)) {
            strncat(children[i].result, " (unexpected)",
                    sizeof(children[i].result) - strlen(children[i].result) - 1);
        }
        return true;
    }
    char text[STATUS_TEXT_LEN_MAX];
    wait_status_format(status, text, sizeof(text));
    note("reaped orphan pid %ld: %s", (long)pid, text);
    return false;
}

// Reaps `count` children: the first PHASE2_NOHANG_REAPS by polling, the rest blocking.
static void phase2_reap(struct phase2_child *children, u32 count) {
    u32 reaped = 0, yields = 0, reaped_nohang = 0;
    while (reaped < count) {
        bool polling = reaped < PHASE2_NOHANG_REAPS;
        struct abi_wait_status status;
        memset(&status, 0, sizeof(status));
        i64 pid = sys_wait(ABI_WAIT_ANY, &status, polling ? ABI_WAIT_NOHANG : 0);
        if (pid == 0 && polling) {
            i64 yielded = sys_yield();
            basin_assert(yielded == 0);
            yields++;
        } else if (pid > 0) {
            if (phase2_record(children, pid, &status)) {
                reaped++;
                if (polling) reaped_nohang++;
            }
        } else {
            say("wait = %ld %s with %u children left", (long)pid, error_name(pid), count - reaped);
            return;
        }
    }
    note("reaped %u with WAIT_NOHANG after %u yields, %u blocking", reaped_nohang, yields,
         reaped - reaped_nohang);
}

static u32 phase2_print_sorted(struct phase2_child *children) {
    // Insertion sort by (name, result): the order children end in is scheduling's.
    for (u32 i = 1; i < PHASE2_JOBS_COUNT; i++) {
        for (u32 j = i; j > 0; j--) {
            struct phase2_child *a = &children[j - 1], *b = &children[j];
            int order = strcmp(job_name(a->job), job_name(b->job));
            if (order < 0 || (order == 0 && strcmp(a->result, b->result) <= 0)) break;
            struct phase2_child swap = *a;
            *a = *b;
            *b = swap;
        }
    }
    u32 unexpected = 0;
    for (u32 i = 0; i < PHASE2_JOBS_COUNT; i++) {
        say("%s %s", job_name(children[i].job), children[i].result);
        if (strstr(children[i].result, "unexpected") != NULL ||
            strcmp(children[i].result, "not run") == 0) {
            unexpected++;
        }
    }
    return unexpected;
}

// Phase 2: everything at once. Returns how many ended unexpectedly.
static u32 phase2(void) {
    struct phase2_child children[PHASE2_JOBS_COUNT];
    u32 spawned = 0;
    for (u32 i = 0; i < PHASE2_JOBS_COUNT; i++) {
        children[i].job = &phase2_jobs[i];
        strcpy(children[i].result, "not run");
        children[i].pid = job_spawn(&phase2_jobs[i]);
        if (children[i].pid > 0) spawned++;
        else children[i].pid = 0;
    }
    phase2_reap(children, spawned);
    return phase2_print_sorted(children);
}

static _Noreturn void idle_forever(void) {
    for (;;) {
        struct abi_wait_status status;
        i64 pid = sys_wait(ABI_WAIT_ANY, &status, 0);
        if (pid > 0) {
            char text[STATUS_TEXT_LEN_MAX];
            wait_status_format(&status, text, sizeof(text));
            note("reaped orphan pid %ld: %s", (long)pid, text);
        } else {
            sys_sleep_until(monotonic_ns() + IDLE_SLEEP_NS);
        }
    }
}

// The console's login prompt, again after every session; orphans are reaped too.
static _Noreturn void login_forever(void) {
    static const char *const login_argv[] = {"login", NULL};
    for (;;) {
        i64 pid = sys_spawn("/bin/login", login_argv, ABI_UID_ROOT);
        if (pid < 0) {
            say("spawn /bin/login failed: %ld %s; idling", (long)pid, error_name(pid));
            idle_forever();
        }
        struct abi_wait_status status;
        i64 reaped = 0;
        do {
            reaped = sys_wait(ABI_WAIT_ANY, &status, 0);
        } while (reaped > 0 && reaped != pid);
    }
}

// The console's login as z6's getty service (provisioned down: kernel/boot/
// provision_z6.c): z6 restarts login after every session. init only reaps orphans
// then, silently as login_forever does: the console is the sessions', and a note would
// land in the middle of a user's output. Without z6 (no filesystem) or without getty
// (a disk provisioned before it existed), init runs login itself.
static _Noreturn void login_service(void) {
    i64 started = sys_z6_control("getty", ABI_Z6_COMMAND_START);
    if (started < 0) {
        say("z6 start getty: %ld %s; init runs login itself", (long)started, error_name(started));
        login_forever();
    }
    for (;;) {
        struct abi_wait_status status;
        if (sys_wait(ABI_WAIT_ANY, &status, 0) <= 0) sys_sleep_until(monotonic_ns() + IDLE_SLEEP_NS);
    }
}

static _Noreturn void finish(enum end_action end) {
    static const struct {
        const char *name;
        u64 type;
    } actions[] = {{"poweroff", ABI_SHUTDOWN_POWER_OFF},
                   {"reboot", ABI_SHUTDOWN_REBOOT},
                   {"halt", ABI_SHUTDOWN_HALT}};
    if (end == END_IDLE) {
        say("end idle");
        idle_forever();
    }
    if (end == END_LOGIN) {
        say("end login");
        login_service();
    }
    basin_assert(end < sizeof(actions) / sizeof(actions[0]));
    say("end %s", actions[end].name);
    i64 result = sys_shutdown(actions[end].type);
    say("FAIL: shutdown(%s) = %ld %s; idling", actions[end].name, (long)result, error_name(result));
    report_check("init end", 1, 0); // root may always shut down: no fault excuses this
    idle_forever();
}

// Every job at once; then each is waited for in order, so the lines keep that order.
// Returns how many ended unexpectedly.
#define TOGETHER_JOBS_MAX 4u
static u32 run_together(const struct job *jobs, u32 count) {
    basin_assert(count <= TOGETHER_JOBS_MAX);
    i64 pids[TOGETHER_JOBS_MAX];
    for (u32 i = 0; i < count; i++) pids[i] = job_spawn(&jobs[i]);
    u32 unexpected = 0;
    for (u32 i = 0; i < count; i++) unexpected += job_wait_among(&jobs[i], pids[i], pids, count);
    return unexpected;
}

// The fuzz phase. By default root first (it leaves bait in /tmp), then xy, one at a
// time, so each fuzzer's model sees only its own changes between a prediction and the
// call. Together (init.fuzz_together=1), both run at once with --concurrent: their
// models then leave the paths the other one changes to the simulator's invariants.
static void fuzz_phase(const char *ops, bool together) {
    const char *const argv[] = {"fuzz", "--ops", ops, together ? "--concurrent" : NULL, NULL};
    const struct job jobs[] = {
        {TEST("fuzz"), ABI_UID_ROOT, argv, ABI_EXIT_NORMAL, 0, "fuzz as root"},
        {TEST("fuzz"), ABI_UID_USER, argv, ABI_EXIT_NORMAL, 0, "fuzz as xy"},
    };
    say("fuzz phase%s", together ? ", both fuzzers at once" : "");
    u32 unexpected = together ? run_together(jobs, JOBS_COUNT(jobs)) : run_sequential(jobs, JOBS_COUNT(jobs));
    say("fuzz phase done, %u unexpected", unexpected);
    report_check("init fuzz phase", unexpected, INIT_JOB_EXCUSES);
}

#include "user/programs/init_edges.h"
#include "user/programs/init_z6.h"

// The Zix store phase (init.zixstore=1): src/user/tests/zixstore.c.
static const char *const zixstore_user_argv[] = {"zixstore", "user", NULL};
static const char *const zixstore_deny_argv[] = {"zixstore", "deny", NULL};
static const char *const zixstore_gc_argv[] = {"zixstore", "gc", NULL};
static const char *const zixstore_leftovers_argv[] = {"zixstore", "leftovers", NULL};
static const char *const zixstore_built_argv[] = {"zixstore", "built", NULL};
static const char *const zixstore_verify_argv[] = {"zixstore", "verify", NULL};
static const struct job zixstore_jobs[] = {
    {TEST("zixstore"), ABI_UID_ROOT, zixstore_gc_argv, ABI_EXIT_NORMAL, 0, "zixstore gc as root"},
    {TEST("zixstore"), ABI_UID_USER, zixstore_user_argv, ABI_EXIT_NORMAL, 0, "zixstore user as xy"},
    {TEST("zixstore"), ABI_UID_ROOT, zixstore_user_argv, ABI_EXIT_NORMAL, 0, "zixstore user as root"},
    {TEST("zixstore"), ABI_UID_USER, zixstore_deny_argv, ABI_EXIT_NORMAL, 0, "zixstore deny as xy"},
    {TEST("zixstore"), ABI_UID_ROOT, zixstore_built_argv, ABI_EXIT_NORMAL, 0, "zixstore built as root"},
    {TEST("zixstore"), ABI_UID_USER, zixstore_verify_argv, ABI_EXIT_NORMAL, 0, "zixstore verify as xy"},
    {TEST("zixstore"), ABI_UID_ROOT, zixstore_leftovers_argv, ABI_EXIT_NORMAL, 0, "zixstore leftovers as root"},
};
// Zix's builds (src/user/tests/zixtest.c): root's checks, then xy's.
static void zix_phase(void) {
    static const char *const root_argv[] = {"zixtest", "root", NULL};
    static const char *const xy_argv[] = {"zixtest", "xy", NULL};
    const struct job jobs[] = {
        {TEST("zixtest"), ABI_UID_ROOT, root_argv, ABI_EXIT_NORMAL, 0, "zixtest as root"},
        {TEST("zixtest"), ABI_UID_USER, xy_argv, ABI_EXIT_NORMAL, 0, "zixtest as xy"},
    };
    say("zix phase");
    u32 unexpected = run_sequential(jobs, JOBS_COUNT(jobs));
    say("zix phase done, %u unexpected", unexpected);
    report_check("init zix phase", unexpected, INIT_JOB_EXCUSES);
}

// The Zix benchmark (src/user/tests/zixbench.c): as root, N from zixbench.n=N.
static void zixbench_phase(const char *recipes) {
    const char *const argv[] = {"zixbench", recipes, NULL};
    const char *const default_argv[] = {"zixbench", NULL};
    const struct job jobs[] = {
        {TEST("zixbench"), ABI_UID_ROOT, recipes[0] != '\0' ? argv : default_argv, ABI_EXIT_NORMAL, 0, "zixbench"},
    };
    say("zixbench phase");
    u32 unexpected = run_sequential(jobs, JOBS_COUNT(jobs));
    say("zixbench phase done, %u unexpected", unexpected);
    report_check("init zixbench phase", unexpected, INIT_JOB_EXCUSES);
}

// The replicated keyspace (src/user/tests/replicatest.c): root's checks, xy's, xy's share.
static void replica_phase(void) {
    static const char *const root_argv[] = {"replicatest", "root", NULL};
    static const char *const xy_argv[] = {"replicatest", "xy", NULL};
    static const char *const share_argv[] = {"replicatest", "share", NULL};
    const struct job jobs[] = {
        {TEST("replicatest"), ABI_UID_ROOT, root_argv, ABI_EXIT_NORMAL, 0, "replicatest as root"},
        {TEST("replicatest"), ABI_UID_USER, xy_argv, ABI_EXIT_NORMAL, 0, "replicatest as xy"},
        {TEST("replicatest"), ABI_UID_USER, share_argv, ABI_EXIT_NORMAL, 0, "replicatest share as xy"},
    };
    say("replica phase");
    u32 unexpected = run_sequential(jobs, JOBS_COUNT(jobs));
    say("replica phase done, %u unexpected", unexpected);
    report_check("init replica phase", unexpected, INIT_JOB_EXCUSES);
}

// The convergence bench's writes (src/user/tests/replicaclient.c): this node's keys
// n<node>/0 .. n<node>/<count-1>, as root.
static void replica_fill_phase(const char *count) {
    struct abi_graindb_status status;
    i64 result = sys_graindb(ABI_GRAINDB_STATUS, NULL, &status);
    u32 node = result == 0 ? status.node : 0;
    char prefix[16];
    snprintf(prefix, sizeof prefix, "n%u/", node);
    const char *const argv[] = {"replicaclient", "fill", prefix, count, NULL};
    const struct job jobs[] = {
        {TEST("replicaclient"), ABI_UID_ROOT, argv, ABI_EXIT_NORMAL, 0, "replica fill"},
    };
    say("replica fill phase: %s keys under %s", count, prefix);
    u32 unexpected = run_sequential(jobs, JOBS_COUNT(jobs));
    say("replica fill phase done, %u unexpected", unexpected);
    report_check("init replica fill phase", unexpected, INIT_JOB_EXCUSES);
}

int main(int argc, char **argv) {
    say("pid %ld uid %ld", (long)sys_getpid(), (long)sys_getuid());
    struct options options = parse_options(argc, argv);
    if (options.storage_verify) {
        u32 unexpected = run_sequential(&storage_boot_jobs[options.storage_lenient ? 1 : 0], 1);
        say("storage verify at boot done, %u unexpected", unexpected);
        report_check("init storage verify at boot", unexpected, INIT_JOB_EXCUSES);
    }
    for (u32 round = 1; round <= options.rounds; round++) {
        say("round %u phase 1", round);
        u32 unexpected = phase1();
        say("round %u phase 2", round);
        unexpected += phase2();
        unexpected += run_sequential(alone_jobs, JOBS_COUNT(alone_jobs));
        say("round %u done, %u unexpected", round, unexpected);
        report_check("init round", unexpected, INIT_JOB_EXCUSES);
    }
    if (options.fs) {
        say("fs phase");
        u32 unexpected = run_sequential(fs_jobs, JOBS_COUNT(fs_jobs));
        say("fs phase done, %u unexpected", unexpected);
        report_check("init fs phase", unexpected, INIT_JOB_EXCUSES);
    }
    if (options.fuzz_ops[0] != '\0') fuzz_phase(options.fuzz_ops, options.fuzz_together);
    if (options.attack) {
        say("attack phase");
        u32 unexpected = run_sequential(attack_jobs, JOBS_COUNT(attack_jobs));
        say("attack phase done, %u unexpected", unexpected);
    }
    if (options.edges) edges_phase();
    if (options.z6) z6_phase(options.z6_stubborn);
    if (options.zixstore) {
        say("zixstore phase");
        u32 unexpected = run_sequential(zixstore_jobs, JOBS_COUNT(zixstore_jobs));
        say("zixstore phase done, %u unexpected", unexpected);
        report_check("init zixstore phase", unexpected, INIT_JOB_EXCUSES);
    }
    if (options.zix) zix_phase();
    if (options.zixbench) zixbench_phase(options.zixbench_n);
    if (options.replica) replica_phase();
    if (options.replica_fill[0] != '\0') replica_fill_phase(options.replica_fill);
    finish(options.end);
}
