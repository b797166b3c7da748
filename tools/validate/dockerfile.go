package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	digest "github.com/opencontainers/go-digest"
	"golang.org/x/mod/modfile"
)

// buildCommand is the Dockerfile's `go build` with its build arguments
// substituted: what the test runs on the generated source.
type buildCommand struct {
	// Env holds the variables the RUN line assigns (CGO_ENABLED, GOOS, GOARCH).
	Env map[string]string `json:"env"`
	// Args are the arguments of `go`: build, flags, packages.
	Args []string `json:"args"`
	// Output is the -o path inside the build stage.
	Output string `json:"output"`
	// GoImage is the build stage's base image.
	GoImage string `json:"goImage"`
	// GoModVersion is the go directive of go.mod.
	GoModVersion string `json:"goModVersion"`
	// User is the final image's USER.
	User string `json:"user"`
}

// offlineResolver stands in for a registry: lint and conversion need the
// base images' configuration (platform, environment, user), and no registry
// is reachable from the test machines. It knows the two base images a
// generated Dockerfile may use, with their published configuration; any
// other image is an error, so a new base image is a conscious change here.
type offlineResolver struct{}

func (offlineResolver) ResolveImageConfig(_ context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	platform := map[string]string{"os": "linux", "architecture": runtime.GOARCH}
	if opt.ImageOpt != nil && opt.ImageOpt.Platform != nil {
		platform = map[string]string{"os": opt.ImageOpt.Platform.OS, "architecture": opt.ImageOpt.Platform.Architecture}
	}
	var config map[string]any
	switch {
	case strings.HasPrefix(ref, "docker.io/library/golang:"):
		config = map[string]any{
			"Env": []string{
				"PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				"GOLANG_VERSION=" + strings.SplitN(strings.TrimPrefix(ref, "docker.io/library/golang:"), "-", 2)[0],
				"GOTOOLCHAIN=local",
				"GOPATH=/go",
			},
			"WorkingDir": "/go",
			"Cmd":        []string{"bash"},
		}
	case strings.HasPrefix(ref, "gcr.io/distroless/static"):
		config = map[string]any{
			"User":       "65532",
			"Env":        []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"},
			"WorkingDir": "/home/nonroot",
		}
	default:
		return "", "", nil, fmt.Errorf("base image %s is not one the validator knows (golang, gcr.io/distroless/static)", ref)
	}
	img := map[string]any{
		"architecture": platform["architecture"],
		"os":           platform["os"],
		"config":       config,
		"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + strings.Repeat("0", 64)}},
	}
	data, err := json.Marshal(img)
	return ref, "", data, err
}

var goImage = regexp.MustCompile(`^golang:(\d+\.\d+(?:\.\d+)?)(?:-[a-z0-9.]+)?$`)

