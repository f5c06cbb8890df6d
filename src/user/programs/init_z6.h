// init's z6 phase (init.z6=1), kept apart from init.c; included by init.c only. It
// exercises z6's operations on the services of the first boot (provision_z6.c):
//   - xy floods the console through z6ctl: Z6_ROOT_FLOOD_COMMANDS restarts of web (its
//     own service); the kernel logs the first Z6_COMMAND_LOG_BURST and counts the rest,
//     then, a refill later, one more command's line says how many were not logged;
//   - /etc/z6 is edited (a chain base <- top added, and lingerer, whose finish runs
//     until its timeout-finish of 2 s; crasher's delay changed; standby removed), xy's
//     z6ctl reload is refused (root only), root's reloads it: the kernel's line says
//     kept 3 (getty, ticker, web), changed 1, added 3, removed 1;
//   - the end (a shutdown) then stops top before base (dependents first), and waits
//     for lingerer's finish to be KILLed at its timeout before the machine goes down.
// With init.z6=2, also stubborn: its finish runs forever and has no timeout-finish, so
// the shutdown waits for it until its bound (Z6_SHUTDOWN_WAIT_MAX_NS, 10 s), says so,
// and goes down anyway.
// What the kernel says is judged by tests/t_z6_ops.sh.
#define Z6_FLOOD_COMMANDS 12u
#define Z6_REFILL_WAIT_NS 1100000000ull // past the kernel's one line a second

static const char *const z6_restart_web_argv[] = {"z6ctl", "restart", "web", NULL};
static const char *const z6_reload_argv[] = {"z6ctl", "reload", NULL};
static const char *const z6_status_argv[] = {"z6ctl", "status", NULL};
static const char *const z6_mkdir_argv[] = {"mkdir", "-p", "/etc/z6/base", "/etc/z6/top", "/etc/z6/lingerer", NULL};
static const char *const z6_linger_run_argv[] = {"write", "/etc/z6/lingerer/run", "#!/test/z6svc", "forever", NULL};
static const char *const z6_linger_finish_argv[] = {"write", "/etc/z6/lingerer/finish", "#!/test/z6svc", "forever",
                                                    NULL};
static const char *const z6_linger_chmod_argv[] = {"chmod", "755", "/etc/z6/lingerer/run", "/etc/z6/lingerer/finish",
                                                   NULL};
static const char *const z6_linger_timeout_argv[] = {"write", "/etc/z6/lingerer/timeout-finish", "2000", NULL};
static const char *const z6_base_run_argv[] = {"write", "/etc/z6/base/run", "#!/test/z6svc", "forever", NULL};
static const char *const z6_top_run_argv[] = {"write", "/etc/z6/top/run", "#!/test/z6svc", "forever", NULL};
static const char *const z6_chmod_argv[] = {"chmod", "755", "/etc/z6/base/run", "/etc/z6/top/run", NULL};
static const char *const z6_top_needs_argv[] = {"write", "/etc/z6/top/dependencies", "base", NULL};
static const char *const z6_crasher_delay_argv[] = {"write", "/etc/z6/crasher/restart-delay-ms", "1600", NULL};
static const char *const z6_rm_standby_argv[] = {"rm", "-r", "/etc/z6/standby", NULL};

static const char *const z6_stubborn_mkdir_argv[] = {"mkdir", "-p", "/etc/z6/stubborn", NULL};
static const char *const z6_stubborn_run_argv[] = {"write", "/etc/z6/stubborn/run", "#!/test/z6svc", "forever", NULL};
static const char *const z6_stubborn_finish_argv[] = {"write", "/etc/z6/stubborn/finish", "#!/test/z6svc", "forever",
                                                      NULL};
static const char *const z6_stubborn_chmod_argv[] = {"chmod", "755", "/etc/z6/stubborn/run", "/etc/z6/stubborn/finish",
                                                     NULL};
static const char *const z6_stubborn_timeout_argv[] = {"write", "/etc/z6/stubborn/timeout-finish", "0", NULL};

