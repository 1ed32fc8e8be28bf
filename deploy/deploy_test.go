package deploy

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The parts of a PyTorchJob the tests read.
type (
	job struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Spec       struct {
			Replicas map[string]replicaSpec `yaml:"pytorchReplicaSpecs"`
		} `yaml:"spec"`
	}
	replicaSpec struct {
		Replicas      int    `yaml:"replicas"`
		RestartPolicy string `yaml:"restartPolicy"`
		Template      struct {
			Spec struct {
				Containers []container `yaml:"containers"`
				Volumes    []volume    `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
	}
	container struct {
		Name      string   `yaml:"name"`
		Image     string   `yaml:"image"`
		Command   []string `yaml:"command"`
		Args      []string `yaml:"args"`
		Env       []envVar `yaml:"env"`
		Resources struct {
			Limits map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
			ReadOnly  bool   `yaml:"readOnly"`
		} `yaml:"volumeMounts"`
	}
	envVar struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom struct {
			ResourceFieldRef struct {
				Resource string `yaml:"resource"`
			} `yaml:"resourceFieldRef"`
		} `yaml:"valueFrom"`
	}
	volume struct {
		Name string `yaml:"name"`
		PVC  struct {
			ClaimName string `yaml:"claimName"`
			ReadOnly  bool   `yaml:"readOnly"`
		} `yaml:"persistentVolumeClaim"`
	}
)

// Repository files the tests read, by their paths from the repository's root.
const (
	dockerfile  = "deploy/Dockerfile"
	jobFile     = "deploy/pytorchjob.yaml"
	readme      = "README.md"
	setup       = "tools/setup.sh"
	distributed = "docs/distributed.md"
)

// repo reads the files the tests check, keyed by their paths from the repository's root.
func repo(t *testing.T) map[string]string {
	t.Helper()
	files := map[string]string{}
	for _, p := range []string{dockerfile, jobFile, readme, setup, distributed} {
		b, err := os.ReadFile("../" + p)
		if err != nil {
			t.Fatalf("reading the repository's %s: %v", p, err)
		}
		files[p] = string(b)
	}
	return files
}

// loadJob parses pytorchjob.yaml (aliases resolved) and returns the container the operator
// injects the environment into ("pytorch") of each replica type.
func loadJob(t *testing.T) (job, map[string]container) {
	t.Helper()
	var j job
	if err := yaml.Unmarshal([]byte(repo(t)[jobFile]), &j); err != nil {
		t.Fatalf("%s: %v", jobFile, err)
	}
	if j.APIVersion != "kubeflow.org/v1" || j.Kind != "PyTorchJob" {
		t.Fatalf("%s is a %s %s, not a kubeflow.org/v1 PyTorchJob", jobFile, j.APIVersion, j.Kind)
	}
	cs := map[string]container{}
	for _, role := range []string{"Master", "Worker"} {
		r, ok := j.Spec.Replicas[role]
		if !ok {
			t.Fatalf("%s: no %s replicas", jobFile, role)
		}
		for _, c := range r.Template.Spec.Containers {
			if c.Name == "pytorch" {
				cs[role] = c
			}
		}
		if _, ok := cs[role]; !ok {
			t.Fatalf("%s: the %s has no container named pytorch (the one the operator sets up)", jobFile, role)
		}
	}
	return j, cs
}

// flag returns the value of --name in args (--name=v or --name v) and whether it is there.
func flag(args []string, name string) (string, bool) {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v, true
		}
		if a == "--"+name && i+1 < len(args) {
			return args[i+1], true
		}
	}
	return "", false
}

// TestRanksRunOneCommandLine: the master and the workers run the same command and arguments
// (ranks given different lines refuse to start), in the same image.
func TestRanksRunOneCommandLine(t *testing.T) {
	_, cs := loadJob(t)
	m, w := cs["Master"], cs["Worker"]
	if len(m.Command) == 0 || m.Command[0] != "colash" {
		t.Errorf("the master runs %q, not colash", m.Command)
	}
	if !slices.Equal(m.Command, w.Command) || !slices.Equal(m.Args, w.Args) {
		t.Errorf("the ranks run different command lines:\nmaster %q %q\nworker %q %q", m.Command, m.Args, w.Command, w.Args)
	}
	if m.Image != w.Image {
		t.Errorf("master image %s, worker image %s", m.Image, w.Image)
	}
	if out, _ := flag(m.Args, "out"); out != "/out" {
		t.Errorf("--out is %q, not /out (the master's output volume)", out)
	}
}

// TestRestartedPodsResume: pods are restarted on failure, and a restarted rank resumes from rank
// 0's checkpoint instead of starting over.
func TestRestartedPodsResume(t *testing.T) {
	j, cs := loadJob(t)
	for role, r := range j.Spec.Replicas {
		if r.RestartPolicy != "OnFailure" {
			t.Errorf("%s: restartPolicy %q, want OnFailure", role, r.RestartPolicy)
		}
	}
	for role, c := range cs {
		if v, ok := flag(c.Args, "resume"); !ok || v != "auto" {
			t.Errorf("%s: args %q lack --resume=auto (a restarted pod would start over)", role, c.Args)
		}
	}
}

var threadsArg = regexp.MustCompile(`^\$\(([A-Za-z_][A-Za-z0-9_]*)\)$`)

// TestThreadsAreTheCPULimit: --threads is $(VAR), VAR comes from the container's limits.cpu
// through the downward API, and the container has a CPU limit.
func TestThreadsAreTheCPULimit(t *testing.T) {
	_, cs := loadJob(t)
	for role, c := range cs {
		v, ok := flag(c.Args, "threads")
		m := threadsArg.FindStringSubmatch(v)
		if !ok || m == nil {
			t.Errorf("%s: --threads is %q, not $(VAR) (Kubernetes expands a variable of the container's env)", role, v)
			continue
		}
		found := false
		for _, e := range c.Env {
			if e.Name == m[1] {
				found = true
				if e.ValueFrom.ResourceFieldRef.Resource != "limits.cpu" {
					t.Errorf("%s: %s comes from %+v, not resourceFieldRef limits.cpu", role, e.Name, e)
				}
			}
		}
		if !found {
			t.Errorf("%s: --threads uses $(%s), which the container's env does not define", role, m[1])
		}
		if c.Resources.Limits["cpu"] == "" {
			t.Errorf("%s: no CPU limit (limits.cpu would be the node's cores)", role)
		}
	}
}

// TestVolumes: models and data are mounted read-only on every rank from read-only claims; /out
// is mounted writable on the master alone.
func TestVolumes(t *testing.T) {
	j, cs := loadJob(t)
	for role, c := range cs {
		mounts := map[string]bool{}
		for _, vm := range c.VolumeMounts {
			mounts[vm.MountPath] = true
			switch vm.MountPath {
			case "/out":
				if role != "Master" || vm.ReadOnly {
					t.Errorf("%s: /out mounted (read-only %v): only rank 0 writes it", role, vm.ReadOnly)
				}
			default:
				if !vm.ReadOnly {
					t.Errorf("%s: %s (%s) is mounted writable", role, vm.MountPath, vm.Name)
				}
			}
		}
		for _, p := range []string{"/models", "/data"} {
			if !mounts[p] {
				t.Errorf("%s: nothing mounted at %s", role, p)
			}
		}
		if role == "Master" && !mounts["/out"] {
			t.Errorf("the master has no /out volume")
		}
		for _, v := range j.Spec.Replicas[role].Template.Spec.Volumes {
			if v.Name != "out" && !v.PVC.ReadOnly {
				t.Errorf("%s: volume %s (claim %s) is not read-only", role, v.Name, v.PVC.ClaimName)
			}
		}
	}
}

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct{ op, arg string }

// stages splits a Dockerfile into its build stages, each starting with its FROM (the ARGs before
// the first FROM are left out).
func stages(text string) [][]instruction {
	var out [][]instruction
	var cur strings.Builder
	flush := func() {
		l := strings.TrimSpace(cur.String())
		cur.Reset()
		if l == "" {
			return
		}
		op, arg, _ := strings.Cut(l, " ")
		ins := instruction{strings.ToUpper(op), strings.TrimSpace(arg)}
		if ins.op == "FROM" {
			out = append(out, nil)
		}
		if len(out) == 0 {
			return
		}
		out[len(out)-1] = append(out[len(out)-1], ins)
	}
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		if s, ok := strings.CutSuffix(strings.TrimRight(l, " \t"), `\`); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(l)
		flush()
	}
	flush()
	return out
}

// readmeInstall is the README's install command: the first line of its first code block.
func readmeInstall(t *testing.T) string {
	t.Helper()
	_, rest, ok := strings.Cut(repo(t)[readme], "```\n")
	line, _, _ := strings.Cut(rest, "\n")
	if !ok || !strings.Contains(line, "tools/setup.sh") || !strings.Contains(line, "go build") {
		t.Fatalf("%s's first code block does not start with the install command (tools/setup.sh, go build): %q", readme, line)
	}
	return strings.TrimSpace(line)
}

var buildLine = regexp.MustCompile(`(?m)docker build -f deploy/Dockerfile -t (\S+) \.`)

// TestDockerfileBuildsAsTheREADME: the build stage runs the README's install command as it is
// (tools/setup.sh, then go build), on Debian bookworm.
func TestDockerfileBuildsAsTheREADME(t *testing.T) {
	st := stages(repo(t)[dockerfile])
	if len(st) < 2 {
		t.Fatalf("%s: want a build and a runtime stage; got %d stages", dockerfile, len(st))
	}
	build := st[0]
	if !strings.Contains(build[0].arg, "bookworm") {
		t.Errorf("the build stage is FROM %s, not Debian bookworm", build[0].arg)
	}
	want := readmeInstall(t)
	runs := 0
	for _, ins := range build {
		if ins.op == "RUN" {
			runs++
			if ins.arg != want {
				t.Errorf("the build stage runs %q; the README installs with %q alone", ins.arg, want)
			}
		}
	}
	if runs == 0 {
		t.Errorf("the build stage runs nothing; the README installs with %q", want)
	}
}

// TestRuntimeImage: the runtime stage is Debian bookworm with libtorch and libopenblas0-openmp
// (the BLAS tools/setup.sh installs), the binary from the build stage, colash as the entry point.
func TestRuntimeImage(t *testing.T) {
	st := stages(repo(t)[dockerfile])
	if len(st) < 2 {
		t.Fatalf("%s: no runtime stage (%d stages)", dockerfile, len(st))
	}
	rt := st[len(st)-1]
	if !strings.HasPrefix(rt[0].arg, "debian:bookworm") {
		t.Errorf("the runtime stage is FROM %s, not debian:bookworm", rt[0].arg)
	}
	if !strings.Contains(repo(t)[setup], "libopenblas0-openmp") {
		t.Errorf("tools/setup.sh no longer installs libopenblas0-openmp: check what BLAS the runtime needs")
	}
	var installed []string
	copied, entry := false, ""
	for _, ins := range rt {
		switch ins.op {
		case "RUN":
			for _, cmd := range strings.Split(ins.arg, "&&") {
				f := strings.Fields(cmd)
				if i := slices.Index(f, "install"); i > 0 && strings.HasSuffix(f[i-1], "apt-get") {
					for _, w := range f[i+1:] {
						if !strings.HasPrefix(w, "-") {
							installed = append(installed, w)
						}
					}
				}
			}
		case "COPY":
			copied = copied || (strings.Contains(ins.arg, "--from=build") && strings.Contains(ins.arg, "/src/colash "))
		case "ENTRYPOINT":
			entry = ins.arg
		}
	}
	for _, p := range []string{"libopenblas0-openmp", "libtorch1.13"} {
		if !slices.Contains(installed, p) {
			t.Errorf("the runtime stage does not install %s (installs %q)", p, installed)
		}
	}
	if !copied {
		t.Errorf("the runtime stage does not copy colash from the build stage")
	}
	if entry != `["colash"]` {
		t.Errorf("ENTRYPOINT %s, want [\"colash\"]", entry)
	}
}

// TestOneImageName: the job runs the image the Dockerfile's build command tags, and both
// deploy files and docs/distributed.md give that command alike.
func TestOneImageName(t *testing.T) {
	files := repo(t)
	m := buildLine.FindStringSubmatch(files[dockerfile])
	if m == nil {
		t.Fatalf("%s: no %q line", dockerfile, "docker build -f deploy/Dockerfile -t IMAGE .")
	}
	_, cs := loadJob(t)
	for role, c := range cs {
		if c.Image != m[1] {
			t.Errorf("%s runs image %s; the Dockerfile builds %s", role, c.Image, m[1])
		}
	}
	for _, f := range []string{jobFile, distributed} {
		if got := buildLine.FindStringSubmatch(files[f]); got == nil || got[0] != m[0] {
			t.Errorf("%s does not give the Dockerfile's build command %q", f, m[0])
		}
	}
}