// runDockerfile parses and lints the Dockerfile with BuildKit (what `docker
// build --check` runs), converts it to see the final image's configuration,
// and checks the layout a generated service promises.
func runDockerfile(args []string) (result, error) {
	project := args[0]
	flags := flag.NewFlagSet("dockerfile", flag.ContinueOnError)
	version := flags.String("version", "", "the VERSION build argument")
	if err := flags.Parse(args[1:]); err != nil {
		return result{}, err
	}
	a, err := loadAnswers(project)
	if err != nil {
		return result{}, err
	}
	dt, err := os.ReadFile(filepath.Join(project, "Dockerfile"))
	if err != nil {
		return result{}, err
	}
	var p problems
	info := buildCommand{}

	ast, err := parser.Parse(bytes.NewReader(dt))
	if err != nil {
		p.add("Dockerfile", "parse: %v", err)
		return result{Problems: p.list}, nil
	}
	for _, w := range ast.Warnings {
		p.add("Dockerfile", "parser warning: %s", w.Short)
	}

	// The linter, as `docker build --check` runs it: every rule that is
	// not experimental, over every stage.
	buildArgs := map[string]string{}
	if *version != "" {
		buildArgs["VERSION"] = *version
	}
	convert := func() dockerfile2llb.ConvertOpt {
		sourceMap := llb.NewSourceMap(nil, "Dockerfile", "Dockerfile", dt)
		sourceMap.Definition = &llb.Definition{}
		return dockerfile2llb.ConvertOpt{
			Config:       dockerui.Config{BuildArgs: buildArgs},
			MetaResolver: offlineResolver{},
			SourceMap:    sourceMap,
		}
	}
	lint, err := dockerfile2llb.DockerfileLint(context.Background(), dt, convert())
	if err != nil {
		p.add("Dockerfile", "lint: %v", err)
	} else {
		for _, w := range lint.Warnings {
			line := 0
			if w.Location != nil && len(w.Location.Ranges) > 0 {
				line = int(w.Location.Ranges[0].Start.Line)
			}
			p.add("Dockerfile", "line %d: %s: %s (%s)", line, w.RuleName, w.Detail, w.URL)
		}
		if lint.Error != nil {
			p.add("Dockerfile", "lint: %s", lint.Error.Message)
		}
	}

	// The image the build produces.
	converted, err := dockerfile2llb.Dockerfile2LLB(context.Background(), dt, convert())
	if err != nil {
		p.add("Dockerfile", "convert: %v", err)
	} else {
		cfg := converted.Image.Config
		if cfg.User != "65532:65532" {
			p.add("image", "runs as user %q, want the numeric non-root 65532:65532", cfg.User)
		}
		for _, port := range []string{"8080/tcp", "9090/tcp"} {
			if _, ok := cfg.ExposedPorts[port]; !ok {
				p.add("image", "does not expose %s", port)
			}
		}
		if len(cfg.Entrypoint) != 1 || cfg.Entrypoint[0] != "/usr/local/bin/"+a.Name {
			p.add("image", "entrypoint is %q, want [/usr/local/bin/%s] (exec form: no shell in the image)", cfg.Entrypoint, a.Name)
		}
	}

	stages, metaArgs, err := instructions.Parse(ast.AST, nil)
	if err != nil {
		p.add("Dockerfile", "instructions: %v", err)
		return result{Problems: p.list}, nil
	}
	if len(stages) < 2 {
		p.add("Dockerfile", "want a multi-stage build, got %d stage(s)", len(stages))
		return result{Problems: p.list}, nil
	}
	build, final := stages[0], stages[len(stages)-1]

	// The Go version of the build image is the go directive of go.mod.
	info.GoImage = build.BaseName
	mod, err := os.ReadFile(filepath.Join(project, "go.mod"))
	if err != nil {
		return result{}, err
	}
	f, err := modfile.ParseLax("go.mod", mod, nil)
	if err != nil || f.Go == nil {
		p.add("go.mod", "no go directive (%v)", err)
	} else {
		info.GoModVersion = f.Go.Version
		m := goImage.FindStringSubmatch(build.BaseName)
		if m == nil {
			p.add("Dockerfile", "build stage FROM %s: want the official golang image with a version tag", build.BaseName)
		} else if want := strings.Join(strings.SplitN(f.Go.Version, ".", 3)[:2], "."); m[1] != want {
			// The minor version's tag, so that the image gets patch releases.
			p.add("Dockerfile", "build stage uses Go %s, want golang:%s for go.mod's go %s", m[1], want, f.Go.Version)
		}
	}

	env := buildEnv(metaArgs, build, buildArgs)
	cmd, order := checkBuildStage(build, a, env, &p)
	info.Env, info.Args, info.Output = cmd.Env, cmd.Args, cmd.Output
	if order != "" {
		p.add("Dockerfile", "build stage: %s", order)
	}

	// The final stage: distroless, no shell needed, numeric user, the binary.
	if !strings.HasPrefix(final.BaseName, "gcr.io/distroless/static") && final.BaseName != "scratch" {
		p.add("Dockerfile", "final stage FROM %s: want gcr.io/distroless/static or scratch", final.BaseName)
	}
	copied := false
	for _, c := range final.Commands {
		switch c := c.(type) {
		case *instructions.RunCommand:
			p.add("Dockerfile", "final stage runs %q: it has no shell", c.String())
		case *instructions.UserCommand:
			info.User = c.User
			uid, gid, _ := strings.Cut(c.User, ":")
			u, errU := strconv.Atoi(uid)
			_, errG := strconv.Atoi(gid)
			if errU != nil || errG != nil || u == 0 {
				p.add("Dockerfile", "USER %s: want numeric, non-root uid:gid", c.User)
			}
		case *instructions.EntrypointCommand:
			if c.PrependShell {
				p.add("Dockerfile", "ENTRYPOINT in shell form needs a shell")
			}
		case *instructions.CmdCommand:
			if c.PrependShell {
				p.add("Dockerfile", "CMD in shell form needs a shell")
			}
		case *instructions.CopyCommand:
			if c.From == build.Name && slices.Contains(c.SourcePaths, cmd.Output) {
				copied = true
			}
		}
	}
	if info.User == "" {
		p.add("Dockerfile", "final stage has no USER")
	}
	if !copied {
		p.add("Dockerfile", "final stage does not copy %s from the %s stage", cmd.Output, build.Name)
	}

	checkDockerignore(project, a, &p)
	return result{Problems: p.list, Info: info}, nil
}

