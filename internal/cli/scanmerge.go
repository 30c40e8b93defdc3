package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/seed-43c89ce6/aibom/internal/report"
	"github.com/seed-43c89ce6/aibom/registryscan"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// summaryOptions are the flags `scan registry` and `scan merge` share:
// the JSON Lines output and the summary.
type summaryOptions struct {
	format  string
	failOn  string
	output  string
	verbose bool
}

// AddFlags registers the flags on cmd; outputHelp describes -o.
func (o *summaryOptions) AddFlags(cmd *cobra.Command, outputHelp string) {
	f := cmd.Flags()
	f.StringVarP(&o.format, "format", "f", "table", "summary format: table (for people), json (counts and the artifacts that are not clean) or sarif (SARIF 2.1.0, one result per finding)")
	f.StringVar(&o.failOn, "fail-on", "suspicious", "exit 1 when an artifact's verdict is at least this: unscanned, suspicious, invalid, malicious, or none")
	f.StringVarP(&o.output, "output", "o", "", outputHelp)
	f.BoolVarP(&o.verbose, "verbose", "v", false, "list every artifact in the table (default: leave out clean or unscanned artifacts that are signed)")
}

func (o *summaryOptions) check() (scanners.Verdict, error) {
	threshold, err := parseFailOn(o.failOn)
	if err != nil {
		return 0, usageError{err}
	}
	if o.format != "table" && o.format != "json" && o.format != "sarif" {
		return 0, usageError{fmt.Errorf("unknown --format %q (want table, json or sarif)", o.format)}
	}
	return threshold, nil
}

// finish prints the summary of results (deduplicated) to w and says
// whether an artifact reached the threshold.
func (o *summaryOptions) finish(w io.Writer, results []registryscan.Result, threshold scanners.Verdict) error {
	results, sum := registryscan.Summarize(results)
	var buf bytes.Buffer
	var err error
	switch o.format {
	case "json":
		err = writeSummaryJSON(&buf, results, sum)
	case "sarif":
		err = report.WriteSARIF(&buf, registryscan.Report(results), report.ToolInfo{Version: version})
	default:
		writeSummaryTable(&buf, results, sum, o.verbose)
	}
	if err != nil {
		return err
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return err
	}
	if threshold >= 0 && sum.Artifacts > 0 && sum.Worst >= threshold {
		return errFindings
	}
	return nil
}

func writeSummaryJSON(w io.Writer, results []registryscan.Result, sum registryscan.Summary) error {
	flagged := []registryscan.Result{}
	for _, r := range results {
		if r.Verdict != scanners.Clean {
			flagged = append(flagged, r)
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Summary   registryscan.Summary  `json:"summary"`
		Artifacts []registryscan.Result `json:"artifacts"`
	}{sum, flagged})
}

func writeSummaryTable(w io.Writer, results []registryscan.Result, sum registryscan.Summary, verbose bool) {
	sort.SliceStable(results, func(i, j int) bool {
		if results[i].Verdict != results[j].Verdict {
			return results[i].Verdict > results[j].Verdict
		}
		return results[i].Key() < results[j].Key()
	})
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "VERDICT\tARTIFACT\tKIND\tSIGNED\tBOM\tREAD/STORED")
	for _, r := range results {
		if !verbose && r.Verdict <= scanners.Unscanned && r.Signed {
			continue
		}
		name := r.Repository + ":" + r.Tag
		if r.Tag == "" {
			name = r.Repository
		}
		d := r.Digest
		if len(d) > 19 {
			d = d[:19]
		}
		fmt.Fprintf(tw, "%s\t%s@%s\t%s\t%s\t%s\t%s/%s\n", r.Verdict, report.Sanitize(name), d, r.Kind, yesNo(r.Signed), yesNo(r.BOMAttached), human(r.BytesRead), human(r.BytesStored))
	}
	_ = tw.Flush()
	pct := 0.0
	if sum.BytesStored > 0 {
		pct = 100 * float64(sum.BytesRead) / float64(sum.BytesStored)
	}
	fmt.Fprintf(w, "\n%d artifacts: %d malicious, %d invalid, %d suspicious, %d unscanned, %d clean; %d signed, %d with a BOM (detected, not verified); read %s of %s stored (%.3f%%)\n",
		sum.Artifacts, sum.Verdicts["malicious"], sum.Verdicts["invalid"], sum.Verdicts["suspicious"], sum.Verdicts["unscanned"], sum.Verdicts["clean"],
		sum.Signed, sum.BOMAttached, human(sum.BytesRead), human(sum.BytesStored), pct)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// scanMergeOptions are the flags of `aibom scan merge`.
type scanMergeOptions struct{ summaryOptions }

func newScanMerge(stdout, stderr io.Writer) *cobra.Command {
	o := &scanMergeOptions{}
	cmd := &cobra.Command{
		Use:   "merge RESULTS.jsonl...",
		Short: "Combine the JSON Lines of 'aibom scan registry' runs (shards) into one report",
		Long: `Read the JSON Lines files that 'aibom scan registry -o' wrote (one per
shard, or per run), keep one result per repository@digest (the last file
wins), and print the summary (--format table, json or sarif). With -o, the
combined results are written there as JSON Lines, sorted by repository and
digest (atomically). A torn last line (a run that was stopped) is dropped
with a warning on stderr.

Exit codes: 0 when no artifact reaches --fail-on, 1 when one does, 2 on a
usage error or a malformed file.`,
		Example: `  # join the shards of an Indexed Job
  aibom scan merge -o registry.jsonl shard-*.jsonl

  # SARIF for a code-scanning dashboard
  aibom scan merge --format sarif shard-*.jsonl > registry.sarif`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return runScanMerge(o, args, stdout, stderr)
		},
	}
	o.AddFlags(cmd, "write the combined results here as JSON Lines (atomically); - for stdout (the summary then goes to stderr)")
	return cmd
}

func runScanMerge(o *scanMergeOptions, files []string, stdout, stderr io.Writer) error {
	threshold, err := o.check()
	if err != nil {
		return err
	}
	var all []registryscan.Result
	for _, p := range files {
		rs, err := readResultsFile(p, stderr)
		if err != nil {
			return err
		}
		all = append(all, rs...)
	}
	merged, _ := registryscan.Summarize(all)
	sort.SliceStable(merged, func(i, j int) bool { return merged[i].Key() < merged[j].Key() })
	sw := stdout
	if o.output != "" {
		var buf bytes.Buffer
		for _, r := range merged {
			b, err := json.Marshal(r)
			if err != nil {
				return err
			}
			buf.Write(append(b, '\n'))
		}
		if err := writeOutput(o.output, stdout, buf.Bytes()); err != nil {
			return err
		}
		if o.output == "-" {
			sw = stderr
		}
	}
	return o.finish(sw, merged, threshold)
}

func readResultsFile(path string, stderr io.Writer) ([]registryscan.Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rs, good, err := registryscan.ReadResults(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if st, err := f.Stat(); err == nil && st.Size() > good {
		fmt.Fprintf(stderr, "aibom: %s: dropped a torn last line at offset %d\n", path, good)
	}
	return rs, nil
}
