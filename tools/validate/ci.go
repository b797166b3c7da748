package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/rhysd/actionlint"
	"go.yaml.in/yaml/v3"
)

// pinnedAction is owner/repo[/path]@vX.Y.Z or a full commit SHA.
var pinnedAction = regexp.MustCompile(`^[\w.-]+/[\w./-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})$`)

// pinnedImage is an image with an explicit tag other than latest.
var pinnedImage = regexp.MustCompile(`^[\w./-]+:[\w.-]+$`)

func shellcheck() (string, error) {
	path, err := exec.LookPath("shellcheck")
	if err != nil {
		return "", errors.New("shellcheck is not installed (scripts/ensure-tools.sh installs it): the run: scripts would go unchecked")
	}
	return path, nil
}

func ciFlags(name string, args []string) (string, string, error) {
	flags := flag.NewFlagSet(name, flag.ContinueOnError)
	golangci := flags.String("golangci-lint", "", "the golangci-lint version CI must use")
	if err := flags.Parse(args[1:]); err != nil {
		return "", "", err
	}
	return args[0], *golangci, nil
}

// runGitHub runs actionlint (with shellcheck on every run: script) on the
// workflows and checks the jobs a generated service needs.
func runGitHub(args []string) (result, error) {
	project, golangci, err := ciFlags("github", args)
	if err != nil {
		return result{}, err
	}
	a, err := loadAnswers(project)
	if err != nil {
		return result{}, err
	}
	sc, err := shellcheck()
	if err != nil {
		return result{}, err
	}
	files, _ := filepath.Glob(filepath.Join(project, ".github", "workflows", "*.yml"))
	if len(files) == 0 {
		return result{Problems: []string{".github/workflows: no workflow"}}, nil
	}
	linter, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{Shellcheck: sc, WorkingDir: project})
	if err != nil {
		return result{}, err
	}
	var p problems
	errs, err := linter.LintFiles(files, nil)
	if err != nil {
		return result{}, err
	}
	for _, e := range errs {
		file := filepath.Base(e.Filepath)
		if e.Filepath == "" {
			file = "workflow"
		}
		p.add(fmt.Sprintf("%s:%d:%d", file, e.Line, e.Column), "%s [%s]", e.Message, e.Kind)
	}

	data, err := os.ReadFile(filepath.Join(project, ".github", "workflows", "ci.yml"))
	if err != nil {
		return result{}, err
	}
	wf, parseErrs := actionlint.Parse(data)
	if len(parseErrs) > 0 {
		return result{Problems: p.list}, nil
	}
	jobs := slices.Sorted(func(yield func(string) bool) {
		for id := range wf.Jobs {
			if !yield(id) {
				return
			}
		}
	})
	want := []string{"build", "lint", "test"}
	if a.deploys("docker") {
		want = append(want, "docker")
	}
	sort.Strings(want)
	if !slices.Equal(jobs, want) {
		p.add("ci.yml", "jobs %v, want %v", jobs, want)
	}
	for id, job := range wf.Jobs {
		for _, step := range job.Steps {
			action, ok := step.Exec.(*actionlint.ExecAction)
			if !ok || action.Uses == nil {
				continue
			}
			uses := action.Uses.Value
			if !pinnedAction.MatchString(uses) {
				p.add("ci.yml", "job %s: %s is not pinned to a full release tag", id, uses)
			}
			checkActionInputs(id, uses, action, &p)
			if strings.HasPrefix(uses, "golangci/golangci-lint-action@") && golangci != "" {
				if v := action.Inputs["version"]; v == nil || v.Value.Value != golangci {
					p.add("ci.yml", "job %s: golangci-lint version is not %s, the one this repository checks the config with", id, golangci)
				}
			}
		}
	}
	if test := wf.Jobs["test"]; test != nil {
		services := map[string]string{}
		if test.Services != nil {
			for name, svc := range test.Services.Value {
				services[name] = svc.Container.Image.Value
			}
		}
		for name, wanted := range map[string]bool{"postgres": a.postgres(), "redis": a.redis()} {
			image, got := services[name]
			if got != wanted {
				p.add("ci.yml", "test job: service container %s = %v, want %v", name, got, wanted)
			}
			if got && !pinnedImage.MatchString(image) {
				p.add("ci.yml", "test job: service image %q has no tag", image)
			}
		}
	}
	return result{Problems: p.list, Info: map[string]any{"jobs": jobs, "shellcheck": sc}}, nil
}

// checkActionInputs checks a step's `with:` against actionlint's metadata
// of the action's major release. actionlint keys that metadata by the
// reference as written (actions/checkout@v6), so a step pinned to a full
// tag (actions/checkout@v6.0.2) escapes its input check; this restores it.
func checkActionInputs(job, uses string, action *actionlint.ExecAction, p *problems) {
	repo, ref, _ := strings.Cut(uses, "@")
	major, _, _ := strings.Cut(ref, ".")
	meta, ok := actionlint.PopularActions[repo+"@"+major]
	if !ok {
		p.add("ci.yml", "job %s: %s: actionlint knows no release %s of %s; its inputs would go unchecked", job, uses, major, repo)
		return
	}
	for name := range action.Inputs {
		in, ok := meta.Inputs[name]
		switch {
		case !ok && !meta.SkipInputs:
			p.add("ci.yml", "job %s: %s has no input %q", job, uses, name)
		case ok && in.Deprecated:
			p.add("ci.yml", "job %s: %s input %q is deprecated: %s", job, uses, name, in.DeprecationMessage)
		}
	}
	for name, in := range meta.Inputs {
		if _, given := action.Inputs[name]; in.Required && !given {
			p.add("ci.yml", "job %s: %s needs input %q", job, uses, name)
		}
	}
}