static const struct job z6_stubborn_jobs[] = {
    {TOOL("mkdir"), ABI_UID_ROOT, z6_stubborn_mkdir_argv, ABI_EXIT_NORMAL, 0, NULL},
    {TOOL("write"), ABI_UID_ROOT, z6_stubborn_run_argv, ABI_EXIT_NORMAL, 0, NULL},
    {TOOL("write"), ABI_UID_ROOT, z6_stubborn_finish_argv, ABI_EXIT_NORMAL, 0, NULL},
    {TOOL("chmod"), ABI_UID_ROOT, z6_stubborn_chmod_argv, ABI_EXIT_NORMAL, 0, NULL},
    {TOOL("write"), ABI_UID_ROOT, z6_stubborn_timeout_argv, ABI_EXIT_NORMAL, 0, NULL},
};

static const struct job z6_flood_job = {TOOL("z6ctl"), ABI_UID_USER, z6_restart_web_argv, ABI_EXIT_NORMAL, 0, NULL};

static const struct job z6_jobs[] = {
    {TOOL("mkdir"), ABI_UID_ROOT, z6_mkdir_argv, ABI_EXIT_NORMAL, 0, NULL},
    {TOOL("write"), ABI_UID_ROOT, z6_base_run_argv, ABI_EXIT_NORMAL, 0, NULL},
    {TOOL("write"), ABI_UID_ROOT, z6_top_run_argv, ABI_EXIT_NORMAL, 0, NULL},
    {TOOL("chmod"), ABI_UID_ROOT, z6_chmod_argv, ABI_EXIT_NORMAL, 0, NULL},
    {TOOL("write"), ABI_UID_ROOT, z6_top_needs_argv, ABI_EXIT_NORMAL, 0, NULL},
    {TOOL("write"), ABI_UID_ROOT, z6_linger_run_argv, ABI_EXIT_NORMAL, 0, NULL},
    {TOOL("write"), ABI_UID_ROOT, z6_linger_finish_argv, ABI_EXIT_NORMAL, 0, NULL},
    {TOOL("chmod"), ABI_UID_ROOT, z6_linger_chmod_argv, ABI_EXIT_NORMAL, 0, NULL},
    {TOOL("write"), ABI_UID_ROOT, z6_linger_timeout_argv, ABI_EXIT_NORMAL, 0, NULL},
    {TOOL("write"), ABI_UID_ROOT, z6_crasher_delay_argv, ABI_EXIT_NORMAL, 0, NULL},
    {TOOL("rm"), ABI_UID_ROOT, z6_rm_standby_argv, ABI_EXIT_NORMAL, 0, NULL},
    {TOOL("z6ctl"), ABI_UID_USER, z6_reload_argv, ABI_EXIT_NORMAL, 1, "z6ctl reload as xy"},
    {TOOL("z6ctl"), ABI_UID_ROOT, z6_reload_argv, ABI_EXIT_NORMAL, 0, "z6ctl reload as root"},
    {TOOL("z6ctl"), ABI_UID_ROOT, z6_status_argv, ABI_EXIT_NORMAL, 0, "z6ctl status after reload"},
};

static void z6_phase(bool stubborn) {
    say("z6 phase%s", stubborn ? ", with stubborn" : "");
    u32 unexpected = 0;
    if (stubborn) unexpected += run_sequential(z6_stubborn_jobs, JOBS_COUNT(z6_stubborn_jobs));
    for (u32 i = 0; i < Z6_FLOOD_COMMANDS; i++) unexpected += run_sequential(&z6_flood_job, 1);
    sys_sleep_until(monotonic_ns() + Z6_REFILL_WAIT_NS);
    unexpected += run_sequential(&z6_flood_job, 1);
    unexpected += run_sequential(z6_jobs, JOBS_COUNT(z6_jobs));
    say("z6 phase done, %u unexpected", unexpected);
    report_check("init z6 phase", unexpected, INIT_JOB_EXCUSES);
}
