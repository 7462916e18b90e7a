# Accounts the output of load.stp, per CPU.  Input: the script's output
# (records "r CPU N ...", summary "gen CPU COUNT"), then stap's stderr
# (set ERR=1 on the command line before the stderr file).  Prints, for
# each CPU that generated records:
#   cpu C: generated G, received R, reported lost L, missing M, out of order O
# where M counts the record numbers absent from the output (holes, and
# the tail after the last one received), then
#   junk lines J, other stderr lines E
# Skipped probe hits (a contended lock, a tick nested in another) write
# and count nothing, so their warnings are not "other" lines.
# Everything else is the test's business: R + L == G, M == L, O == J ==
# E == 0.
ERR == 1 {
	if (match($0, /^WARNING: [0-9]+ records lost on CPU [0-9]+: /))
		lost[$7 + 0] += $2
	else if ($0 ~ /^WARNING: Number of errors: 0, skipped probes: [0-9]+$/ ||
		 $0 ~ /^WARNING: Skipped due to reentrancy: [0-9]+$/)
		;	# a skipped tick wrote and counted nothing
	else
		other++
	next
}
$1 == "r" && NF == 4 && length($0) == 63 {
	c = $2; n = $3 + 0
	if (n <= last[c])
		disorder[c]++
	else
		missing[c] += n - last[c] - 1
	if (n > last[c])
		last[c] = n
	received[c]++
	next
}
$1 == "gen" && NF == 3 {
	gen[$2] = $3 + 0
	if ($2 + 0 > maxcpu)
		maxcpu = $2 + 0
	next
}
{ junk++ }
END {
	for (c = 0; c <= maxcpu; c++) {
		if (!(c in gen))
			continue
		missing[c] += gen[c] - last[c]
		printf "cpu %d: generated %d, received %d, reported lost %d, " \
		       "missing %d, out of order %d\n", c, gen[c],
		       received[c], lost[c], missing[c], disorder[c]
	}
	printf "junk lines %d, other stderr lines %d\n", junk, other
}
