package cli

import (
	"fmt"
	"slices"
	"strings"
)

// checkFormat returns a usage error unless format (the --format flag) is
// one of want.
func checkFormat(format string, want ...string) error {
	if slices.Contains(want, format) {
		return nil
	}
	return usageError{fmt.Errorf("unknown --format %q (want %s)", format, orList(want))}
}

// orList spells words as "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
