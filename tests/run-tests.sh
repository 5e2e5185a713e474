#!/bin/bash
# run-tests.sh - run every test program and print one summary line.
#
# Arguments are KIND:PATH with KIND one of
#   unit      a cmocka program (run with TAP output)
#   unit-san  the same, built with ASan+UBSan
#   sh        a shell test printing TAP lines ("ok N - ...", "not ok N - ...")
#   fuzz      a libFuzzer target: a short smoke run over its seed corpus
# Programs run TEST_JOBS (3) at a time and are reported as they finish,
# with their wall time.  Each program's output is kept in build/test-logs/.  A program that exits
# non-zero without reporting a failed case counts as one failure, and so does
# one that reports no case at all: a test that tests nothing is a defect.
#
# The last line is "N passed, N failed, N skipped"; the exit status is 1 when
# anything failed.
set -u
LOGDIR=build/test-logs
mkdir -p "$LOGDIR"
TEST_TIMEOUT=${TEST_TIMEOUT:-300}
FUZZ_SMOKE_RUNS=${FUZZ_SMOKE_RUNS:-2000}
export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0 failed=0 skipped=0
failures=()
# Programs run TEST_JOBS at a time (most shell tests wait on sockets and
# timers more than they compute); each has its own folders and free ports.
TEST_JOBS=${TEST_JOBS:-3}

# run_one KIND:PATH - run it, output in $LOGDIR/NAME.log, exit status in
# $LOGDIR/NAME.rc, wall time in seconds in $LOGDIR/NAME.secs.
run_one() {
	local spec=$1 kind path name log corpus scratch start cmd status
	kind=${spec%%:*}
	path=${spec#*:}
	name=$kind-$(basename "$path")
	log=$LOGDIR/$name.log
	rm -f "$LOGDIR/$name.rc" "$LOGDIR/$name.secs"
	case $kind in
	unit|unit-san) cmd=("$path") ;;
	sh) cmd=(bash "$path") ;;
	fuzz)
		# New inputs go to a scratch folder (the first one named), crash
		# artifacts under build/: the seed corpus in git stays as it is.
		corpus=tests/fuzz/corpus/$(basename "$path")
		scratch=build/fuzz/smoke/$(basename "$path")
		rm -rf "$scratch"
		mkdir -p "$corpus" "$scratch" build/fuzz/artifacts
		cmd=("$path" -runs="$FUZZ_SMOKE_RUNS" -timeout=10
		    -artifact_prefix=build/fuzz/artifacts/ "$scratch" "$corpus")
		;;
	*) echo "run-tests: unknown kind $kind" >&2; echo 2 >"$LOGDIR/$name.rc"; return ;;
	esac
	start=$SECONDS
	timeout --kill-after=10 "$TEST_TIMEOUT" "${cmd[@]}" >"$log" 2>&1
	status=$?
	echo $((SECONDS - start)) >"$LOGDIR/$name.secs"
	echo "$status" >"$LOGDIR/$name.rc"
}

# report KIND:PATH - count and print one finished program.
report() {
	local spec=$1 kind name log status p s f secs plan
	kind=${spec%%:*}
	name=$kind-$(basename "${spec#*:}")
	log=$LOGDIR/$name.log
	status=$(cat "$LOGDIR/$name.rc" 2>/dev/null || echo 125)
	secs=$(cat "$LOGDIR/$name.secs" 2>/dev/null || echo "?")
	if [ "$kind" = fuzz ]; then
		# libFuzzer reports no cases: its verdict is the exit status.
		if [ "$status" -eq 0 ]; then p=1 f=0; else p=0 f=1; fi
		s=0
	else
		p=$(grep -acE '^ok [0-9]+' "$log" | head -1)
		s=$(grep -aE '^ok [0-9]+' "$log" | grep -aciE '# *skip')
		f=$(grep -acE '^not ok [0-9]+' "$log" | head -1)
		p=$((p - s))
		# A TAP plan of "1..0 # SKIP reason": the whole program skipped.
		if grep -aqiE '^1\.\.0 *# *skip' "$log"; then s=$((s + 1)); fi
		# A plan "1..N" promises N cases: the ones that never reported
		# (the program died or lost its output half-way) count as failed.
		plan=$(grep -aoE '^1\.\.[0-9]+' "$log" | tail -1)
		plan=${plan#1..}
		if [ -n "$plan" ] && [ "$plan" -gt 0 ] &&
		    [ $((p + s + f)) -lt "$plan" ]; then
			f=$((f + plan - p - s - f))
		fi
		if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
		if [ $((p + s + f)) -eq 0 ]; then f=1; fi
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	if [ "$f" -gt 0 ]; then
		failures+=("$name")
		printf 'FAIL %-40s %d passed, %d failed (exit %d, %ss, log %s)\n' \
		    "$name" "$p" "$f" "$status" "$secs" "$log"
		grep -aE '^not ok|^# ' "$log" | head -20 | sed 's/^/     /'
		[ "$status" -ne 0 ] && tail -5 "$log" | cat -v | sed 's/^/     /'
	else
		printf 'ok   %-40s %d passed%s (%ss)\n' "$name" "$p" \
		    "$([ "$s" -gt 0 ] && echo ", $s skipped")" "$secs"
	fi
}

declare -A running=()	# pid -> spec
reap() {	# report every finished program
	local pid
	for pid in "${!running[@]}"; do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null
			report "${running[$pid]}"
			unset "running[$pid]"
		fi
	done
}

for spec in "$@"; do
	while [ ${#running[@]} -ge "$TEST_JOBS" ]; do
		wait -n 2>/dev/null
		reap
	done
	run_one "$spec" &
	running[$!]=$spec
done
while [ ${#running[@]} -gt 0 ]; do
	wait -n 2>/dev/null
	reap
done

if [ ${#failures[@]} -gt 0 ]; then
	echo "failed programs: ${failures[*]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
