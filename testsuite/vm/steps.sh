# Sourced by bootstrap.sh and stap-vm: set-up steps that each print one
# line, "PROG: WHAT ... done (2.1 s)", while the output of their commands
# (apt, dpkg, configure, make) goes to a log file that is named once; a
# failing step prints the log's last lines instead.  POSIX sh (plus
# `local`, which dash and bash have), for bootstrap.sh's sake.
#
# The caller sets PROG and STEP_LOG.  STAP_SETUP_LOG, when set, is a log
# that a parent (bootstrap.sh running stap-vm) opened and named already:
# it replaces STEP_LOG and is not named again.  STEP_QUIET=1 prints
# failures only.  The lines go to stderr.

# Opens the log on the first step: creates it and names it once.
step_log() {
	[ -n "${STEP_LOG_OPEN:-}" ] && return 0
	if [ -n "${STAP_SETUP_LOG:-}" ]; then
		STEP_LOG=$STAP_SETUP_LOG
	else
		mkdir -p "$(dirname "$STEP_LOG")" 2>/dev/null
		: >>"$STEP_LOG" 2>/dev/null ||
			{ echo "$PROG: cannot write the log $STEP_LOG" >&2; return 1; }
		step_say "log in $STEP_LOG"
	fi
	STEP_LOG_OPEN=1
}

step_say() {
	[ -n "${STEP_QUIET:-}" ] || echo "$PROG: $*" >&2
}

# The time since $1 (from `date +%s%N`): "0.4 s" below 10 s, else "41 s".
step_took() {
	local ms
	ms=$(( ($(date +%s%N) - $1) / 1000000 ))
	if [ "$ms" -lt 10000 ]; then
		echo "$((ms / 1000)).$((ms % 1000 / 100)) s"
	else
		echo "$((ms / 1000)) s"
	fi
}

# step WHAT COMMAND [ARG...]: runs COMMAND (a program or a function that
# reports failure by its status, not by exiting) with its output in the
# log.  Returns COMMAND's status.
step() {
	local what=$1 t0
	shift
	step_log || return 1
	[ -n "${STEP_QUIET:-}" ] || printf '%s: %s ... ' "$PROG" "$what" >&2
	printf '\n==== %s: %s (%s)\n' "$PROG" "$what" "$(date)" >>"$STEP_LOG"
	t0=$(date +%s%N)
	if "$@" >>"$STEP_LOG" 2>&1 </dev/null; then
		[ -n "${STEP_QUIET:-}" ] || echo "done ($(step_took "$t0"))" >&2
		return 0
	fi
	[ -z "${STEP_QUIET:-}" ] || printf '%s: %s ... ' "$PROG" "$what" >&2
	echo "failed after $(step_took "$t0"); last lines of $STEP_LOG:" >&2
	tail -n 20 "$STEP_LOG" | sed 's/^/  | /' >&2
	return 1
}