// buildEnv is what ARG instructions and build arguments define in the build
// stage, as BuildKit would see it for this machine's platform.
func buildEnv(metaArgs []instructions.ArgCommand, build instructions.Stage, buildArgs map[string]string) map[string]string {
	env := map[string]string{
		"TARGETOS": "linux", "TARGETARCH": runtime.GOARCH, "TARGETPLATFORM": "linux/" + runtime.GOARCH,
		"BUILDOS": "linux", "BUILDARCH": runtime.GOARCH, "BUILDPLATFORM": "linux/" + runtime.GOARCH,
	}
	declare := func(args []instructions.KeyValuePairOptional) {
		for _, kv := range args {
			if v, ok := buildArgs[kv.Key]; ok {
				env[kv.Key] = v
			} else if kv.Value != nil {
				env[kv.Key] = *kv.Value
			} else if _, ok := env[kv.Key]; !ok {
				env[kv.Key] = ""
			}
		}
	}
	for _, a := range metaArgs {
		declare(a.Args)
	}
	for _, c := range build.Commands {
		if a, ok := c.(*instructions.ArgCommand); ok {
			declare(a.Args)
		}
	}
	return env
}

// checkBuildStage finds the module-download layer and the go build line.
func checkBuildStage(build instructions.Stage, a answers, env map[string]string, p *problems) (buildCommand, string) {
	cmd := buildCommand{Env: map[string]string{}}
	modCopy, download, srcCopy, goBuild := -1, -1, -1, -1
	for i, c := range build.Commands {
		switch c := c.(type) {
		case *instructions.CopyCommand:
			src := slices.Sorted(slices.Values(c.SourcePaths))
			if slices.Equal(src, []string{"go.mod", "go.sum"}) {
				modCopy = i
			}
			if slices.Equal(src, []string{"."}) {
				srcCopy = i
			}
		case *instructions.RunCommand:
			if !c.PrependShell || len(c.CmdLine) != 1 {
				continue
			}
			words, err := shell.NewLex('\\').ProcessWords(c.CmdLine[0], shell.EnvsFromSlice(envSlice(env)))
			if err != nil {
				p.add("Dockerfile", "RUN %s: %v", c.CmdLine[0], err)
				continue
			}
			if containsSeq(words, "go", "mod", "download") {
				download = i
			}
			if at := indexSeq(words, "go", "build"); at >= 0 {
				goBuild = i
				for _, w := range words[:at] {
					k, v, ok := strings.Cut(w, "=")
					if !ok {
						p.add("Dockerfile", "go build line: %q before go build is not an assignment", w)
					}
					cmd.Env[k] = v
				}
				cmd.Args = words[at+1:]
			}
		}
	}
	if goBuild < 0 {
		return cmd, "no RUN line with go build"
	}
	for i, arg := range cmd.Args {
		if arg == "-o" && i+1 < len(cmd.Args) {
			cmd.Output = cmd.Args[i+1]
		}
	}
	ldflags := ""
	for _, arg := range cmd.Args {
		if v, ok := strings.CutPrefix(arg, "-ldflags="); ok {
			ldflags = v
		}
	}
	switch {
	case cmd.Env["CGO_ENABLED"] != "0":
		p.add("Dockerfile", "go build without CGO_ENABLED=0: the binary would not be static")
	case !slices.Contains(cmd.Args, "-trimpath"):
		p.add("Dockerfile", "go build without -trimpath")
	case !slices.Contains(strings.Fields(ldflags), "-s") || !slices.Contains(strings.Fields(ldflags), "-w") || !strings.Contains(ldflags, "-X "):
		p.add("Dockerfile", "go build -ldflags=%q: want -s -w and a -X version stamp", ldflags)
	case cmd.Output == "":
		p.add("Dockerfile", "go build has no -o")
	case cmd.Args[len(cmd.Args)-1] != "./cmd/"+a.Name:
		p.add("Dockerfile", "go build builds %s, want ./cmd/%s", cmd.Args[len(cmd.Args)-1], a.Name)
	}
	if modCopy < 0 || modCopy >= download || download >= srcCopy || srcCopy >= goBuild {
		return cmd, "want COPY go.mod go.sum, RUN go mod download, COPY . ., RUN go build in this order (the module layer is cached apart from the source)"
	}
	return cmd, ""
}

