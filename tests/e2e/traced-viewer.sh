#!/bin/sh
# Stands in for the viewer binary in the ephemerality test (tauri-driver starts it): runs
# the real viewer, NIR_TRACED_VIEWER, under `strace -f` so that every file the viewer or
# any of its WebKit helper processes creates or writes is logged (to NIR_TRACE_LOG, which
# the test keeps on a tmpfs and deletes). HOME, XDG_RUNTIME_DIR and the working directory
# are the fresh ones the test gives, so everything the viewer leaves there can be listed.
set -eu
echo "$$" > "$NIR_TRACE_PIDFILE"
export HOME="$NIR_TRACE_HOME"
export XDG_RUNTIME_DIR="$NIR_TRACE_RUNTIME_DIR"
cd "$NIR_TRACE_CWD"
exec strace -f -qq -z -y --seccomp-bpf -s 0 -e signal=none -e trace="$NIR_TRACE_CALLS" \
	-o "$NIR_TRACE_LOG" -- "$NIR_TRACED_VIEWER" "$@"
