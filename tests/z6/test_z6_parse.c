// Unit tests of z6's service directory parser (src/subsystems/z6/z6_parse.c): each file's
// values, each error's message (file and line), dependency resolution, and the engine's
// refusals explained. Prints "ok NAME" / "not ok NAME" lines (tests/unit/unit.h).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "subsystems/z6/z6_parse.h"
#include "tests/unit/unit.h"

_Noreturn void platform_panic(const char *file, u32 line, const char *what) {
    fprintf(stderr, "panic at %s:%u: %s\n", file, line, what);
    abort();
}

static struct z6_parsed parsed[Z6_SERVICES_MAX];
static struct z6_config configs[Z6_SERVICES_MAX];
static struct z6 engine;

static bool file(struct z6_parsed *p, const char *name, const char *text) {
    return z6_parse_file(p, name, (const u8 *)text, strlen(text));
}

// A service with a run file and one more file; its message when refused.
static const char *one(const char *name, const char *text) {
    z6_parse_begin(&parsed[0], "/etc/z6", "web");
    file(&parsed[0], "run", "#!/bin/sh\n");
    file(&parsed[0], name, text);
    z6_parse_end(&parsed[0]);
    return parsed[0].refused ? parsed[0].message : "";
}

static void test_defaults(void) {
    z6_parse_begin(&parsed[0], "/etc/z6", "web");
    UNIT_CHECK("run alone is accepted", file(&parsed[0], "run", "x") && z6_parse_end(&parsed[0]));
    struct z6_config *c = &parsed[0].config;
    UNIT_CHECK("defaults: restart always, 1000 ms, 10 in 60000 ms", c->restart == Z6_RESTART_ALWAYS &&
               c->restart_delay_ms == 1000 && c->crash_deaths == 10 && c->crash_window_ms == 60000);
    UNIT_CHECK("defaults: no finish, not down, no notification, root", !c->has_finish && !c->down &&
               !c->notification && parsed[0].user[0] == '\0' && strcmp(c->name, "web") == 0);
    z6_parse_begin(&parsed[0], "/etc/z6", "web");
    UNIT_CHECK("no run: refused", !z6_parse_end(&parsed[0]) &&
               strcmp(parsed[0].message, "/etc/z6/web/run: missing (a service needs a run file)") == 0);
}

static void test_values(void) {
    one("restart", "on-failure\n");
    UNIT_CHECK("restart on-failure", !parsed[0].refused && parsed[0].config.restart == Z6_RESTART_ON_FAILURE);
    one("restart", "never");
    UNIT_CHECK("restart never (no newline)", parsed[0].config.restart == Z6_RESTART_NEVER);
    one("restart-delay-ms", "250\n\n");
    UNIT_CHECK("restart-delay-ms, blank lines after", !parsed[0].refused && parsed[0].config.restart_delay_ms == 250);
    one("crash-limit", "3 5000\n");
    UNIT_CHECK("crash-limit", parsed[0].config.crash_deaths == 3 && parsed[0].config.crash_window_ms == 5000);
    one("timeout-kill", "2000");
    UNIT_CHECK("timeout-kill", parsed[0].config.timeout_kill_ms == 2000);
    one("timeout-finish", "0\n");
    UNIT_CHECK("timeout-finish 0", !parsed[0].refused && parsed[0].config.timeout_finish_ms == 0);
    one("notification-fd", "3\n");
    UNIT_CHECK("notification-fd", parsed[0].config.notification && parsed[0].notification_fd == 3);
    one("user", "xy\n");
    UNIT_CHECK("user", strcmp(parsed[0].user, "xy") == 0);
    one("down", "");
    UNIT_CHECK("down by presence", !parsed[0].refused && parsed[0].config.down);
    UNIT_CHECK("no console file: the output goes to the log", !parsed[0].console);
    one("console", "");
    UNIT_CHECK("console by presence", !parsed[0].refused && parsed[0].console);
    one("finish", "#!/bin/sh\n");
    UNIT_CHECK("finish by presence", parsed[0].config.has_finish);
}

