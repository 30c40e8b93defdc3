package source

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// huggingFace recognises a cache folder models--org--name, one of its
// snapshots/<rev> folders, or a hub folder holding exactly one model. It
// returns the repository id, the snapshot folder and its revision.
func huggingFace(path string) (repo, snapshot, rev string, ok bool, err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", "", "", false, nil
	}
	base := filepath.Base(abs)
	parent := filepath.Dir(abs)
	switch {
	case filepath.Base(parent) == "snapshots" && strings.HasPrefix(filepath.Base(filepath.Dir(parent)), "models--"):
		return repoID(filepath.Base(filepath.Dir(parent))), abs, base, true, nil
	case strings.HasPrefix(base, "models--") && isDir(filepath.Join(abs, "snapshots")):
		snap, rev, err := pickSnapshot(abs)
		if err != nil {
			return "", "", "", false, err
		}
		return repoID(base), snap, rev, true, nil
	}
	models, _ := filepath.Glob(filepath.Join(abs, "models--*"))
	switch {
	case len(models) == 1 && isDir(filepath.Join(models[0], "snapshots")):
		snap, rev, err := pickSnapshot(models[0])
		if err != nil {
			return "", "", "", false, err
		}
		return repoID(filepath.Base(models[0])), snap, rev, true, nil
	case len(models) > 1:
		var names []string
		for _, m := range models {
			names = append(names, filepath.Base(m))
		}
		return "", "", "", false, fmt.Errorf("%w: %s holds %s", ErrAmbiguous, path, strings.Join(names, ", "))
	}
	return "", "", "", false, nil
}

// pickSnapshot chooses the snapshot that refs/main names, else the only
// snapshot there is.
func pickSnapshot(model string) (string, string, error) {
	if b, err := os.ReadFile(filepath.Join(model, "refs", "main")); err == nil {
		rev := strings.TrimSpace(string(b))
		if rev != "" && !strings.ContainsAny(rev, `/\`) && rev != "." && rev != ".." && isDir(filepath.Join(model, "snapshots", rev)) {
			return filepath.Join(model, "snapshots", rev), rev, nil
		}
	}
	entries, err := os.ReadDir(filepath.Join(model, "snapshots"))
	if err != nil {
		return "", "", fmt.Errorf("source: %w", err)
	}
	var snaps []string
	for _, e := range entries {
		if e.IsDir() {
			snaps = append(snaps, e.Name())
		}
	}
	if len(snaps) != 1 {
		return "", "", fmt.Errorf("%w: %s has %d snapshots and no usable refs/main; pass snapshots/<revision>", ErrAmbiguous, model, len(snaps))
	}
	return filepath.Join(model, "snapshots", snaps[0]), snaps[0], nil
}

// repoID turns "models--org--name" into "org/name".
func repoID(folder string) string {
	return strings.ReplaceAll(strings.TrimPrefix(folder, "models--"), "--", "/")
}

func isDir(p string) bool {
	st, err := os.Stat(p) //nolint:gosec // the path is under the source the user named
	return err == nil && st.IsDir()
}
