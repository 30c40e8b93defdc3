package cli

import "errors"

// Exit codes of every aibom command.
const (
	// ExitOK: the command succeeded and nothing reached the failure threshold.
	ExitOK = 0
	// ExitFindings: a scanned file reached --fail-on.
	ExitFindings = 1
	// ExitError: bad usage, or an I/O error stopped the command.
	ExitError = 2
)

// errFindings is returned by a command whose results reached --fail-on.
var errFindings = errors.New("findings reached the failure threshold")

// exitCode maps a command's error to the process exit code.
func exitCode(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, errFindings):
		return ExitFindings
	default:
		return ExitError
	}
}
