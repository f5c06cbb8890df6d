// touch: sets each FILE's access and modification times to now, creating an empty
// file (mode 0666 under the umask) if there is none. -c: create nothing. Setting the
// times to now needs ownership or write permission (the kernel decides, as Linux).
#include <string.h>

#include "user/lib/tool.h"

BASIN_PROGRAM("touch");

#define TOUCH_CREATE_MODE 0666

static const char usage[] = "usage: touch [-c] FILE...\n"
                            "Sets each FILE's access and modification times to now; a missing\n"
                            "FILE is created empty.\n"
                            "  -c  do not create missing files\n";

static bool touch_one(const char *path, bool create) {
    i64 result = sys_utimens(path, NULL, 0);
    if (result == -E_NOENT && create) {
        i64 fd = sys_open(path, ABI_O_WRONLY | ABI_O_CREAT, TOUCH_CREATE_MODE);
        if (fd < 0) {
            tool_complain(path, fd);
            return false;
        }
        result = sys_close(fd);
        if (result < 0) tool_complain_step(path, "close", result);
        return result == 0;
    }
    if (result == -E_NOENT && !create) return true; // -c: nothing to do, as Unix touch
    if (result < 0) tool_complain(path, result);
    return result == 0;
}

int main(int argc, char **argv) {
    int first = 0;
    u32 flags = tool_options(argc, argv, "c", usage, &first);
    if (first >= argc) tool_usage_error(usage, "need at least one FILE");
    bool ok = true;
    for (int i = first; i < argc; i++) ok = touch_one(argv[i], !tool_flag(flags, 'c')) && ok;
    return ok ? TOOL_EXIT_OK : TOOL_EXIT_FAILED;
}