// gitlabJobKeys are the job keywords of GitLab CI/CD
// (https://docs.gitlab.com/ci/yaml/) a generated pipeline may use.
var gitlabJobKeys = []string{
	"after_script", "allow_failure", "artifacts", "before_script", "cache", "coverage", "dependencies",
	"environment", "extends", "image", "interruptible", "needs", "parallel", "retry", "rules", "script",
	"services", "stage", "tags", "timeout", "variables", "when",
}

var gitlabGlobalKeys = []string{"default", "include", "stages", "variables", "workflow"}

// runGitLab parses .gitlab-ci.yml, checks its keywords and references, and
// runs shellcheck on every job's script as the runner's shell would see it.
// GitLab offers no offline linter; this follows its published keyword
// reference.
func runGitLab(args []string) (result, error) {
	project, golangci, err := ciFlags("gitlab", args)
	if err != nil {
		return result{}, err
	}
	a, err := loadAnswers(project)
	if err != nil {
		return result{}, err
	}
	sc, err := shellcheck()
	if err != nil {
		return result{}, err
	}
	data, err := os.ReadFile(filepath.Join(project, ".gitlab-ci.yml"))
	if err != nil {
		return result{}, err
	}
	var p problems
	var doc map[string]yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		p.add(".gitlab-ci.yml", "parse: %v", err)
		return result{Problems: p.list}, nil
	}
	var stages []string
	if n, ok := doc["stages"]; !ok || n.Decode(&stages) != nil {
		p.add(".gitlab-ci.yml", "want a stages list")
	}
	type job struct {
		Stage     string         `yaml:"stage"`
		Image     any            `yaml:"image"`
		Services  []any          `yaml:"services"`
		Script    []string       `yaml:"script"`
		Extends   any            `yaml:"extends"`
		Variables map[string]any `yaml:"variables"`
		Needs     []any          `yaml:"needs"`
	}
	jobs := map[string]job{}
	for name, node := range doc {
		if slices.Contains(gitlabGlobalKeys, name) {
			continue
		}
		if node.Kind != yaml.MappingNode {
			p.add(".gitlab-ci.yml", "%s: not a job", name)
			continue
		}
		for i := 0; i < len(node.Content); i += 2 {
			if key := node.Content[i].Value; !slices.Contains(gitlabJobKeys, key) {
				p.add(".gitlab-ci.yml", "job %s: unknown keyword %q", name, key)
			}
		}
		var j job
		if err := node.Decode(&j); err != nil {
			p.add(".gitlab-ci.yml", "job %s: %v", name, err)
			continue
		}
		if strings.HasPrefix(name, ".") {
			continue // a template for extends
		}
		jobs[name] = j
		if j.Stage == "" || !slices.Contains(stages, j.Stage) {
			p.add(".gitlab-ci.yml", "job %s: stage %q is not in stages", name, j.Stage)
		}
		if len(j.Script) == 0 {
			p.add(".gitlab-ci.yml", "job %s has no script", name)
		}
		if ext, ok := j.Extends.(string); ok {
			if _, found := doc[ext]; !found {
				p.add(".gitlab-ci.yml", "job %s extends %s, which does not exist", name, ext)
			}
		}
		for _, image := range append([]any{j.Image}, j.Services...) {
			ref := imageName(image)
			if ref != "" && !pinnedImage.MatchString(ref) || strings.HasSuffix(ref, ":latest") {
				p.add(".gitlab-ci.yml", "job %s: image %q is not pinned to a tag", name, ref)
			}
		}
		if strings.Contains(imageName(j.Image), "golangci-lint") && golangci != "" && !strings.HasSuffix(imageName(j.Image), ":"+golangci) {
			p.add(".gitlab-ci.yml", "job %s: golangci-lint image is not %s, the version this repository checks the config with", name, golangci)
		}
		script := "#!/bin/sh\nset -e\n" + strings.Join(j.Script, "\n") + "\n"
		cmd := exec.Command(sc, "--shell=sh", "--format=gcc", "-")
		cmd.Stdin = strings.NewReader(script)
		if out, err := cmd.CombinedOutput(); err != nil {
			p.add(".gitlab-ci.yml", "job %s: shellcheck:\n%s", name, out)
		}
	}
	if img := imageName(nodeField(doc["default"], "image")); !pinnedImage.MatchString(img) {
		p.add(".gitlab-ci.yml", "default image %q is not pinned", img)
	}
	want := []string{"build", "lint", "test"}
	if a.deploys("docker") {
		want = append(want, "docker")
	}
	got := slices.Sorted(func(yield func(string) bool) {
		for name := range jobs {
			if !yield(name) {
				return
			}
		}
	})
	sort.Strings(want)
	if !slices.Equal(got, want) {
		p.add(".gitlab-ci.yml", "jobs %v, want %v", got, want)
	}
	services := map[string]bool{}
	for _, s := range jobs["test"].Services {
		services[strings.SplitN(imageName(s), ":", 2)[0]] = true
	}
	for name, wanted := range map[string]bool{"postgres": a.postgres(), "redis": a.redis()} {
		if services[name] != wanted {
			p.add(".gitlab-ci.yml", "test job: service %s = %v, want %v", name, services[name], wanted)
		}
	}
	return result{Problems: p.list, Info: map[string]any{"jobs": got, "stages": stages}}, nil
}

func nodeField(n yaml.Node, key string) any {
	var m map[string]any
	if err := n.Decode(&m); err != nil {
		return nil
	}
	return m[key]
}

// imageName is the image of an image: or services: entry, string or {name: ...}.
func imageName(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		name, _ := v["name"].(string)
		return name
	}
	return ""
}
