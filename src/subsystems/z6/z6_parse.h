// z6's service directory parser: a service directory /etc/z6/<name>/ is a set of small
// files, one setting each, with s6's names where s6 has one. The kernel reads the
// files (sorted by name) and hands each one's bytes here; this fills a struct
// z6_parsed, then z6_parse_resolve turns dependency names into indexes once every
// service is known. Pure: no filesystem, no platform, so tests/z6 tests it directly.
//
// Files (a value is the file's first line; further non-empty lines are an error):
//   run                 required (its bytes are the program; not read here)
//   finish, down        presence only
//   restart             always | on-failure | never
//   restart-delay-ms, timeout-kill, timeout-finish    milliseconds (decimal)
//   crash-limit         "DEATHS WINDOW_MS" (1..Z6_CRASH_DEATHS_MAX deaths, window > 0)
//   notification-fd     a descriptor number (below ABI_FDS_MAX)
//   dependencies        one service name per line (blank lines ignored)
//   user                an account name (the kernel resolves it to a uid)
//   log-max-bytes       the size at which the log's current file is archived
//                       (Z6_LOG_MAX_BYTES_MIN..Z6_LOG_MAX_BYTES_MAX; s6-log's 99999)
//   log-archives        archives kept (0..Z6_LOG_ARCHIVES_MAX; s6-log's 10)
// Any error refuses the service with a message naming the file and the line, e.g.
// "/etc/z6/web/restart:1: 'sometimes' is not always, on-failure or never"; the first
// error is kept. A refused service is handed to z6_load marked invalid, so the engine
// refuses it and every service that depends on it, and runs the others.
#pragma once

#include "subsystems/z6/z6.h"

#define Z6_MESSAGE_BYTES_MAX 160
#define Z6_USER_BYTES_MAX 32
#define Z6_DIRECTORY_BYTES_MAX 64 // "/etc/z6/" and a name
// The service's log (kernel/z6/z6host_log.c): s6-log's defaults, 10 archives of 99999
// bytes. The least size holds a few lines of the longest (Z6_LOG_LINE_BYTES_MAX and its
// stamp); the most is what one file holds (ABI_FILE_SIZE_MAX).
#define Z6_LOG_MAX_BYTES_DEFAULT 99999u
#define Z6_LOG_MAX_BYTES_MIN 512u
#define Z6_LOG_MAX_BYTES_MAX 131072u
#define Z6_LOG_ARCHIVES_DEFAULT 10u
#define Z6_LOG_ARCHIVES_MAX 32u

struct z6_parsed {
    struct z6_config config;     // the dependencies are resolved by z6_parse_resolve
    char directory[Z6_DIRECTORY_BYTES_MAX]; // for messages: "/etc/z6/web"
    bool has_run;
    bool refused;                 // then message says where and why
    char message[Z6_MESSAGE_BYTES_MAX];
    u32 notification_fd;          // when config.notification
    u32 log_max_bytes;            // log-max-bytes
    u32 log_archives;             // log-archives
    bool console;                 // console present: fds 0-2 stay the console, no log
                                  // (getty: login talks to whoever sits there)
    char user[Z6_USER_BYTES_MAX]; // "" : root
    u32 dependency_name_count;
    char dependency_names[Z6_DEPENDENCIES_MAX][Z6_NAME_BYTES_MAX];
    u32 dependency_lines[Z6_DEPENDENCIES_MAX]; // for the messages of later errors
};

// Starts a service: defaults (z6_config_default), the directory for messages. A name
// that does not fit Z6_NAME_BYTES_MAX, or with '/' in it, refuses the service.
void z6_parse_begin(struct z6_parsed *parsed, const char *root, const char *name);
// One file of the directory: its name and bytes. False when it refused the service
// (or the service was already refused).
bool z6_parse_file(struct z6_parsed *parsed, const char *file, const u8 *bytes, u64 size_bytes);
// After the last file: a service without run is refused. False when refused.
bool z6_parse_end(struct z6_parsed *parsed);
// Every service known: dependency names to indexes (a name naming no service, or a
// refused one only when absent, refuses the dependent). Then copies each config into
// configs[i], a refused one marked invalid. Returns how many are refused so far.
u32 z6_parse_resolve(struct z6_parsed *parsed, u32 count, struct z6_config *configs);
// After z6_load: the message of a service the engine refused (cycle, refused
// dependency), naming the dependencies file and the line of the first dependency at
// fault. Services refused by the parser keep their message.
void z6_parse_explain(struct z6_parsed *parsed, u32 count, const struct z6 *z6);
