package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seed-43c89ce6/aibom/scanners/pickle"
)

// explanation is one name in `aibom explain --format json`.
type explanation struct {
	Name string `json:"name"`
	// Status is "allowed", "denied" or "unknown".
	Status string `json:"status"`
	// Verdict is what a pickle importing the name gets from it alone:
	// clean, suspicious or malicious.
	Verdict string `json:"verdict"`
	// Match is the dangerous part of the name that decided a denial
	// ("os.system" for "numpy.lib.npyio.os.system").
	Match string `json:"match,omitempty"`
	// Pattern, Source and Reason describe the list entry that decided:
	// the entry as written, "file:line", and why.
	Pattern string `json:"pattern,omitempty"`
	Source  string `json:"source,omitempty"`
	Reason  string `json:"reason"`
}

func newExplain(stdout io.Writer) *cobra.Command {
	var format string
	var allowlists []string
	cmd := &cobra.Command{
		Use:   "explain GLOBAL...",
		Short: "Say whether a pickle callable is allowed, denied or unknown, and why",
		Long: `Explain how aibom scan judges a dotted callable name that a pickle imports
(pandas.core.frame.DataFrame, os.system, torch._utils._rebuild_tensor_v2):

  allowed   on the allowlist: importing it is clean
  denied    it, or a dotted suffix of it, is on the denylist: malicious
  unknown   on neither list: suspicious

For a listed name it prints the entry that decided, the data file and line it
comes from (scanners/pickle/allowlist/<library>.txt and denylist/*.txt are built into aibom;
--allowlist files are yours) and the reason recorded there.

Some names are judged by what they reach rather than on their own: getattr
on an allowed class with a literal attribute name, functools.partial of a
global, numpy's _ufunc_reconstruct and torch.storage._load_from_bytes of
embedded pickles are not reported when every use of them
in a pickle is resolved; explain shows the list entry of the name itself.

Exit codes: 0 when every name was explained, 2 on a usage error.`,
		Example: `  # why is this allowed?
  aibom explain pandas.core.frame.DataFrame

  # an attribute walk is judged by the dangerous name it reaches
  aibom explain numpy.lib.npyio.os.system

  # as a tool would read it, with your own allowlist
  aibom explain --format json --allowlist allowed.txt mypkg.models.Net`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return usageError{fmt.Errorf("unknown --format %q (want table or json)", format)}
			}
			pol := pickle.DefaultPolicy()
			for _, path := range allowlists {
				if err := loadAllowlist(pol, path); err != nil {
					return usageError{err}
				}
			}
			out := make([]explanation, 0, len(args))
			for _, name := range args {
				out = append(out, explain(pol, name))
			}
			if format == "json" {
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				return enc.Encode(out)
			}
			return writeExplanations(stdout, out)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "table", "output format: table (for people) or json (for tools)")
	cmd.Flags().StringArrayVar(&allowlists, "allowlist", nil, "file of extra allowed pickle callables, as for aibom scan; repeatable")
	return cmd
}

func explain(pol *pickle.Policy, name string) explanation {
	x := pol.Explain(name)
	e := explanation{Name: name}
	switch x.Class {
	case pickle.Allowed:
		e.Status, e.Verdict = "allowed", "clean"
	case pickle.Dangerous:
		e.Status, e.Verdict, e.Match = "denied", "malicious", x.Hit
	default:
		e.Status, e.Verdict = "unknown", "suspicious"
		e.Reason = "on neither list: a pickle that imports it is suspicious until you allow it (--allowlist)"
	}
	switch {
	case x.Entry != nil:
		e.Pattern, e.Source, e.Reason = x.Entry.Pattern, x.Entry.Where(), x.Entry.Reason
	case x.Class == pickle.Dangerous:
		e.Reason = "the attribute walk " + x.Hit + " reaches arbitrary code (a built-in rule, not a list entry)"
	}
	return e
}

func writeExplanations(w io.Writer, xs []explanation) error {
	var b strings.Builder
	for i, x := range xs {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s: %s (a pickle importing it is %s)\n", x.Name, x.Status, x.Verdict)
		if x.Match != "" && x.Match != x.Name {
			fmt.Fprintf(&b, "  reaches  %s\n", x.Match)
		}
		if x.Source != "" {
			fmt.Fprintf(&b, "  entry    %s\n  from     %s\n", x.Pattern, x.Source)
		}
		fmt.Fprintf(&b, "  why      %s\n", x.Reason)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
