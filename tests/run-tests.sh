#!/bin/bash
# run-tests.sh - run every test program and print one summary line.
#
# Arguments are KIND:PATH with KIND one of
#   unit      a cmocka program (run with TAP output)
#   unit-san  the same, built with ASan+UBSan
#   sh        a shell test printing TAP lines ("ok N - ...", "not ok N - ...")
#   fuzz      a libFuzzer target: a short smoke run over its seed corpus
# Each program's output is kept in build/test-logs/.  A program that exits
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

for spec in "$@"; do
	kind=${spec%%:*}
	path=${spec#*:}
	name=$kind-$(basename "$path")
	log=$LOGDIR/$name.log
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
	*) echo "run-tests: unknown kind $kind" >&2; exit 2 ;;
	esac
	timeout --kill-after=10 "$TEST_TIMEOUT" "${cmd[@]}" >"$log" 2>&1
	status=$?
	if [ "$kind" = fuzz ]; then
		# libFuzzer reports no cases: its verdict is the exit status.
		if [ $status -eq 0 ]; then p=1 f=0; else p=0 f=1; fi
		s=0
	else
		p=$(grep -cE '^ok [0-9]+' "$log" | head -1)
		s=$(grep -E '^ok [0-9]+' "$log" | grep -ciE '# *skip')
		f=$(grep -cE '^not ok [0-9]+' "$log" | head -1)
		p=$((p - s))
		# A TAP plan of "1..0 # SKIP reason": the whole program skipped.
		if grep -qiE '^1\.\.0 *# *skip' "$log"; then s=$((s + 1)); fi
		if [ $status -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
		if [ $((p + s + f)) -eq 0 ]; then f=1; fi
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	if [ "$f" -gt 0 ]; then
		failures+=("$name")
		printf 'FAIL %-40s %d passed, %d failed (exit %d, log %s)\n' \
		    "$name" "$p" "$f" "$status" "$log"
		grep -E '^not ok|^# ' "$log" | head -20 | sed 's/^/     /'
		[ $status -ne 0 ] && tail -5 "$log" | sed 's/^/     /'
	else
		printf 'ok   %-40s %d passed%s\n' "$name" "$p" \
		    "$([ "$s" -gt 0 ] && echo ", $s skipped")"
	fi
done

if [ ${#failures[@]} -gt 0 ]; then
	echo "failed programs: ${failures[*]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
