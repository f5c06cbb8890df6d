// --trace-json FILE: the run's trace as Chrome trace event JSON, the format Perfetto
// (ui.perfetto.dev) and chrome://tracing open. One process per node ("node N"), one
// thread per kernel process plus the node's kernel and disk; user runs, syscalls and
// disk operations are slices, faults, boots, power losses and the violation instants.
// The writer only reads trace events: it draws nothing and changes no run.
#pragma once

#include <stdio.h>

#include "sim/trace.h"

struct trace_json; // private to trace_json.c

// NULL when memory runs out. Writes the head of the JSON object to file.
struct trace_json *trace_json_create(FILE *file);
void trace_json_event(struct trace_json *json, const struct trace_event *event);
// Closes the event array and the object (also on a violation, so the file parses),
// flushes and frees json. False when any write failed. The caller closes file.
bool trace_json_finish(struct trace_json *json);
