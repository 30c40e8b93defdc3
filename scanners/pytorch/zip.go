// Package pytorch scans PyTorch checkpoints in all the forms torch.load
// accepts: the zip format (torch.save since 1.6), TorchScript archives
// (torch.jit.save), the legacy stream of pickles, and the legacy tar form
// (which the tar scanner walks member by member).
package pytorch

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/pickle"
	"github.com/seed-43c89ce6/aibom/scanners/zip"
)

// Rule IDs reported by this package.
const (
	RuleTorchScript     = "TORCHSCRIPT-ARCHIVE"
	RuleTorchScriptCall = "TORCHSCRIPT-DANGEROUS-CALL"
	RuleTorchScriptOp   = "TORCHSCRIPT-CUSTOM-OP"
)

// Zip scans torch.save zip checkpoints and TorchScript archives. Every
// member is handed to the full scanner set, so a pickle is found whatever
// its name; stored tensor data is only sniffed.
type Zip struct {
	lim  zip.Limits
	opts zip.ScanOptions
}

// NewZip returns a Zip scanner.
func NewZip() *Zip { return &Zip{lim: zip.DefaultLimits(), opts: zip.DefaultScanOptions()} }

// NewZipWithOptions returns a Zip scanner whose members are scanned with
// opts (zero fields keep their defaults): VerifyStoredBelow decides which
// stored members (tensor storages) are read whole to check their CRC.
func NewZipWithOptions(opts zip.ScanOptions) *Zip { return &Zip{lim: zip.DefaultLimits(), opts: opts} }

// Name implements zip.Layout.
func (z *Zip) Name() string { return "pytorch" }

// layout says what kind of PyTorch archive a zip is.
type layout struct {
	torch       bool // has <top>/data.pkl
	torchScript bool // has <top>/code/ or <top>/constants.pkl
	code        []*zip.Entry
}

func inspect(a *zip.Archive) layout {
	var l layout
	for i := range a.Entries {
		e := &a.Entries[i]
		// PyTorch reads names from the central directory; a name that
		// only the local header gives does not make a checkpoint.
		name := strings.TrimPrefix(e.Name, "/")
		parts := strings.Split(name, "/")
		rest := name
		if len(parts) > 1 {
			rest = strings.Join(parts[1:], "/")
		}
		switch {
		case rest == "data.pkl":
			l.torch = true
		case rest == "constants.pkl":
			l.torchScript = true
		case strings.HasPrefix(rest, "code/"):
			l.torchScript = true
			if strings.HasSuffix(rest, ".py") {
				l.code = append(l.code, e)
			}
		}
	}
	return l
}

// Is implements zip.Layout: the archive holds <top>/data.pkl, or
// TorchScript's code/ or constants.pkl.
func (z *Zip) Is(a *zip.Archive) bool {
	l := inspect(a)
	return l.torch || l.torchScript
}

// Scan opens f as a zip and scans it as a PyTorch archive (for callers
// outside the zip scanner's dispatch).
func (z *Zip) Scan(ctx context.Context, f scanners.File) (scanners.Result, error) {
	a, err := zip.Open(f.R, f.Size, z.lim)
	if err != nil {
		return scanners.Result{Format: "pytorch"}, err
	}
	return z.ScanArchive(ctx, f, a)
}

// ScanArchive implements zip.Layout; the Result's format is "pytorch" or
// "torchscript".
func (z *Zip) ScanArchive(ctx context.Context, f scanners.File, a *zip.Archive) (scanners.Result, error) {
	l := inspect(a)
	fs, err := zip.ScanArchive(ctx, f, a, z.opts)
	if !l.torchScript {
		return scanners.Result{Format: "pytorch", Findings: fs}, err
	}
	fs = torchScriptNames(fs)
	fs = append(fs, scanners.Finding{Rule: RuleTorchScript, Severity: scanners.Low,
		ATLAS:   scanners.ATLASUnsafeArtifact,
		Message: "TorchScript archive: torch.jit.load runs its code/ (torch.load(weights_only=True) before 2.6 did too, CVE-2025-32434)"})
	more, cerr := inspectCode(f, l.code)
	return scanners.Result{Format: "torchscript", Findings: append(fs, more...)}, errors.Join(err, cerr)
}