static void test_log_keys(void) {
    one("run", "x");
    UNIT_CHECK("log defaults: s6-log's 10 archives of 99999 bytes",
               parsed[0].log_max_bytes == 99999 && parsed[0].log_archives == 10);
    one("log-max-bytes", "2048\n");
    UNIT_CHECK("log-max-bytes", !parsed[0].refused && parsed[0].log_max_bytes == 2048);
    one("log-max-bytes", "512");
    UNIT_CHECK("log-max-bytes at its least", !parsed[0].refused && parsed[0].log_max_bytes == Z6_LOG_MAX_BYTES_MIN);
    one("log-archives", "0\n");
    UNIT_CHECK("log-archives 0", !parsed[0].refused && parsed[0].log_archives == 0);
    one("log-archives", "32\n");
    UNIT_CHECK("log-archives at its most", !parsed[0].refused && parsed[0].log_archives == Z6_LOG_ARCHIVES_MAX);
    UNIT_CHECK("log-max-bytes below the least: file, line, value and bounds",
               strcmp(one("log-max-bytes", "511\n"),
                      "/etc/z6/web/log-max-bytes:1: '511' is not a number from 512 to 131072") == 0);
    UNIT_CHECK("log-max-bytes over one file", strstr(one("log-max-bytes", "131073"), "'131073' is not a number") != 0);
    UNIT_CHECK("log-max-bytes with a unit", strstr(one("log-max-bytes", "4k"), "log-max-bytes:1: '4k'") != 0);
    UNIT_CHECK("log-archives over the most",
               strcmp(one("log-archives", "33"), "/etc/z6/web/log-archives:1: '33' is not a number from 0 to 32") == 0);
    UNIT_CHECK("log-archives: a second value names line 2",
               strstr(one("log-archives", "3\n4\n"), "log-archives:2: '4' is a second value") != 0);
}

static void test_errors(void) {
    UNIT_CHECK("restart: the message names the file, the line and the value",
               strcmp(one("restart", "sometimes\n"),
                      "/etc/z6/web/restart:1: 'sometimes' is not always, on-failure or never") == 0);
    UNIT_CHECK("a second value names line 3",
               strcmp(one("restart", "always\n\nnever\n"),
                      "/etc/z6/web/restart:3: 'never' is a second value (one value only)") == 0);
    UNIT_CHECK("an empty value", strcmp(one("restart-delay-ms", "\n"),
                                        "/etc/z6/web/restart-delay-ms:1: empty: one value expected") == 0);
    UNIT_CHECK("a negative delay", strstr(one("restart-delay-ms", "-5"), "'-5' is not a number") != 0);
    UNIT_CHECK("a delay over u32", strstr(one("timeout-kill", "4294967296"), "timeout-kill:1:") != 0);
    UNIT_CHECK("a delay with a unit", parsed[0].refused && strstr(one("timeout-finish", "5s"), "'5s'") != 0);
    UNIT_CHECK("crash-limit needs two numbers", strstr(one("crash-limit", "10"), "is not DEATHS WINDOW_MS") != 0);
    UNIT_CHECK("crash-limit 0 deaths", strstr(one("crash-limit", "0 1000"), "needs 1 to 32") != 0);
    UNIT_CHECK("crash-limit over the maximum", strstr(one("crash-limit", "33 1000"), "needs 1 to 32") != 0);
    UNIT_CHECK("crash-limit window 0", strstr(one("crash-limit", "3 0"), "needs 1 to 32") != 0);
    UNIT_CHECK("notification-fd out of range", strstr(one("notification-fd", "999"), "not a descriptor") != 0);
    UNIT_CHECK("user with a colon", strstr(one("user", "x:y"), "not an account name") != 0);
    UNIT_CHECK("an unknown file", strcmp(one("restarts", "always"), "/etc/z6/web/restarts: unknown file") == 0);
    UNIT_CHECK("a bad dependency name names its line",
               strcmp(one("dependencies", "db\n\n../x\n"),
                      "/etc/z6/web/dependencies:3: '../x' is not a service name") == 0);
    z6_parse_begin(&parsed[0], "/etc/z6", "a-name-that-is-far-too-long-for-z6");
    UNIT_CHECK("a long service name is refused", parsed[0].refused && !z6_parse_end(&parsed[0]) &&
               strstr(parsed[0].message, "not a service name") != 0);
    z6_parse_begin(&parsed[0], "/etc/z6", "web");
    file(&parsed[0], "restart", "bad");
    file(&parsed[0], "crash-limit", "x");
    UNIT_CHECK("the first error is kept", strstr(parsed[0].message, "/restart:1:") != 0);
}

