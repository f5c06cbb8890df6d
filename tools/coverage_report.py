#!/usr/bin/env python3
"""Line coverage of the portable code after a seed sweep (tools/coverage.sh).

usage: tools/coverage_report.py BUILD_DIR [--explain FILE] [--uncovered FILE]

Reads the gcov notes and data under BUILD_DIR/host (one .gcno per object, one .gcda
merged by every process of the sweep), asks gcov for each object's lines as JSON, and
merges the lines of a source file over every object that holds them (a header's inline
functions are compiled into many objects: a line is reached when any object reached it).

Prints per file: lines, lines reached, lines explained unreachable (tools/
coverage_unreachable.txt), the percentage of the lines that can be reached, and a flag
below FILE_MIN_PERCENT; then totals per group and the portable total (src/kernel,
src/subsystems, src/lib without the hardware-only files), flagged below
TOTAL_MIN_PERCENT. The lines never reached go to the --uncovered file as path:first-last
ranges with the function that holds them. Exit status 0 (a report, whatever the
figures), 2 bad usage or no coverage data.
"""
import json
import os
import re
import subprocess
import sys

FILE_MIN_PERCENT = 90.0
TOTAL_MIN_PERCENT = 95.0
# The groups reported, in order; only the first three count in the portable total.
GROUPS = [("src/kernel/", True), ("src/subsystems/", True), ("src/lib/", True), ("src/faults/", False)]
GCOV_BATCH_FILES = 40


def usage(message):
    sys.stderr.write("coverage_report.py: %s\n" % message)
    sys.stderr.write("usage: tools/coverage_report.py BUILD_DIR [--explain FILE] [--uncovered FILE]\n")
    sys.exit(2)


def parse_args(argv):
    if len(argv) < 1:
        usage("missing BUILD_DIR")
    args = {"build": argv[0], "explain": "tools/coverage_unreachable.txt", "uncovered": None}
    rest = argv[1:]
    while rest:
        if rest[0] in ("--explain", "--uncovered") and len(rest) >= 2:
            args[rest[0][2:]] = rest[1]
            rest = rest[2:]
        else:
            usage("unknown argument '%s'" % rest[0])
    if args["uncovered"] is None:
        args["uncovered"] = os.path.join(args["build"], "uncovered.txt")
    return args


def load_explanations(path):
    """tools/coverage_unreachable.txt: 'hardware PATH  reason', 'unreachable PATH:A[-B]
    reason', 'unreachable PATH:fn=NAME reason' (every line of function NAME) or
    'unreachable PATH:/REGEX/  reason' (the regex is matched against the source line's
    text). '#' starts a comment line."""
    hardware, ranges, patterns, functions = {}, [], [], []
    with open(path) as f:
        for number, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 2)
            if len(parts) < 3:
                usage("%s:%d: want 'KIND WHERE REASON'" % (path, number))
            kind, where, reason = parts
            if kind == "hardware":
                hardware[where] = reason
                continue
            if kind != "unreachable":
                usage("%s:%d: unknown kind '%s' (hardware or unreachable)" % (path, number, kind))
            file_path, _, spec = where.partition(":")
            if spec.startswith("fn=") and len(spec) > 3:
                functions.append((file_path, spec[3:], reason))
                continue
            if spec.startswith("/") and spec.endswith("/") and len(spec) >= 2:
                patterns.append((file_path, re.compile(spec[1:-1]), reason))
                continue
            match = re.fullmatch(r"(\d+)(?:-(\d+))?", spec)
            if match is None:
                usage("%s:%d: want PATH:LINE, PATH:FIRST-LAST, PATH:fn=NAME or PATH:/REGEX/" % (path, number))
            first = int(match.group(1))
            last = int(match.group(2) or first)
            ranges.append((file_path, first, last, reason))
    return hardware, ranges, patterns, functions


def gcov_json(notes):
    """Yields gcov's JSON document for each notes file (run from the repository root,
    so that source paths read src/...)."""
    for start in range(0, len(notes), GCOV_BATCH_FILES):
        batch = notes[start:start + GCOV_BATCH_FILES]
        out = subprocess.run(["gcov", "--json-format", "--stdout"] + batch,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=False).stdout
        decoder = json.JSONDecoder()
        position = 0
        while True:
            while position < len(out) and out[position].isspace():
                position += 1
            if position >= len(out):
                break
            document, position = decoder.raw_decode(out, position)
            yield document


def collect(build):
    """{path: {line: (count, function)}} for the reported groups."""
    notes = []
    for root, _, names in os.walk(os.path.join(build, "host")):
        notes.extend(os.path.join(root, name) for name in names if name.endswith(".gcno"))
    if not notes:
        usage("no .gcno files under %s/host (build with --coverage first)" % build)
    lines = {}
    for document in gcov_json(sorted(notes)):
        for source in document.get("files", []):
            path = os.path.normpath(source["file"])
            if not any(path.startswith(prefix) for prefix, _ in GROUPS):
                continue
            merged = lines.setdefault(path, {})
            for entry in source["lines"]:
                number = entry["line_number"]
                count, function = merged.get(number, (0, entry.get("function_name", "")))
                merged[number] = (count + entry["count"], function)
    return lines