func envSlice(env map[string]string) []string {
	var out []string
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

func indexSeq(words []string, seq ...string) int {
	for i := 0; i+len(seq) <= len(words); i++ {
		if slices.Equal(words[i:i+len(seq)], seq) {
			return i
		}
	}
	return -1
}

func containsSeq(words []string, seq ...string) bool { return indexSeq(words, seq...) >= 0 }

// checkDockerignore matches the project's files against .dockerignore the
// way BuildKit does: every file the build needs is in the context, and
// secrets and history are not.
func checkDockerignore(project string, a answers, p *problems) {
	data, err := os.ReadFile(filepath.Join(project, ".dockerignore"))
	if err != nil {
		p.add(".dockerignore", "%v", err)
		return
	}
	patterns, err := ignorefile.ReadAll(bytes.NewReader(data))
	if err != nil {
		p.add(".dockerignore", "%v", err)
		return
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		p.add(".dockerignore", "%v", err)
		return
	}
	ignored := func(path string) bool {
		m, _ := pm.MatchesOrParentMatches(path)
		return m
	}
	for _, path := range []string{".env", ".git/config", "bin/" + a.Name, "deploy/k8s/base/kustomization.yaml"} {
		if !ignored(path) {
			p.add(".dockerignore", "%s would be sent to the builder", path)
		}
	}
	for _, path := range []string{"go.mod", "go.sum"} {
		if ignored(path) {
			p.add(".dockerignore", "excludes %s, which the build needs", path)
		}
	}
	needed := 0
	walkErr := filepath.WalkDir(project, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(project, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && rel != "." || rel == "deploy" || rel == "bin" {
				return filepath.SkipDir
			}
			return nil
		}
		isSource := strings.HasSuffix(rel, ".go") && !strings.HasSuffix(rel, "_test.go") && !strings.Contains(rel, "/testdata/")
		isEmbedded := strings.HasPrefix(rel, "migrations/") && strings.HasSuffix(rel, ".sql")
		if isSource || isEmbedded {
			needed++
			if ignored(rel) {
				p.add(".dockerignore", "excludes %s, which the build needs", rel)
			}
		}
		return nil
	})
	if walkErr != nil {
		p.add(".dockerignore", "walk: %v", walkErr)
	}
	if needed == 0 {
		p.add(".dockerignore", "found no Go source to check")
	}
	if a.postgres() && ignored("migrations/00001_create_items.sql") {
		p.add(".dockerignore", "excludes the embedded migrations")
	}
}
