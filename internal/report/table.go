package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"
	"unicode/utf8"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// TableOptions controls WriteTable.
type TableOptions struct {
	// Color wraps verdicts and severities in ANSI colour escapes. Turn it on
	// only when writing to a terminal.
	Color bool
	// Verbose lists clean and unscanned files too. Without it they are only
	// counted in the summary line.
	Verbose bool
}

// All colour escapes have the same length, so that coloured cells keep
// text/tabwriter's columns aligned.
const (
	ansiReset   = "\x1b[0m"
	ansiBoldRed = "\x1b[1;31m"
	ansiRed     = "\x1b[0;31m"
	ansiYellow  = "\x1b[0;33m"
	ansiMagenta = "\x1b[0;35m"
	ansiCyan    = "\x1b[0;36m"
	ansiGreen   = "\x1b[0;32m"
	ansiPlain   = "\x1b[0;39m"
)

// Widths of the longest verdict ("suspicious") and severity ("critical")
// names: headers and severity cells are padded to them so that columns line
// up from one file to the next.
const (
	verdictWidth  = 10
	severityWidth = 8
)

// noValue fills an empty cell so that columns stay readable.
const noValue = "-"

// WriteTable writes r to w for people: one line per listed file (verdict,
// format, path), its findings indented below it (severity, rule, global,
// member@offset, message), then its parse errors, and a summary line last.
// Text that comes from the scanned files is quoted where it holds control
// or bidirectional-formatting characters, so a hostile file cannot move the
// cursor or recolour the terminal.
func WriteTable(w io.Writer, r *scanners.Report, opts TableOptions) error {
	if r == nil {
		return ErrNilReport
	}
	t := table{opts: opts, tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	formatWidth, hidden := 0, 0
	for i := range r.Files {
		if t.listed(&r.Files[i]) {
			formatWidth = max(formatWidth, utf8.RuneCountInString(sanitize(r.Files[i].Format)))
		} else {
			hidden++
		}
	}
	for i := range r.Files {
		if t.listed(&r.Files[i]) {
			t.file(&r.Files[i], formatWidth)
		}
	}
	if hidden != len(r.Files) {
		t.line("")
	}
	t.line(t.summary(&r.Summary, hidden))
	if t.err != nil {
		return fmt.Errorf("writing table report: %w", t.err)
	}
	if err := t.tw.Flush(); err != nil {
		return fmt.Errorf("writing table report: %w", err)
	}
	return nil
}

// table holds the state of one WriteTable call; the first write error sticks.
type table struct {
	opts TableOptions
	tw   *tabwriter.Writer
	err  error
}

func (t *table) listed(f *scanners.FileResult) bool {
	// An unscanned file with a finding says why it was not scanned (a Git
	// LFS pointer): it is listed.
	return t.opts.Verbose || (f.Verdict != scanners.Clean && f.Verdict != scanners.Unscanned) ||
		(f.Verdict == scanners.Unscanned && len(f.Findings) > 0)
}

func (t *table) line(s string) {
	if t.err == nil {
		_, t.err = io.WriteString(t.tw, s+"\n")
	}
}

// file writes the header line of f, then its findings and errors. The header
// has no tab, so it ends the tabwriter's column blocks: each file's findings
// are aligned among themselves, and headers are padded by hand.
func (t *table) file(f *scanners.FileResult, formatWidth int) {
	verdict := f.Verdict.String()
	format := sanitize(f.Format)
	t.line(t.paint(verdictColor(f.Verdict), pad(verdict, verdictWidth)) + "  " +
		pad(format, formatWidth) + "  " + sanitize(f.Path))
	for _, fd := range f.Findings {
		t.row(t.paint(severityColor(fd.Severity), pad(fd.Severity.String(), severityWidth)),
			fd.Rule, fd.Global, location(fd.Member, fd.Offset), fd.Message)
	}
	for _, e := range f.Errors {
		if e == nil {
			continue
		}
		t.row(t.paint(ansiMagenta, pad("error", severityWidth)), e.Format, "", location(e.Member, e.Offset), e.Msg)
	}
}

// row writes one indented, tab-separated finding line. The first cell is
// already coloured; the others are sanitised here.
func (t *table) row(first string, cells ...string) {
	var b strings.Builder
	b.WriteString("    ")
	b.WriteString(first)
	for i, c := range cells {
		b.WriteByte('\t')
		c = sanitize(c)
		if c == "" && i < len(cells)-1 {
			c = noValue
		}
		b.WriteString(c)
	}
	t.line(b.String())
}

// summary renders the non-zero counts of s, worst first, e.g.
// "3 files: 1 malicious, 2 clean (2 not listed); 2 findings: 1 critical, 1 info".
func (t *table) summary(s *scanners.Summary, hidden int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", s.Files, plural(s.Files, "file", "files"))
	sep := ": "
	for v := scanners.Malicious; v >= scanners.Clean; v-- {
		if n := s.Verdicts[v.String()]; n > 0 {
			b.WriteString(sep + t.paint(verdictColor(v), fmt.Sprintf("%d %s", n, v)))
			sep = ", "
		}
	}
	if hidden > 0 {
		fmt.Fprintf(&b, " (%d not listed)", hidden)
	}
	total := 0
	for _, n := range s.Findings {
		total += n
	}
	fmt.Fprintf(&b, "; %d %s", total, plural(total, "finding", "findings"))
	sep = ": "
	for sev := scanners.Critical; sev >= scanners.Info; sev-- {
		if n := s.Findings[sev.String()]; n > 0 {
			b.WriteString(sep + t.paint(severityColor(sev), fmt.Sprintf("%d %s", n, sev)))
			sep = ", "
		}
	}
	return b.String()
}

func (t *table) paint(color, s string) string {
	if !t.opts.Color {
		return s
	}
	return color + s + ansiReset
}

func verdictColor(v scanners.Verdict) string {
	switch v {
	case scanners.Malicious:
		return ansiBoldRed
	case scanners.Invalid:
		return ansiMagenta
	case scanners.Suspicious:
		return ansiYellow
	case scanners.Unscanned:
		return ansiCyan
	case scanners.Clean:
		return ansiGreen
	}
	return ansiPlain
}

func severityColor(s scanners.Severity) string {
	switch s {
	case scanners.Critical:
		return ansiBoldRed
	case scanners.High:
		return ansiRed
	case scanners.Medium:
		return ansiYellow
	case scanners.Low:
		return ansiCyan
	case scanners.Info:
		return ansiPlain
	}
	return ansiPlain
}

// location renders member@offset; the offset is left out when unknown (< 0).
func location(member string, offset int64) string {
	if offset < 0 {
		return member
	}
	return member + "@" + strconv.FormatInt(offset, 10)
}

func pad(s string, width int) string {
	if n := utf8.RuneCountInString(s); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// sanitize makes s safe to print on a terminal: invalid UTF-8, control
// characters (tabs and newlines included) and bidirectional-formatting
// characters are replaced by Go escapes such as \x1b, \n and \u202e.
func sanitize(s string) string {
	clean := true
	for _, r := range s {
		if unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafeRune(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	return r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
}
