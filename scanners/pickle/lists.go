package pickle

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

// The built-in lists are data: one file per library under allowlist/
// (what real ML pickles import, derived from the corpus that
// testdata/benign/gen.py writes) and the denylist under denylist/ (what
// runs code or reaches the system, each entry with its source). Every line
// is "PATTERN REASON"; '#' starts a comment line. Patterns:
//
//	pkg.mod.Name    exactly that name
//	pkg.mod.*       allowlist: the names directly inside pkg.mod (no
//	                dunders, no deeper attribute walks);
//	                denylist: pkg.mod itself and everything under it
//	pkg.<Class>     allowlist only: CamelCase classes anywhere under pkg
//	pkg.Enum.<MEMBER> allowlist only: UPPER_CASE names directly inside
//	                pkg.Enum (enum members, not methods such as _convert_)
//
//go:embed allowlist/*.txt denylist/*.txt
var listFiles embed.FS

// Entry is one line of a list: where it comes from and why.
type Entry struct {
	// Pattern is the entry as written: "pandas.core.frame.DataFrame",
	// "torch._utils._rebuild_*", "sklearn.<Class>", "os.*".
	Pattern string
	// Reason says why the name is allowed or denied (with a source for
	// denied names).
	Reason string
	// File and Line locate the entry: "allowlist/pandas.txt", or the path
	// given to LoadAllowlist; File is empty for names added by Allow.
	File string
	Line int
	// Deny is set for denylist entries.
	Deny bool
}

// Where returns "file:line", or "added by Allow".
func (e *Entry) Where() string {
	if e.File == "" {
		return "added by Allow"
	}
	return fmt.Sprintf("%s:%d", e.File, e.Line)
}

// classPattern is the allowlist pattern suffix for "CamelCase classes
// anywhere under"; memberPattern for "UPPER_CASE names directly inside".
const (
	classPattern  = "<Class>"
	memberPattern = "<MEMBER>"
)

// parseList reads one list file. Each entry needs a reason when
// needReason is set (the built-in files); user allowlists may omit it.
func parseList(r io.Reader, file string, deny, needReason bool) ([]*Entry, error) {
	var out []*Entry
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 64<<10)
	for line := 1; sc.Scan(); line++ {
		t := strings.TrimSpace(sc.Text())
		if t == "" || t[0] == '#' {
			continue
		}
		var pat, reason string
		if needReason {
			i := strings.IndexAny(t, " \t")
			if i < 0 {
				i = len(t)
			}
			pat, reason = t[:i], strings.TrimSpace(t[i:])
		} else {
			// User allowlists: a name per line, "# comment" after it.
			pat, reason, _ = strings.Cut(t, "#")
			pat, reason = strings.TrimSpace(pat), strings.TrimSpace(reason)
			if strings.ContainsAny(pat, " \t") {
				return nil, fmt.Errorf("%s:%d: want a dotted name such as mypkg.MyClass or mypkg.*, got %q", file, line, pat)
			}
			if pat == "" {
				continue
			}
		}
		if err := checkPattern(pat, deny); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, line, err)
		}
		if needReason && reason == "" {
			return nil, fmt.Errorf("%s:%d: %s has no reason", file, line, pat)
		}
		out = append(out, &Entry{Pattern: pat, Reason: reason, File: file, Line: line, Deny: deny})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	return out, nil
}

// checkPattern validates a list pattern.
func checkPattern(pat string, deny bool) error {
	bad := fmt.Errorf("want a dotted name such as mypkg.MyClass or mypkg.*, got %q", pat)
	body := pat
	switch {
	case strings.HasSuffix(pat, "."+classPattern) && !deny:
		body = strings.TrimSuffix(pat, "."+classPattern)
	case strings.HasSuffix(pat, "."+memberPattern) && !deny:
		body = strings.TrimSuffix(pat, "."+memberPattern)
	case strings.HasSuffix(pat, "*"):
		body = strings.TrimSuffix(strings.TrimSuffix(pat, "*"), ".")
	default:
		if !strings.Contains(pat, ".") && !deny {
			return bad
		}
	}
	if body == "" {
		return bad
	}
	for _, p := range strings.Split(body, ".") {
		if !isIdent(p) {
			return bad
		}
	}
	return nil
}

// builtinEntries parses the embedded lists.
func builtinEntries() ([]*Entry, error) {
	var all []*Entry
	for _, dir := range []string{"allowlist", "denylist"} {
		names, err := fs.Glob(listFiles, dir+"/*.txt")
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			b, err := listFiles.ReadFile(n)
			if err != nil {
				return nil, err
			}
			es, err := parseList(bytes.NewReader(b), "scanners/pickle/"+n, dir == "denylist", true)
			if err != nil {
				return nil, err
			}
			all = append(all, es...)
		}
	}
	return all, nil
}

// ListFiles returns the names of the built-in list files and their text,
// for documentation and `aibom explain`.
func ListFiles() map[string][]byte {
	out := map[string][]byte{}
	_ = fs.WalkDir(listFiles, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && path.Ext(p) == ".txt" {
			out[p], _ = listFiles.ReadFile(p)
		}
		return nil
	})
	return out
}