// torchScriptNames drops unknown-global findings for the archive's own
// TorchScript classes (__torch__.*): TorchScript's unpickler resolves them
// to classes compiled from code/, never to Python imports.
func torchScriptNames(fs []scanners.Finding) []scanners.Finding {
	out := fs[:0]
	for _, f := range fs {
		if f.Rule == pickle.RuleUnknown && (strings.HasPrefix(f.Global, "__torch__.") || strings.HasPrefix(f.Global, "torch.jit._pickle.")) {
			continue
		}
		out = append(out, f)
	}
	return out
}

// maxCode bounds the TorchScript source read per file.
const maxCode = 16 << 20

// codeCalls matches TorchScript calls that reach files, processes or
// memory outside the tensors the model owns.
var codeCalls = regexp.MustCompile(`\b(?:torch\.(?:save|load|from_file)|ops\.aten\.(?:save|from_file|_load\w*)|` +
	`(?:os|subprocess|sys|builtins|ctypes)\.\w+|__import__|exec|eval|open|compile)\s*\(|\btorch\.classes\.\w+|\btorch\._C\.\w+`)

// inspectCode reports dangerous calls and custom operator namespaces in the
// TorchScript source files.
func inspectCode(f scanners.File, code []*zip.Entry) ([]scanners.Finding, error) {
	var fs []scanners.Finding
	var errs []error
	for _, e := range code {
		member := memberName(f, e.Name)
		rd, err := e.Open()
		if err != nil {
			errs = append(errs, &scanners.FormatError{Format: "torchscript", Member: member, Offset: e.DataOffset, Msg: err.Error()})
			continue
		}
		src, err := safeio.ReadAll(rd, maxCode)
		_ = rd.Close()
		if err != nil {
			errs = append(errs, &scanners.FormatError{Format: "torchscript", Member: member, Offset: 0, Msg: err.Error()})
			continue
		}
		fs = append(fs, codeFindings(member, string(src))...)
		more, err := setStateFindings(member, string(src))
		fs = append(fs, more...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return fs, errors.Join(errs...)
}

func codeFindings(member, src string) []scanners.Finding {
	var fs []scanners.Finding
	for _, m := range codeCalls.FindAllStringIndex(src, 16) {
		call := strings.TrimSpace(strings.TrimSuffix(src[m[0]:m[1]], "("))
		fs = append(fs, scanners.Finding{Rule: RuleTorchScriptCall, Severity: scanners.Critical, Member: member,
			Offset: int64(m[0]), Global: call, ATLAS: scanners.ATLASEmbedMalware,
			Message: fmt.Sprintf("TorchScript code calls %s, which reaches files, processes or memory", call)})
	}
	for off := 0; ; {
		i := strings.Index(src[off:], "ops.")
		if i < 0 {
			break
		}
		ns := src[off+i+4:]
		if j := strings.IndexAny(ns, ".( \n"); j >= 0 {
			ns = ns[:j]
		}
		if ns != "aten" && ns != "prim" && ns != "quantized" && ns != "_caffe2" {
			fs = append(fs, scanners.Finding{Rule: RuleTorchScriptOp, Severity: scanners.Medium, Member: member,
				Offset: int64(off + i), Global: "torch.ops." + ns, ATLAS: scanners.ATLASModifyArchitecture,
				Message: fmt.Sprintf("TorchScript code calls operators of the custom namespace %q: native code outside PyTorch", ns)})
			break
		}
		off += i + 4
	}
	return fs
}

func memberName(_ scanners.File, name string) string { return path.Clean(name) }