def explained_lines(path, merged, explanations):
    """The lines of path that tools/coverage_unreachable.txt explains: {line: reason}."""
    _, ranges, patterns, functions = explanations
    numbers = merged.keys()
    explained = {}
    for file_path, name, reason in functions:
        if file_path == path:
            for number, (_, function) in merged.items():
                if function == name:
                    explained[number] = reason
    for file_path, first, last, reason in ranges:
        if file_path == path:
            for number in numbers:
                if first <= number <= last:
                    explained[number] = reason
    wanted = [(regex, reason) for file_path, regex, reason in patterns if file_path == path]
    if wanted and os.path.exists(path):
        with open(path, errors="replace") as f:
            text = f.read().split("\n")
        for number in numbers:
            if number - 1 < len(text):
                for regex, reason in wanted:
                    if regex.search(text[number - 1]):
                        explained[number] = reason
    return explained


def ranges_of(numbers):
    """[(first, last)] runs of consecutive line numbers."""
    runs = []
    for number in sorted(numbers):
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return runs


def percent(reached, total):
    return 100.0 if total == 0 else 100.0 * reached / total


def main(argv):
    args = parse_args(argv)
    explanations = load_explanations(args["explain"])
    hardware = explanations[0]
    lines = collect(args["build"])
    totals = {}
    rows = []
    uncovered_out = []
    for path in sorted(lines):
        merged = lines[path]
        explained = explained_lines(path, merged, explanations)
        missed = [n for n, (count, _) in merged.items() if count == 0 and n not in explained]
        reached = sum(1 for count, _ in merged.values() if count > 0)
        group = next(prefix for prefix, _ in GROUPS if path.startswith(prefix))
        explained_missed = len([n for n in explained if merged[n][0] == 0])
        countable = len(merged) - explained_missed
        rows.append((path, len(merged), reached, explained_missed, countable, group, missed))
        if path in hardware:
            continue
        total = totals.setdefault(group, [0, 0])
        total[0] += reached
        total[1] += countable
        for first, last in ranges_of(missed):
            where = "%s:%d" % (path, first) if first == last else "%s:%d-%d" % (path, first, last)
            uncovered_out.append("%s  %s" % (where, merged[first][1]))
    print("%-46s %6s %6s %6s %7s" % ("file (line coverage)", "lines", "hit", "expl", "cover%"))
    for prefix, _ in GROUPS:
        for path, count, reached, explained, countable, group, missed in rows:
            if group != prefix or path in hardware:
                continue
            value = percent(reached, countable)
            flag = "  < %d%%" % FILE_MIN_PERCENT if value < FILE_MIN_PERCENT else ""
            print("%-46s %6d %6d %6d %6.1f%%%s" % (path, count, reached, explained, value, flag))
    print("hardware-only files (reached only on QEMU or a board; not in the totals):")
    for path in sorted(hardware):
        row = next((r for r in rows if r[0] == path), None)
        figures = "%d/%d lines" % (row[2], row[1]) if row else "not compiled into basin-sim"
        print("  %-44s %s: %s" % (path, figures, hardware[path]))
    print("explained unreachable lines: %d (%s)" % (sum(r[3] for r in rows), args["explain"]))
    with open(args["uncovered"], "w") as f:
        f.write("\n".join(uncovered_out) + ("\n" if uncovered_out else ""))
    print("lines never reached: %d ranges in %s" % (len(uncovered_out), args["uncovered"]))
    portable = [0, 0]
    for prefix, in_portable in GROUPS:
        reached, countable = totals.get(prefix, [0, 0])
        print("total %-16s %6d of %6d lines  %5.1f%%" % (prefix, reached, countable, percent(reached, countable)))
        if in_portable:
            portable[0] += reached
            portable[1] += countable
    value = percent(portable[0], portable[1])
    flag = "  < %d%%" % TOTAL_MIN_PERCENT if value < TOTAL_MIN_PERCENT else ""
    print("total portable (kernel, subsystems, lib) %d of %d lines  %.1f%%%s"
          % (portable[0], portable[1], value, flag))
    graindb = [r for r in rows if r[0].startswith("src/subsystems/graindb/") and r[0].endswith(".c")]
    below = [r[0].split("/")[-1] for r in graindb if percent(r[2], r[4]) < FILE_MIN_PERCENT]
    print("graindb files below %d%%: %d of %d%s" % (FILE_MIN_PERCENT, len(below), len(graindb),
                                                 (" (" + ", ".join(below) + ")") if below else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
