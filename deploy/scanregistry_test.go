package deploy_test

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/seed-43c89ce6/aibom/internal/cli"
)

// scanRegistryFlags are the flags `aibom scan registry --help` lists.
func scanRegistryFlags(t *testing.T) map[string]bool {
	t.Helper()
	var out, errb bytes.Buffer
	if code := cli.Run(context.Background(), []string{"scan", "registry", "--help"}, &out, &errb); code != 0 {
		t.Fatalf("aibom scan registry --help: exit %d %s", code, errb.String())
	}
	help := out.String()
	i := strings.Index(help, "Flags:")
	if i < 0 {
		t.Fatalf("no Flags section:\n%s", help)
	}
	flags := map[string]bool{}
	for _, m := range flagRE.FindAllStringSubmatch(help[i:], -1) {
		flags[m[1]] = true
	}
	return flags
}

// scanDocs decodes every document of deploy/scan-registry strictly, by
// kind/name.
func scanDocs(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, f := range []string{"scan-registry/00-storage.yaml", "scan-registry/job.yaml", "scan-registry/cronjob.yaml"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(b), -1) {
			var meta struct {
				Kind     string
				Metadata struct{ Name string }
			}
			if err := yaml.Unmarshal([]byte(d), &meta); err != nil {
				t.Fatalf("%s document %d: %v", f, i, err)
			}
			if meta.Kind != "" {
				out[meta.Kind+"/"+meta.Metadata.Name] = []byte(d)
			}
		}
	}
	return out
}

// checkScanPod checks a scan pod: it runs `scan registry` with flags aibom
// has, --shard I/N with N the Job's completions and I its completion
// index, and its output and cache on mounted volumes.
func checkScanPod(t *testing.T, where string, spec batchv1.JobSpec, flags map[string]bool) {
	t.Helper()
	if spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion || spec.Completions == nil {
		t.Fatalf("%s is not an Indexed Job", where)
	}
	ps := spec.Template.Spec
	if ps.SecurityContext == nil || ps.SecurityContext.RunAsNonRoot == nil || !*ps.SecurityContext.RunAsNonRoot {
		t.Errorf("%s may run as root", where)
	}
	c := ps.Containers[0]
	if len(c.Args) < 3 || c.Args[0] != "scan" || c.Args[1] != "registry" || strings.HasPrefix(c.Args[len(c.Args)-1], "-") {
		t.Fatalf("%s args %v: want scan registry ... HOST", where, c.Args)
	}
	checkFlags(t, where, c.Args[2:len(c.Args)-1], flags)
	shard := ""
	for _, a := range c.Args {
		if v, ok := strings.CutPrefix(a, "--shard="); ok {
			shard = v
		}
		for _, f := range []string{"--output=", "--cache="} {
			if p, ok := strings.CutPrefix(a, f); ok && !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return p == m.MountPath || strings.HasPrefix(p, m.MountPath+"/") }) {
				t.Errorf("%s: %s is on no mounted volume", where, a)
			}
		}
	}
	env := ""
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && strings.Contains(e.ValueFrom.FieldRef.FieldPath, "job-completion-index") {
			env = e.Name
		}
	}
	if want := "$(" + env + ")/" + strconv.Itoa(int(*spec.Completions)); env == "" || shard != want {
		t.Errorf("%s: --shard=%s, want %s (the completion index of %d completions)", where, shard, want, *spec.Completions)
	}
	if spec.Parallelism == nil || *spec.Parallelism > *spec.Completions {
		t.Errorf("%s: parallelism %v", where, spec.Parallelism)
	}
}

func TestScanRegistryManifests(t *testing.T) {
	flags := scanRegistryFlags(t)
	for _, f := range []string{"shard", "output", "cache", "jobs", "format", "fail-on", "progress"} {
		if !flags[f] {
			t.Fatalf("--%s is missing from aibom scan registry --help", f)
		}
	}
	all := scanDocs(t)
	decode[corev1.PersistentVolumeClaim](t, all, "PersistentVolumeClaim/aibom-scan-results")
	decode[corev1.PersistentVolumeClaim](t, all, "PersistentVolumeClaim/aibom-scan-cache")
	job := decode[batchv1.Job](t, all, "Job/aibom-scan-registry")
	checkScanPod(t, "the Indexed Job", job.Spec, flags)
	cj := decode[batchv1.CronJob](t, all, "CronJob/aibom-scan-registry-nightly")
	if cj.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
		t.Error("the CronJob lets runs overlap")
	}
	checkScanPod(t, "the CronJob", cj.Spec.JobTemplate.Spec, flags)
}