// Services: name and dependencies text (0: no dependencies file).
static u32 services(const char *const *names, const char *const *dependencies, u32 count) {
    for (u32 i = 0; i < count; i++) {
        z6_parse_begin(&parsed[i], "/etc/z6", names[i]);
        file(&parsed[i], "run", "x");
        if (dependencies[i] != 0) file(&parsed[i], "dependencies", dependencies[i]);
        z6_parse_end(&parsed[i]);
    }
    u32 refused = z6_parse_resolve(parsed, count, configs);
    enum z6_load_error errors[Z6_SERVICES_MAX];
    refused = z6_load(&engine, configs, count, errors);
    z6_parse_explain(parsed, count, &engine);
    return refused;
}

static void test_dependencies(void) {
    const char *names[] = {"app", "db", "web"};
    const char *deps[] = {"db\n", 0, "app\ndb\n"};
    UNIT_CHECK("dependencies resolve to indexes", services(names, deps, 3) == 0 &&
               configs[2].dependency_count == 2 && configs[2].dependencies[0] == 0 &&
               configs[2].dependencies[1] == 1 && configs[0].dependencies[0] == 1);
    const char *missing[] = {0, "\nnope\n", "db\n"};
    UNIT_CHECK("a missing dependency refuses its dependent and the ones above", services(names, missing, 3) == 2);
    UNIT_CHECK("the missing dependency names the file and the line",
               strcmp(parsed[1].message, "/etc/z6/db/dependencies:2: 'nope' names no service") == 0);
    UNIT_CHECK("a dependent of a refused service says so",
               strcmp(parsed[2].message, "/etc/z6/web/dependencies:1: a dependency was refused") == 0);
    UNIT_CHECK("the others run", engine.services[0].error == Z6_LOAD_OK && !parsed[0].refused);
    const char *cycle[] = {"web\n", 0, "db\napp\n"};
    UNIT_CHECK("a cycle refuses the services on it", services(names, cycle, 3) == 2 && !parsed[1].refused);
    UNIT_CHECK("the cycle names the line of the dependency on it",
               strcmp(parsed[2].message, "/etc/z6/web/dependencies:2: dependency cycle") == 0 &&
               strcmp(parsed[0].message, "/etc/z6/app/dependencies:1: dependency cycle") == 0);
    const char *self[] = {"app\n", 0, 0};
    UNIT_CHECK("a service depending on itself is a cycle", services(names, self, 3) == 1 &&
               strstr(parsed[0].message, "dependency cycle") != 0);
}

static void test_refused_in_engine(void) {
    const char *names[] = {"app", "db"};
    const char *deps[] = {"db\n", 0};
    z6_parse_begin(&parsed[0], "/etc/z6", names[0]);
    file(&parsed[0], "run", "x");
    file(&parsed[0], "dependencies", deps[0]);
    z6_parse_end(&parsed[0]);
    z6_parse_begin(&parsed[1], "/etc/z6", names[1]);
    file(&parsed[1], "run", "x");
    file(&parsed[1], "restart", "sometimes");
    z6_parse_end(&parsed[1]);
    UNIT_CHECK("a service the parser refused is refused by z6_load",
               z6_parse_resolve(parsed, 2, configs) == 1 && configs[1].invalid &&
               z6_load(&engine, configs, 2, 0) == 2 && engine.services[1].error == Z6_LOAD_CONFIG_INVALID);
    z6_parse_explain(parsed, 2, &engine);
    UNIT_CHECK("its message is the parser's", strstr(parsed[1].message, "'sometimes'") != 0);
    UNIT_CHECK("its dependent is refused too",
               strcmp(parsed[0].message, "/etc/z6/app/dependencies:1: a dependency was refused") == 0);
}

int main(void) {
    test_defaults();
    test_values();
    test_errors();
    test_log_keys();
    test_dependencies();
    test_refused_in_engine();
    UNIT_EXIT();
}
